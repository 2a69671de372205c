#pragma once
// TypedCell<M>: a local actor receiving M: its mailbox, its behavior, and the turn loop.
//
// Mailbox: producers push into `inbox_` under the cell's lock and schedule the cell when it was
// idle; a turn swaps `inbox_` with its own `batch_` under the lock and then handles the batch
// without it, so a turn takes the lock about twice however many messages it handles. A bounded
// mailbox keeps a ring under the lock instead and hands out one message at a time, so that its
// overflow policies (drop the oldest) see every queued message.
//
// Adaptations (a message adapter's N, a piped future's result) wait in the mailbox as closures
// that make an M inside the turn. They keep their place among the messages: each records how
// many mailbox messages were queued before it, and the turn runs it once those are handled. An
// adaptation is a message in the mailbox: it counts against a bounded mailbox's capacity, and a
// full one applies its overflow policy to it as to any message.

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <variant>

#include <orrery/actor/actor_context.hpp>
#include <orrery/actor/actor_system.hpp>
#include <orrery/actor/behaviors.hpp>
#include <orrery/actor/detail/cell.hpp>
#include <orrery/core/message_buffer.hpp>
#include <orrery/core/prng.hpp>
#include <orrery/core/type_name.hpp>
#include <orrery/core/unique_function.hpp>
#include <orrery/fiber/fiber_host.hpp>

namespace orrery {

template <class M>
class TypedCell final : public CellBase, public Recipient<M>, public ActorContext<M> {
 public:
  TypedCell(ActorSystem& system, CellBase* parent, std::uint64_t id, Behavior<M> initial,
            const Props& props)
      : CellBase(system, parent, id, props), behavior_(std::move(initial)) {
    if (props.mailbox.is_bounded()) typed().mailbox = props.mailbox;
    // Unwrapping supervision runs no user code, so plain and supervised receive behaviors start
    // at once; a setup has to run in the actor's own turn.
    behavior_ = unwrap_supervision(std::move(behavior_));
    if (behavior_.kind() != BehaviorKind::deferred) set_lifecycle(Lifecycle::running);
  }

  ~TypedCell() override {
    delete typed_;
    delete adaptations_in_;
  }

  // ---- Recipient<M> ----
  void tell(M&& message) override {
    if (system().config().serialize_messages) [[unlikely]] {
      if (!roundtrip_through_serialization(message)) return;
    }
    lock_.lock();
    if (lifecycle_.load(std::memory_order_relaxed) == Lifecycle::terminated) {
      lock_.unlock();
      system().dead_letter(CellBase::path(), message_type_name(message), "recipient terminated");
      return;
    }
    if (bounded_) {
      tell_bounded(std::move(message));  // unlocks
      return;
    }
    try {
      inbox_.push_back(std::move(message));
    } catch (...) {
      lock_.unlock();
      throw;
    }
    const bool idle = !scheduled_;
    scheduled_ = true;
    lock_.unlock();
    if (idle) schedule_from_idle();
  }
  /// What an adapter or pipe_to_self queues: `run` makes the M and handles it, in the turn.
  using AdaptationTask = UniqueFunction<void(TypedCell&)>;
  struct Adaptation {
    std::uint32_t before = 0;    // runs before mailbox (or batch) message number `before`
    std::string_view type_name;  // of what it adapts, for dead letters
    AdaptationTask run;
  };
  /// What a full bounded mailbox with OverflowPolicy::fail_sender does with an adaptation.
  enum class WhenFull : std::uint8_t {
    fail_sender,  // as with a tell: throws MailboxOverflowError to whoever sent it (an adapter)
    drop_newest,  // a completion (pipe_to_self) has no sender to fail: it is a dead letter
  };
  /// Thread-safe: queues an adaptation behind the messages already in the mailbox. It counts
  /// against a bounded mailbox's capacity, and a full one applies its overflow policy (with
  /// fail_sender as `when_full` says); to a terminated actor it is a dead letter.
  void tell_adaptation(std::string_view type_name, AdaptationTask run,
                       WhenFull when_full = WhenFull::fail_sender) {
    lock_.lock();
    if (lifecycle_.load(std::memory_order_relaxed) == Lifecycle::terminated) {
      lock_.unlock();
      system().dead_letter(CellBase::path(), type_name, "recipient terminated");
      return;
    }
    Evicted evicted;  // freed after the lock: an adaptation's closure may hold anything
    if (bounded_ && bounded_full()) {
      OverflowPolicy policy = typed_->mailbox.overflow;
      if (policy == OverflowPolicy::fail_sender && when_full == WhenFull::drop_newest)
        policy = OverflowPolicy::drop_newest;
      if (policy == OverflowPolicy::drop_oldest) {
        evict_oldest(evicted);
      } else {
        lock_.unlock();
        refuse(type_name, policy);
        return;
      }
    }
    try {
      if (adaptations_in_ == nullptr) adaptations_in_ = new std::vector<Adaptation>();
      const std::size_t queued = bounded_ ? typed_->bounded.size() : inbox_.size();
      adaptations_in_->push_back(
          Adaptation{static_cast<std::uint32_t>(queued), type_name, std::move(run)});
    } catch (...) {
      lock_.unlock();
      throw;
    }
    ORRERY_ASSERT(!bounded_ || bounded_queued() <= typed_->mailbox.capacity);
    const bool idle = !scheduled_;
    scheduled_ = true;
    lock_.unlock();
    report_evicted(evicted);
    if (idle) schedule_from_idle();
  }

  /// How a throw from an adaptation's function counts.
  enum class AdaptFailure : std::uint8_t { signals, fails_actor };
  /// In the turn: makes the adapted message with `make` and handles it. A throw drops it and
  /// signals MessageAdaptionFailure (a message adapter) or fails the actor (pipe_to_self).
  template <class Make>
  void deliver_adapted(Make&& make, AdaptFailure on_failure) {
    ORRERY_ASSERT(host_ != nullptr, "an adaptation runs only inside the actor's turn");
    std::optional<M> adapted;
    try {
      adapted.emplace(make());
    } catch (const FiberCancelled&) {
      throw;
    } catch (...) {
      if (on_failure == AdaptFailure::signals) {
        deliver_adaption_failure(std::current_exception());
      } else {
        handle_failure(std::current_exception(), "a completion");
      }
      return;
    }
    handle_message(*adapted);
  }

  /// In the turn: runs `next()` and makes the behavior it returns current, as a handler's. A
  /// throw fails the actor.
  template <class Next>
  void run_in_turn(Next&& next) {
    ORRERY_ASSERT(host_ != nullptr, "a completion runs only inside the actor's turn");
    try {
      if (behavior_.kind() == BehaviorKind::receive) apply(next(), nullptr);
    } catch (const FiberCancelled&) {
      throw;
    } catch (...) {
      handle_failure(std::current_exception(), "a completion");
    }
  }

  std::string path() const override { return CellBase::path(); }
  /// The actor's id mixed with its system's incarnation: a restarted node numbers its actors
  /// the same way, and a ref to the old incarnation's actor must not reach the new one.
  std::uint64_t uid() const noexcept override { return mix64(CellBase::system().uid(), id()) | 1; }
  ActorSystem& core() const noexcept override { return CellBase::system(); }
  bool terminated() const noexcept override { return is_terminated(); }
  CellBase* as_cell() noexcept override { return this; }
  void add_watcher(CellBase& watcher) override { add_watcher_from(watcher); }
  void remove_watcher(CellBase& watcher) override { remove_watcher_from(watcher); }
  RecipientBase& recipient() noexcept override { return *this; }

  // ---- Runnable ----
  void run(FiberHost& host) override {
    host_ = &host;
    bool still_scheduled = false;
    try {
      // turn() clears host_ itself before it lets the cell go (idle, or back to the executor):
      // from then on another worker may be running it.
      still_scheduled = turn();
    } catch (...) {
      // Only FiberCancelled gets here: the turn was parked and its node is being torn down.
      host_ = nullptr;
      this->release();
      throw;
    }
    if (!still_scheduled) this->release();  // the schedule's reference; may free this cell
  }
  void discard() noexcept override { this->release(); }

  // ---- used by ActorContext, TimerScheduler, StashBuffer ----
  struct Timer {
    enum class Mode : std::uint8_t { single, fixed_delay, fixed_rate };
    std::string key;
    std::optional<M> message;
    std::uint64_t generation = 0;
    TimerId id;
    Mode mode = Mode::single;
    Duration interval{0};
    Instant due{};
  };

  struct TypedExtras {
    std::optional<Behavior<M>> supervised;      // the supervise behavior: clauses, restart target
    std::optional<Behavior<M>> stopped_action;  // behaviors::stopped(f)
    std::deque<M> unstashed;                    // handled before the mailbox
    std::deque<Adaptation> adaptations;         // the batch's, `before` counts in batch_
    std::optional<StashBuffer<M>> stash;
    std::optional<TimerScheduler<M>> scheduler;
    std::vector<Timer> timers;
    std::uint64_t next_generation = 0;
    std::vector<std::pair<UntypedActorRef, M>> watch_messages;
    // ctx.message_adapter's refs, one per message type. They hold this cell and it holds them:
    // release_state() deletes this struct when the actor stops, ending the cycle.
    std::map<std::type_index, IntrusivePtr<RecipientBase>> adapters;
    MailboxConfig mailbox;
    std::deque<M> bounded;  // the bounded mailbox, under lock_
    std::optional<M> receive_timeout_message;
    Duration receive_timeout{0};
    TimerId receive_timeout_timer;
    std::uint64_t receive_timeout_generation = 0;
    bool delivering_receive_timeout = false;
  };

  TypedExtras& typed() {
    if (typed_ == nullptr) typed_ = new TypedExtras();
    return *typed_;
  }

  void start_timer(std::string key, M message, typename Timer::Mode mode, Duration initial,
                   Duration interval) {
    ORRERY_ASSERT(initial.count() >= 0 && interval.count() >= 0, "negative timer delay");
    cancel_timer(key);
    TypedExtras& state = typed();
    Timer timer;
    timer.key = std::move(key);
    timer.message.emplace(std::move(message));
    timer.generation = ++state.next_generation;
    timer.mode = mode;
    timer.interval = interval;
    timer.due = system().env().clock.now() + initial;
    timer.id = arm_timer(timer.due, timer.generation);
    if (system().observing_effects()) {
      system().report_effect(*this,
                             effect::TimerStarted{timer.key, initial, mode != Timer::Mode::single});
    }
    state.timers.push_back(std::move(timer));
  }

  bool cancel_timer(std::string_view key) {
    if (typed_ == nullptr) return false;
    auto& timers = typed_->timers;
    for (auto it = timers.begin(); it != timers.end(); ++it) {
      if (it->key == key) {
        system().env().timers.cancel(it->id);
        if (system().observing_effects())
          system().report_effect(*this, effect::TimerCancelled{it->key});
        timers.erase(it);
        return true;
      }
    }
    return false;
  }

  const std::vector<Timer>* timer_list() const {
    return typed_ != nullptr ? &typed_->timers : nullptr;
  }

  void set_receive_timeout(Duration timeout, M message) {
    ORRERY_ASSERT(timeout.count() > 0, "a receive timeout must be positive");
    TypedExtras& state = typed();
    state.receive_timeout = timeout;
    state.receive_timeout_message.emplace(std::move(message));
    rearm_receive_timeout();
  }

  void cancel_receive_timeout() {
    if (typed_ == nullptr || !typed_->receive_timeout_message) return;
    system().env().timers.cancel(typed_->receive_timeout_timer);
    typed_->receive_timeout_message.reset();
    ++typed_->receive_timeout_generation;
  }

  void add_watch_message(const UntypedActorRef& target, M message) {
    auto& messages = typed().watch_messages;
    std::erase_if(messages, [&](const auto& entry) { return entry.first == target; });
    messages.emplace_back(target, std::move(message));
  }

  /// A message adapter threw: signal MessageAdaptionFailure; unhandled, it fails the actor.
  void deliver_adaption_failure(std::exception_ptr error) {
    if (!can_process_messages()) return;
    if (!deliver_signal(MessageAdaptionFailure{error, describe(error)})) {
      handle_failure(error, "a message adapter");
    }
  }

  void remove_watch_message(const UntypedActorRef& target) {
    if (typed_ == nullptr) return;
    std::erase_if(typed_->watch_messages, [&](const auto& entry) { return entry.first == target; });
  }

 protected:
  // ---- CellBase's typed operations ----
  void start_behavior() override {
    ORRERY_ASSERT(lifecycle() == Lifecycle::created);
    try {
      Behavior<M> started = canonicalize(std::move(behavior_));
      set_lifecycle(Lifecycle::running);
      install(std::move(started));
    } catch (const FiberCancelled&) {
      throw;
    } catch (...) {
      behavior_ = Behavior<M>();
      handle_failure(std::current_exception(), "setup");
    }
  }

  bool deliver_signal(const Signal& signal) override {
    const bool lifecycle_signal =
        std::holds_alternative<PostStop>(signal) || std::holds_alternative<PreRestart>(signal);
    bool handled = false;
    if (behavior_.kind() == BehaviorKind::receive) {
      try {
        Behavior<M> next = behavior_.impl()->receive_signal(*this, signal);
        handled = next.kind() != BehaviorKind::unhandled;
        if (handled && !lifecycle_signal) apply(std::move(next), nullptr);
      } catch (const FiberCancelled&) {
        throw;
      } catch (...) {
        handled = true;
        if (lifecycle_signal) {
          system().log(LogLevel::error, CellBase::path(),
                       "a lifecycle signal handler threw: " + describe(std::current_exception()));
        } else {
          handle_failure(std::current_exception(), "a signal");
        }
      }
    }
    if (std::holds_alternative<PostStop>(signal) && typed_ != nullptr && typed_->stopped_action) {
      try {
        typed_->stopped_action->impl()->receive_signal(*this, signal);
      } catch (const FiberCancelled&) {
        throw;
      } catch (...) {
        system().log(LogLevel::error, CellBase::path(),
                     "a stopped() action threw: " + describe(std::current_exception()));
      }
      handled = true;
    }
    return handled;
  }

  void restart_behavior() override {
    ORRERY_ASSERT(typed_ != nullptr && typed_->supervised, "restarting without supervision");
    Behavior<M> target = typed_->supervised->impl()->supervision()->inner;
    try {
      install(canonicalize(std::move(target)));
    } catch (const FiberCancelled&) {
      throw;
    } catch (...) {
      behavior_ = Behavior<M>();
      handle_failure(std::current_exception(), "restart");
    }
  }

  void drain_mailbox(const char* reason) override {
    MessageBuffer<M> inbox;
    std::deque<M> bounded;
    std::vector<Adaptation> adaptations;  // never run: the actor stopped
    {
      SpinLockGuard guard(lock_);
      inbox.swap(inbox_);
      if (typed_ != nullptr) bounded.swap(typed_->bounded);
      if (adaptations_in_ != nullptr) adaptations.swap(*adaptations_in_);
    }
    const bool report = reason != nullptr && reason[0] != '\0';
    std::string self_path;  // built only if something is dead-lettered: most stops drain nothing
    auto dead = [&](M& message) {
      if (!report) return;
      if (self_path.empty()) self_path = CellBase::path();
      system().dead_letter(self_path, message_type_name(message), reason);
    };
    auto dead_adaptation = [&](const Adaptation& adaptation) {
      if (!report) return;
      if (self_path.empty()) self_path = CellBase::path();
      system().dead_letter(self_path, adaptation.type_name, reason);
    };
    for (const Adaptation& adaptation : adaptations)
      dead_adaptation(adaptation);
    if (typed_ != nullptr) {
      for (const Adaptation& adaptation : typed_->adaptations)
        dead_adaptation(adaptation);
      typed_->adaptations.clear();
      for (M& message : typed_->unstashed)
        dead(message);
      typed_->unstashed.clear();
      if (typed_->stash) {
        for (M& message : typed_->stash->buffer_)
          dead(message);
        typed_->stash->buffer_.clear();
      }
    }
    for (std::uint32_t i = batch_read_; i < batch_.size(); ++i)
      dead(batch_[i]);
    batch_.release();
    batch_read_ = 0;
    for (std::uint32_t i = 0; i < inbox.size(); ++i)
      dead(inbox[i]);
    for (M& message : bounded)
      dead(message);
  }

  void release_state() override {
    cancel_timers();
    behavior_ = Behavior<M>();
    delete std::exchange(typed_, nullptr);
    batch_.release();
    std::vector<Adaptation>* adaptations = nullptr;
    {
      SpinLockGuard guard(lock_);
      inbox_.release();
      adaptations = std::exchange(adaptations_in_, nullptr);
    }
    delete adaptations;  // outside the lock: their closures release refs
  }

  void fire_timer(std::uint64_t key, std::uint64_t generation) override {
    if (typed_ == nullptr) return;
    if (key == receive_timeout_key) {
      fire_receive_timeout(generation);
      return;
    }
    auto& timers = typed_->timers;
    auto it = std::find_if(timers.begin(), timers.end(),
                           [&](const Timer& t) { return t.generation == generation; });
    if (it == timers.end()) return;  // cancelled or replaced: never delivered
    if (it->mode == Timer::Mode::single) {
      M message = std::move(*it->message);
      timers.erase(it);
      handle_message(message);
      return;
    }
    const Instant now = system().env().clock.now();
    it->due = it->mode == Timer::Mode::fixed_rate ? it->due + it->interval : now + it->interval;
    it->id = arm_timer(it->due, it->generation);
    if constexpr (std::is_copy_constructible_v<M>) {
      M message = *it->message;
      handle_message(message);
    } else {
      ORRERY_UNREACHABLE("periodic timers need a copyable message");
    }
  }

  void cancel_timers() override {
    if (typed_ == nullptr) return;
    for (const Timer& timer : typed_->timers)
      system().env().timers.cancel(timer.id);
    typed_->timers.clear();
    cancel_receive_timeout();
  }

  bool deliver_watch_message(const UntypedActorRef& ref) override {
    if (typed_ == nullptr) return false;
    auto& messages = typed_->watch_messages;
    auto it = std::find_if(messages.begin(), messages.end(),
                           [&](const auto& entry) { return entry.first == ref; });
    if (it == messages.end()) return false;
    M message = std::move(it->second);
    messages.erase(it);
    handle_message(message);
    return true;
  }

  const std::vector<FailureClause>* supervision_clauses() const override {
    if (typed_ == nullptr || !typed_->supervised) return nullptr;
    return &typed_->supervised->impl()->supervision()->clauses;
  }

 private:
  friend class ActorContext<M>;
  friend class StashBuffer<M>;
  static constexpr std::uint64_t receive_timeout_key = 1;

  /// One turn: system messages first, then up to `throughput` messages. Returns whether the
  /// cell is still scheduled (it handed itself back to the executor).
  bool turn() {
    std::uint32_t budget = system().config().throughput;
    // BUGGIFY: a turn that yields after one message widens the interleavings a seed explores.
#if defined(ORRERY_BUGGIFY_SHARED_OBJECT)
#error "typed_cell.hpp holds a BUGGIFY site: list this source among the runtime's variant sources"
#elif ORRERY_BUGGIFY_ENABLED
    if (Buggify* buggify = system().buggify();
        buggify != nullptr && buggify->fire("actor.turn.short"))
      budget = 1;
#endif
    for (;;) {
      // The first turn of an actor with a setup starts it before any system message (Akka's
      // Create comes first): a stop that overtook the start still finds the setup's children
      // and PostStop handler.
      if (lifecycle() == Lifecycle::created) start_behavior();
      if (has_system_messages()) process_system_messages();
      Lifecycle state = lifecycle();
      if (state == Lifecycle::terminated) {
        host_ = nullptr;  // never scheduled again: post and tell see it terminated
        return false;
      }
      if (state != Lifecycle::running) {
        // Messages wait while the actor starts, restarts, backs off or stops.
        SpinLockGuard guard(lock_);
        if (has_system_messages()) continue;
        host_ = nullptr;
        scheduled_ = false;
        return false;
      }
      if (typed_ != nullptr && !typed_->unstashed.empty()) {
        if (budget-- == 0) break;
        M message = std::move(typed_->unstashed.front());
        typed_->unstashed.pop_front();
        handle_message(message);
        continue;
      }
      if (typed_ != nullptr && !typed_->adaptations.empty() &&
          typed_->adaptations.front().before <= batch_read_) {
        if (budget-- == 0) break;
        Adaptation adaptation = std::move(typed_->adaptations.front());
        typed_->adaptations.pop_front();
        adaptation.run(*this);
        continue;
      }
      if (batch_read_ == batch_.size()) {
        if (!refill_batch()) return false;
        continue;  // the new batch may open with adaptations, or only system messages came
      }
      if (budget-- == 0) break;
      handle_message(batch_[batch_read_++]);
    }
    host_ = nullptr;
    reschedule();  // throughput used up: let the worker run others
    return true;
  }

  /// Takes the next messages from the mailbox; false when the cell went idle.
  bool refill_batch() {
    ORRERY_ASSERT(typed_ == nullptr || typed_->adaptations.empty(),
                  "a batch is done only once its adaptations ran");
    batch_.clear();
    batch_read_ = 0;
    SpinLockGuard guard(lock_);
    bool adapting = false;
    if (bounded_) {
      adapting = take_adaptations(1);
      if (typed_ != nullptr && !typed_->bounded.empty()) {
        batch_.push_back(std::move(typed_->bounded.front()));
        typed_->bounded.pop_front();
      }
    } else {
      batch_.swap(inbox_);
      adapting = take_adaptations(batch_.size());
    }
    if (!batch_.empty() || adapting || has_system_messages()) return true;
    host_ = nullptr;
    scheduled_ = false;
    return false;
  }

  /// With lock_ held, at a refill that takes `taken` messages from the mailbox: moves the queued
  /// adaptations due before the end of them to the turn, and renumbers the rest against what
  /// stays queued. True if any moved.
  bool take_adaptations(std::size_t taken) {
    if (adaptations_in_ == nullptr || adaptations_in_->empty()) return false;
    auto& pending = *adaptations_in_;
    auto& due = typed().adaptations;
    const std::uint32_t count = static_cast<std::uint32_t>(taken);
    std::size_t kept = 0;
    for (Adaptation& adaptation : pending) {  // in queueing order, so `before` never decreases
      if (adaptation.before <= count && (bounded_ ? adaptation.before == 0 : true)) {
        due.push_back(std::move(adaptation));
      } else {
        adaptation.before -= count;
        pending[kept++] = std::move(adaptation);
      }
    }
    pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(kept), pending.end());
    return !due.empty();
  }

  /// The serialize-everything test mode: the message that arrives is the decoded copy.
  /// Through the system's type-erased hook: the actor API compiles no wire format.
  bool roundtrip_through_serialization(M& message) {
    auto erased = [this](const auto& value) {
      using T = std::decay_t<decltype(value)>;
      return system().roundtrip(typeid(T), type_name<T>(), &value);
    };
    Result<AnyMessage> copy = [&] {
      if constexpr (requires { std::variant_size<M>::value; }) {
        return std::visit(erased, message);  // the alternative it holds goes on the wire
      } else {
        return erased(message);
      }
    }();
    std::optional<M> decoded;
    if (copy.ok()) decoded = take_as<M>(*copy);
    if (!decoded) {
      const std::string reason =
          copy.ok() ? "it decoded to " + std::string(copy->type_name()) : copy.error().message;
      system().log(LogLevel::error, CellBase::path(), "message not serializable: " + reason);
      system().dead_letter(CellBase::path(), message_type_name(message), "not serializable");
      return false;
    }
    message = std::move(*decoded);
    return true;
  }

  /// With lock_ held: what a bounded mailbox holds, messages and adaptations.
  std::size_t bounded_queued() const noexcept {
    const std::size_t adaptations = adaptations_in_ == nullptr ? 0 : adaptations_in_->size();
    return typed_->bounded.size() + adaptations;
  }
  bool bounded_full() const noexcept {
    return bounded_queued() >= typed_->mailbox.capacity;
  }

  /// The oldest entry a full drop_oldest mailbox gave up: a message or an adaptation.
  struct Evicted {
    std::optional<M> message;
    std::optional<Adaptation> adaptation;
  };
  /// With lock_ held: takes the oldest entry out of a full bounded mailbox. An adaptation with
  /// nothing queued before it is older than the first message.
  void evict_oldest(Evicted& evicted) {
    ORRERY_ASSERT(bounded_ && bounded_queued() > 0, "evicting from an empty mailbox");
    if (adaptations_in_ != nullptr && !adaptations_in_->empty() &&
        adaptations_in_->front().before == 0) {
      evicted.adaptation.emplace(std::move(adaptations_in_->front()));
      adaptations_in_->erase(adaptations_in_->begin());
      return;
    }
    ORRERY_ASSERT(!typed_->bounded.empty(), "adaptations wait only behind messages");
    evicted.message.emplace(std::move(typed_->bounded.front()));
    typed_->bounded.pop_front();
    if (adaptations_in_ != nullptr) {  // they keep their place among what stays
      for (Adaptation& adaptation : *adaptations_in_)
        if (adaptation.before > 0) --adaptation.before;
    }
  }
  /// After the lock: dead-letters what evict_oldest took.
  void report_evicted(const Evicted& evicted) {
    constexpr const char* reason = "mailbox full: oldest dropped";
    if (evicted.message)
      system().dead_letter(CellBase::path(), message_type_name(*evicted.message), reason);
    if (evicted.adaptation)
      system().dead_letter(CellBase::path(), evicted.adaptation->type_name, reason);
  }
  /// After the lock: a full mailbox refuses the newest entry (drop_newest or fail_sender).
  void refuse(std::string_view type_name, OverflowPolicy policy) {
    ORRERY_ASSERT(policy != OverflowPolicy::drop_oldest, "drop_oldest takes the newest entry");
    system().dead_letter(CellBase::path(), type_name, "mailbox full");
    if (policy == OverflowPolicy::fail_sender) {
      throw MailboxOverflowError("the mailbox of " + CellBase::path() + " is full (capacity " +
                                 std::to_string(typed_->mailbox.capacity) + ")");
    }
  }

  void tell_bounded(M&& message) {  // called with lock_ held; unlocks
    TypedExtras& state = typed();
    Evicted evicted;
    if (bounded_full()) {
      if (state.mailbox.overflow != OverflowPolicy::drop_oldest) {
        lock_.unlock();
        refuse(message_type_name(message), state.mailbox.overflow);
        return;
      }
      evict_oldest(evicted);
    }
    state.bounded.push_back(std::move(message));
    ORRERY_ASSERT(bounded_queued() <= state.mailbox.capacity);
    const bool idle = !scheduled_;
    scheduled_ = true;
    lock_.unlock();
    report_evicted(evicted);
    if (idle) schedule_from_idle();
  }

  void handle_message(M& message) {
    try {
      switch (behavior_.kind()) {
        case BehaviorKind::receive:
          apply(behavior_.impl()->receive(*this, message), &message);
          break;
        case BehaviorKind::empty:
          system().unhandled(CellBase::path(), message_type_name(message));
          break;
        case BehaviorKind::ignore:
          break;
        default:
          ORRERY_UNREACHABLE("a running actor's behavior is receive, empty or ignore");
      }
    } catch (const FiberCancelled&) {
      throw;
    } catch (...) {
      handle_failure(std::current_exception(), "a message");
    }
    if (typed_ != nullptr && typed_->receive_timeout_message &&
        !typed_->delivering_receive_timeout) {
      rearm_receive_timeout();
    }
  }

  /// Makes the behavior a handler returned current.
  void apply(Behavior<M>&& next, M* message) {
    switch (next.kind()) {
      case BehaviorKind::same:
        return;
      case BehaviorKind::unhandled:
        if (message != nullptr) system().unhandled(CellBase::path(), message_type_name(*message));
        return;
      case BehaviorKind::stopped:
        if (next.impl() != nullptr) typed().stopped_action.emplace(std::move(next));
        stop_self();
        return;
      default:
        install(canonicalize(std::move(next)));
    }
  }

  void install(Behavior<M>&& behavior) {
    if (behavior.kind() == BehaviorKind::stopped) {
      if (behavior.impl() != nullptr) typed().stopped_action.emplace(std::move(behavior));
      stop_self();
      return;
    }
    behavior_ = std::move(behavior);
  }

  Behavior<M> unwrap_supervision(Behavior<M> behavior) {
    while (behavior.kind() == BehaviorKind::supervise) {
      Behavior<M> inner = behavior.impl()->supervision()->inner;
      typed().supervised.emplace(std::move(behavior));
      behavior = std::move(inner);
    }
    return behavior;
  }

  /// Runs setups and installs supervision until a behavior that handles messages remains.
  Behavior<M> canonicalize(Behavior<M> behavior) {
    for (int depth = 0;; ++depth) {
      ORRERY_ASSERT(depth < 1000, "setup returned setup a thousand times");
      switch (behavior.kind()) {
        case BehaviorKind::deferred:
          behavior = behavior.impl()->start(*this);
          break;
        case BehaviorKind::supervise:
          behavior = unwrap_supervision(std::move(behavior));
          break;
        case BehaviorKind::same:
        case BehaviorKind::unhandled:
          throw std::logic_error("a setup must return a behavior, not same() or unhandled()");
        default:
          return behavior;
      }
    }
  }

  TimerId arm_timer(Instant due, std::uint64_t generation, std::uint64_t key = 0) {
    IntrusivePtr<RecipientBase> self(this);
    return system().env().timers.schedule_at(due, [self, generation, key] {
      auto* message = new SystemMessage(SystemMessage::Kind::timer);
      message->key = key;
      message->generation = generation;
      self->as_cell()->post_system(message);
    });
  }

  void rearm_receive_timeout() {
    TypedExtras& state = *typed_;
    system().env().timers.cancel(state.receive_timeout_timer);
    ++state.receive_timeout_generation;
    state.receive_timeout_timer = arm_timer(system().env().clock.now() + state.receive_timeout,
                                            state.receive_timeout_generation, receive_timeout_key);
  }

  void fire_receive_timeout(std::uint64_t generation) {
    TypedExtras& state = *typed_;
    if (!state.receive_timeout_message || generation != state.receive_timeout_generation) return;
    if constexpr (std::is_copy_constructible_v<M>) {
      M message = *state.receive_timeout_message;
      state.delivering_receive_timeout = true;
      handle_message(message);
      if (typed_ != nullptr) typed_->delivering_receive_timeout = false;
    } else {
      ORRERY_UNREACHABLE("a receive timeout needs a copyable message");
    }
  }

  // batch_read_ first: it can share the tail padding of the recipient base.
  std::uint32_t batch_read_ = 0;
  Behavior<M> behavior_;
  MessageBuffer<M> inbox_;  // under lock_
  MessageBuffer<M> batch_;  // the turn's
  TypedExtras* typed_ = nullptr;
  std::vector<Adaptation>* adaptations_in_ = nullptr;  // under lock_; allocated on first use
};

namespace detail {

/// Checks an actor name (Akka's rules): not empty, no '/', not starting with '$', and only
/// URI-safe characters. Throws ActorNameError.
void validate_actor_name(std::string_view name);

template <class M>
ActorRef<M> spawn_cell(ActorSystem& system, CellBase& parent, Behavior<M> behavior,
                       std::string_view name, const Props& props) {
  if (!name.empty()) validate_actor_name(name);
  auto* cell =
      new TypedCell<M>(system, &parent, system.next_actor_id(), std::move(behavior), props);
  IntrusivePtr<Recipient<M>> ref(cell);
  parent.register_child(*cell, name);  // throws on a clash; `ref` then frees the cell
  if (cell->lifecycle() == CellBase::Lifecycle::created) cell->schedule_start();
  return ActorRef<M>(std::move(ref));
}

/// A message adapter's recipient: queues each N in its target's mailbox, where the target's
/// turn converts it to M (Akka's AdaptMessage): the conversion never runs on the sender's thread.
/// The function is replaceable (ctx.message_adapter for the same N again) and read only in the
/// target's turn, where it is also replaced, so it needs no lock.
template <class N, class M>
class AdapterRecipient final : public Recipient<N> {
 public:
  template <class F>
  AdapterRecipient(TypedCell<M>& target, F adapt)
      : target_(&target),
        adapt_(std::move(adapt)),
        id_(target.CellBase::system().next_actor_id()) {}
  /// In the target's turn only.
  template <class F>
  void replace(F adapt) {
    adapt_ = UniqueFunction<M(N &&)>(std::move(adapt));
  }
  void tell(N&& message) override {
    IntrusivePtr<AdapterRecipient> self(this);
    target_->tell_adaptation(
        message_type_name(message),
        [self = std::move(self), message = std::move(message)](TypedCell<M>& cell) mutable {
          cell.deliver_adapted([&] { return M(self->adapt_(std::move(message))); },
                               TypedCell<M>::AdaptFailure::signals);
        });
  }
  std::string path() const override {
    return target_->path() + "/$$adapter-" + std::to_string(id_);
  }
  std::uint64_t uid() const noexcept override { return id_; }
  ActorSystem& core() const noexcept override { return target_->core(); }
  bool terminated() const noexcept override { return target_->terminated(); }
  CellBase* as_cell() noexcept override { return target_.get(); }
  void add_watcher(CellBase& watcher) override { target_->add_watcher(watcher); }
  void remove_watcher(CellBase& watcher) override { target_->remove_watcher(watcher); }
  bool same_actor(const RecipientBase& other) const noexcept override {
    return target_->same_actor(other);
  }

 private:
  IntrusivePtr<TypedCell<M>> target_;
  UniqueFunction<M(N&&)> adapt_;
  std::uint64_t id_;
};

}  // namespace detail

}  // namespace orrery
