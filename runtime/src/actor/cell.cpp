// The untyped half of a local actor: system messages, the children registry, death watch,
// supervision decisions and the stop sequence (children first, then PostStop, then watchers and
// the parent are told).

#include <algorithm>
#include <fmt/format.h>
#include <orrery/actor/actor_system.hpp>
#include <orrery/actor/detail/cell.hpp>
#include <orrery/env/random.hpp>
#include <orrery/fiber/fiber_host.hpp>

namespace orrery {

struct CellBase::Extras {
  std::string name;  // empty: anonymous
  // Children, readable from other threads (path resolution) under registry_lock; written only by
  // the cell's turn (and by spawns from outside into a guardian, also under the lock).
  SpinLock registry_lock;
  CellBase* first_child = nullptr;
  std::size_t child_count = 0;
  std::map<std::string, CellBase*, std::less<>> named_children;
  // Death watch, turn-owned, in registration order.
  std::vector<UntypedActorRef> watchers;
  std::vector<UntypedActorRef> watching;
  // Supervision state.
  std::vector<Instant> restart_times;  // within the limit's window; bounded by max_restarts
  std::uint32_t backoff_failures = 0;
  Instant last_failure{};
  std::optional<SupervisorStrategy> restart_strategy;  // set while restarting or backing off
  bool backoff_waited = false;
  bool in_restart_setup = false;  // a failure now is the restarted setup failing again
  std::uint32_t restart_setup_failures = 0;  // consecutive; reset by a setup that succeeds
  std::exception_ptr stop_error;  // why the actor stopped, if it failed
  Fiber* parked_fiber = nullptr;
};

namespace {

std::string base36(std::uint64_t value) {
  static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string text;
  do {
    text.push_back(digits[value % 36]);
    value /= 36;
  } while (value != 0);
  std::reverse(text.begin(), text.end());
  return text;
}

/// Consecutive failed setups an unlimited restart retries before it gives up and stops.
constexpr std::uint32_t restart_setup_failures_max = 10;

CellBase* cell_of(const UntypedActorRef& ref) {
  return ref.recipient() != nullptr ? ref.recipient()->as_cell() : nullptr;
}

}  // namespace

CellBase::CellBase(ActorSystem& system, CellBase* parent, std::uint64_t id, const Props& props)
    : system_(&system), parent_(parent) {
  trace_id = id;
  affinity = props.pinned_worker;
  bounded_ = props.mailbox.is_bounded();
  system_->add_ref();
  if (parent_ != nullptr) parent_->recipient().add_ref();
}

CellBase::~CellBase() {
  ORRERY_ASSERT(system_head_.load() == nullptr, "a cell dies with system messages queued");
  delete extras_.load();
  CellBase* parent = std::exchange(parent_, nullptr);
  ActorSystem* system = system_;
  if (parent != nullptr) parent->recipient().release();
  system->release();
}

CellBase::Extras& CellBase::extras() {
  Extras* existing = extras_if();
  if (existing != nullptr) return *existing;
  auto* created = new Extras();
  if (extras_.compare_exchange_strong(existing, created, std::memory_order_acq_rel)) return *created;
  delete created;  // another thread (a spawn into a guardian) made them first
  return *existing;
}

std::string CellBase::name() const {
  if (const Extras* e = extras_if(); e != nullptr && !e->name.empty()) return e->name;
  if (parent_ == nullptr) return "";
  return "$" + base36(id());
}

std::string CellBase::path() const {
  if (parent_ == nullptr) return "/";
  std::string parent_path = parent_->path();
  if (parent_path.size() > 1) parent_path.push_back('/');
  return parent_path + name();
}

Fiber* CellBase::parked_fiber() const noexcept {
  const Extras* e = extras_if();
  return e != nullptr ? e->parked_fiber : nullptr;
}

void CellBase::set_parked_fiber(Fiber* fiber) { extras().parked_fiber = fiber; }

std::size_t CellBase::child_count() const noexcept {
  Extras* e = extras_if();
  if (e == nullptr) return 0;
  SpinLockGuard guard(e->registry_lock);  // spawns from outside (into guardians) change it
  return e->child_count;
}

// ---- scheduling and system messages ----

void CellBase::schedule_from_idle() {
  recipient().add_ref();
  system_->env().executor.schedule(*this);
}

void CellBase::reschedule() { system_->env().executor.schedule(*this); }

void CellBase::post_system(SystemMessage* message) {
  ORRERY_ASSERT(message != nullptr && message->next == nullptr);
  lock_.lock();
  if (lifecycle_.load(std::memory_order_relaxed) == Lifecycle::terminated) {
    lock_.unlock();
    post_system_to_terminated(message);
    return;
  }
  message->next = system_head_.load(std::memory_order_relaxed);
  system_head_.store(message, std::memory_order_relaxed);
  const bool idle = !scheduled_;
  scheduled_ = true;
  lock_.unlock();
  if (idle) schedule_from_idle();
}

void CellBase::schedule_start() {
  ORRERY_ASSERT(lifecycle() == Lifecycle::created);
  lock_.lock();
  const bool idle = !scheduled_;
  scheduled_ = true;
  lock_.unlock();
  if (idle) schedule_from_idle();
}

void CellBase::post_system_to_terminated(SystemMessage* message) {
  // A watch of a terminated actor is answered at once; everything else has no one to act on.
  if (message->kind == SystemMessage::Kind::watch) {
    if (CellBase* watcher = cell_of(message->ref)) {
      auto* notice = new SystemMessage(SystemMessage::Kind::death_notice);
      notice->ref = self_untyped();
      watcher->post_system(notice);
    }
  }
  delete message;
}

bool CellBase::process_system_messages() {
  SystemMessage* list = nullptr;
  {
    SpinLockGuard guard(lock_);
    list = system_head_.exchange(nullptr, std::memory_order_relaxed);
  }
  if (list == nullptr) return false;
  SystemMessage* ordered = nullptr;  // the queue is LIFO: reverse it into arrival order
  while (list != nullptr) {
    SystemMessage* next = list->next;
    list->next = ordered;
    ordered = list;
    list = next;
  }
  while (ordered != nullptr) {
    std::unique_ptr<SystemMessage> message(ordered);
    ordered = ordered->next;
    message->next = nullptr;
    if (lifecycle() == Lifecycle::terminated) {
      post_system_to_terminated(message.release());
      continue;
    }
    handle_system(*message);
  }
  return true;
}

void CellBase::handle_system(SystemMessage& message) {
  using Kind = SystemMessage::Kind;
  switch (message.kind) {
    case Kind::stop:
      stop_self();
      return;
    case Kind::watch: {
      auto& watchers = extras().watchers;
      if (std::find(watchers.begin(), watchers.end(), message.ref) == watchers.end()) {
        watchers.push_back(message.ref);
      }
      return;
    }
    case Kind::unwatch:
      if (Extras* e = extras_if()) std::erase(e->watchers, message.ref);
      return;
    case Kind::death_notice:
      on_death_notice(message);
      return;
    case Kind::child_terminated:
      if (CellBase* child = cell_of(message.ref)) on_child_terminated(*child);
      return;
    case Kind::child_escalated:
      handle_failure(message.error, "a child's escalated failure");
      return;
    case Kind::timer:
      if (can_process_messages()) fire_timer(message.key, message.generation);
      return;
    case Kind::backoff_over:
      if (lifecycle() == Lifecycle::backing_off) complete_restart();
      return;
    case Kind::run:
      try {
        message.task(*this);
      } catch (const FiberCancelled&) {
        throw;
      } catch (...) {
        handle_failure(std::current_exception(), "a completion");
      }
      return;
  }
  ORRERY_UNREACHABLE("unknown system message");
}

// ---- children ----

void CellBase::register_child(CellBase& child, std::string_view name) {
  const Lifecycle state = lifecycle();
  if (state == Lifecycle::stopping || state == Lifecycle::terminated) {
    throw ActorNameError(fmt::format("cannot spawn under {}: it is stopping", path()));
  }
  Extras& registry = extras();
  SpinLockGuard guard(registry.registry_lock);
  if (!name.empty()) {
    if (registry.named_children.find(name) != registry.named_children.end()) {
      throw ActorNameError(
          fmt::format("the name '{}' is already taken by a child of {}", name, path()));
    }
    registry.named_children.emplace(std::string(name), &child);
    child.extras().name.assign(name);
  }
  if (system_->observing_effects()) {
    system_->report_effect(*this, effect::Spawned{child.name(), path() + (path().size() > 1 ? "/" : "") + child.name()});
  }
  child.next_sibling_ = registry.first_child;
  if (registry.first_child != nullptr) registry.first_child->prev_sibling_ = &child;
  registry.first_child = &child;
  ++registry.child_count;
  child.recipient().add_ref();  // the parent's link
}

CellBase* CellBase::find_child(std::string_view name) {
  Extras* e = extras_if();
  if (e == nullptr) return nullptr;
  SpinLockGuard guard(e->registry_lock);
  auto found = e->named_children.find(name);
  if (found != e->named_children.end()) return found->second;
  for (CellBase* child = e->first_child; child != nullptr; child = child->next_sibling_) {
    if (child->name() == name) return child;
  }
  return nullptr;
}

std::vector<UntypedActorRef> CellBase::children() {
  std::vector<UntypedActorRef> result;
  Extras* e = extras_if();
  if (e == nullptr) return result;
  SpinLockGuard guard(e->registry_lock);
  for (CellBase* child = e->first_child; child != nullptr; child = child->next_sibling_) {
    result.push_back(child->self_untyped());
  }
  std::sort(result.begin(), result.end());  // by path: deterministic
  return result;
}

void CellBase::stop_child(CellBase& child) {
  if (child.parent_ != this) {
    throw std::invalid_argument(
        fmt::format("{} is not a child of {}: only children can be stopped", child.path(), path()));
  }
  if (system_->observing_effects()) system_->report_effect(*this, effect::Stopped{child.name()});
  child.post_stop();
}

void CellBase::stop_children() {
  Extras* e = extras_if();
  if (e == nullptr) return;
  std::vector<CellBase*> children;
  {
    SpinLockGuard guard(e->registry_lock);
    for (CellBase* child = e->first_child; child != nullptr; child = child->next_sibling_) {
      children.push_back(child);
    }
  }
  for (CellBase* child : children) child->post_stop();
}

void CellBase::on_child_terminated(CellBase& child) {
  ORRERY_ASSERT(child.parent_ == this, "a child-terminated notice from a stranger");
  Extras& registry = extras();
  std::size_t remaining = 0;
  {
    SpinLockGuard guard(registry.registry_lock);
    if (child.prev_sibling_ != nullptr) {
      child.prev_sibling_->next_sibling_ = child.next_sibling_;
    } else {
      ORRERY_ASSERT(registry.first_child == &child);
      registry.first_child = child.next_sibling_;
    }
    if (child.next_sibling_ != nullptr) child.next_sibling_->prev_sibling_ = child.prev_sibling_;
    child.prev_sibling_ = child.next_sibling_ = nullptr;
    ORRERY_ASSERT(registry.child_count > 0);
    --registry.child_count;
    if (const Extras* e = child.extras_if(); e != nullptr && !e->name.empty()) {
      registry.named_children.erase(e->name);
    }
    remaining = registry.child_count;
  }
  child.recipient().release();  // the parent's link
  if (remaining != 0) return;
  if (lifecycle() == Lifecycle::stopping) {
    finish_stop();
  } else if (lifecycle() == Lifecycle::restarting) {
    complete_restart();
  }
}

// ---- death watch ----

void CellBase::watch(const UntypedActorRef& target) {
  ORRERY_ASSERT(target, "watching a null ref");
  if (target == self_untyped()) return;
  auto& watching = extras().watching;
  if (std::find(watching.begin(), watching.end(), target) != watching.end()) return;
  watching.push_back(target);
  if (system_->observing_effects()) system_->report_effect(*this, effect::Watched{target.path()});
  target.recipient()->add_watcher(*this);
}

void CellBase::unwatch(const UntypedActorRef& target) {
  Extras* e = extras_if();
  if (e == nullptr) return;
  auto& watching = e->watching;
  auto found = std::find(watching.begin(), watching.end(), target);
  if (found == watching.end()) return;
  watching.erase(found);
  if (system_->observing_effects()) system_->report_effect(*this, effect::Unwatched{target.path()});
  target.recipient()->remove_watcher(*this);
}

bool CellBase::watching(const UntypedActorRef& target) const {
  const Extras* e = extras_if();
  if (e == nullptr) return false;
  const auto& watching = e->watching;
  return std::find(watching.begin(), watching.end(), target) != watching.end();
}

void CellBase::add_watcher_from(CellBase& watcher) {
  auto* message = new SystemMessage(SystemMessage::Kind::watch);
  message->ref = watcher.self_untyped();
  post_system(message);
}

void CellBase::remove_watcher_from(CellBase& watcher) {
  auto* message = new SystemMessage(SystemMessage::Kind::unwatch);
  message->ref = watcher.self_untyped();
  post_system(message);
}

void CellBase::on_death_notice(SystemMessage& message) {
  if (!watching(message.ref)) return;  // unwatched meanwhile
  std::erase(extras_if()->watching, message.ref);
  if (!can_process_messages()) return;
  if (deliver_watch_message(message.ref)) return;
  CellBase* watched = cell_of(message.ref);
  const bool failed_child = watched != nullptr && watched->parent_ == this && message.error;
  bool handled = false;
  if (failed_child) {
    handled = deliver_signal(ChildFailed{message.ref, message.error, describe(message.error)});
  } else {
    handled = deliver_signal(Terminated{message.ref});
  }
  if (!handled && can_process_messages()) {
    handle_failure(std::make_exception_ptr(DeathPactError(message.ref.path())), "death watch");
  }
}

// ---- supervision ----

bool CellBase::in_restart_setup() const noexcept {
  const Extras* e = extras_if();
  return e != nullptr && e->in_restart_setup;
}

void CellBase::handle_failure(std::exception_ptr error, const char* during) {
  const Lifecycle state = lifecycle();
  if (state == Lifecycle::stopping || state == Lifecycle::terminated) {
    system_->log(LogLevel::error, path(),
                 fmt::format("failed while stopping, during {}: {}", during, describe(error)));
    return;
  }
  SupervisorStrategy strategy = SupervisorStrategy::stop();
  if (const auto* clauses = supervision_clauses()) {
    for (const FailureClause& clause : *clauses) {
      if (clause.matches(error)) {
        strategy = clause.strategy;
        break;
      }
    }
  }
  if (Extras* e = extras_if(); e != nullptr && e->in_restart_setup &&
      strategy.kind() == SupervisorStrategy::Kind::restart && !strategy.limited() &&
      ++e->restart_setup_failures > restart_setup_failures_max) {
    // An unlimited restart of a setup that keeps failing would spin forever: stop instead.
    system_->log(LogLevel::error, path(),
                 fmt::format("setup failed {} times in a row while restarting: stopping",
                             e->restart_setup_failures));
    strategy = SupervisorStrategy::stop();
  }
  if (strategy.logging()) {
    system_->log(LogLevel::error, path(),
                 fmt::format("failed during {}: {} (supervision: {})", during, describe(error),
                             to_string(strategy.kind())));
  }
  using Kind = SupervisorStrategy::Kind;
  switch (strategy.kind()) {
    case Kind::resume:
      // A failed setup, the first or a restart's, leaves no behavior to resume: that is a
      // failure of the start (Akka Typed), so the actor stops rather than live on empty.
      if (state != Lifecycle::created && !in_restart_setup()) return;
      break;
    case Kind::restart:
    case Kind::restart_with_backoff:
      if (restart_allowed(strategy)) {
        begin_restart(strategy, error);
        return;
      }
      system_->log(LogLevel::error, path(),
                   fmt::format("restart limit of {} within {} ms reached: stopping",
                               strategy.max_restarts(),
                               std::chrono::duration_cast<std::chrono::milliseconds>(strategy.within()).count()));
      break;
    case Kind::escalate:
      if (parent_ != nullptr) {
        auto* escalation = new SystemMessage(SystemMessage::Kind::child_escalated);
        escalation->ref = self_untyped();
        escalation->error = error;
        parent_->post_system(escalation);
      }
      break;
    case Kind::stop:
      break;
  }
  extras().stop_error = error;
  stop_self();
}

bool CellBase::restart_allowed(const SupervisorStrategy& strategy) {
  if (!strategy.limited()) return true;
  const Instant now = system_->env().clock.now();
  auto& times = extras().restart_times;
  std::erase_if(times, [&](Instant t) { return now - t > strategy.within(); });
  if (times.size() >= strategy.max_restarts()) return false;
  times.push_back(now);
  ORRERY_ASSERT(times.size() <= strategy.max_restarts());
  return true;
}

Duration CellBase::next_backoff(const SupervisorStrategy& strategy) {
  Extras& state = extras();
  const Instant now = system_->env().clock.now();
  const Duration reset_after = strategy.reset_backoff_after().count() > 0
                                   ? strategy.reset_backoff_after()
                                   : strategy.backoff_max();
  if (state.backoff_failures > 0 && now - state.last_failure > reset_after) {
    state.backoff_failures = 0;
  }
  state.last_failure = now;
  Duration delay = strategy.backoff_min();
  for (std::uint32_t i = 0; i < state.backoff_failures && delay < strategy.backoff_max(); ++i) {
    delay *= 2;
  }
  delay = std::min(delay, strategy.backoff_max());
  state.backoff_failures = std::min<std::uint32_t>(state.backoff_failures + 1, 63);
  return jitter(system_->env().random, delay, strategy.random_factor_permille());
}

void CellBase::begin_restart(const SupervisorStrategy& strategy, std::exception_ptr error) {
  static_cast<void>(error);
  if (lifecycle() == Lifecycle::running) deliver_signal(PreRestart{});
  cancel_timers();
  Extras& state = extras();
  state.restart_strategy = strategy;
  state.backoff_waited = false;
  set_lifecycle(Lifecycle::restarting);
  if (strategy.stop_children()) stop_children();
  if (!strategy.stop_children() || child_count() == 0) complete_restart();
}

void CellBase::complete_restart() {
  Extras& state = extras();
  ORRERY_ASSERT(state.restart_strategy.has_value(), "completing a restart that did not begin");
  const SupervisorStrategy strategy = *state.restart_strategy;
  if (strategy.kind() == SupervisorStrategy::Kind::restart_with_backoff && !state.backoff_waited) {
    state.backoff_waited = true;
    set_lifecycle(Lifecycle::backing_off);
    const Duration delay = next_backoff(strategy);
    IntrusivePtr<RecipientBase> self(&recipient());
    system_->env().timers.schedule_at(system_->env().clock.now() + delay, [self] {
      self->as_cell()->post_system(new SystemMessage(SystemMessage::Kind::backoff_over));
    });
    return;
  }
  state.restart_strategy.reset();
  set_lifecycle(Lifecycle::running);
  state.in_restart_setup = true;
  restart_behavior();
  if (Extras* e = extras_if()) {
    e->in_restart_setup = false;
    if (lifecycle() == Lifecycle::running) e->restart_setup_failures = 0;
  }
}

// ---- stopping ----

void CellBase::stop_self() {
  const Lifecycle state = lifecycle();
  if (state == Lifecycle::stopping || state == Lifecycle::terminated) return;
  set_lifecycle(Lifecycle::stopping);
  cancel_timers();
  if (child_count() == 0) {
    finish_stop();
  } else {
    stop_children();
  }
}

void CellBase::finish_stop() {
  ORRERY_ASSERT(lifecycle() == Lifecycle::stopping);
  ORRERY_ASSERT(child_count() == 0, "an actor terminates after its children");
  deliver_signal(PostStop{});
  {
    SpinLockGuard guard(lock_);
    set_lifecycle(Lifecycle::terminated);
  }
  drain_mailbox("recipient terminated");
  process_system_messages();  // answers watches that raced with the stop
  std::exception_ptr error;
  std::vector<UntypedActorRef> watchers;
  std::vector<UntypedActorRef> watching;
  if (Extras* e = extras_if()) {
    error = e->stop_error;
    watchers.swap(e->watchers);
    watching.swap(e->watching);
  }
  const UntypedActorRef self = self_untyped();
  // The parent first: by the time it sees Terminated, the child's name is free again.
  if (parent_ != nullptr) {
    auto* notice = new SystemMessage(SystemMessage::Kind::child_terminated);
    notice->ref = self;
    parent_->post_system(notice);
  }
  for (const UntypedActorRef& watcher : watchers) {
    if (CellBase* cell = cell_of(watcher)) {
      auto* notice = new SystemMessage(SystemMessage::Kind::death_notice);
      notice->ref = self;
      notice->error = error;
      cell->post_system(notice);
    }
  }
  for (const UntypedActorRef& target : watching) target.recipient()->remove_watcher(*this);
  release_state();
  if (parent_ == nullptr) system_->on_root_terminated();
}

void CellBase::abort_subtree() {
  std::vector<CellBase*> children;
  if (Extras* e = extras_if()) {
    SpinLockGuard guard(e->registry_lock);
    for (CellBase* child = e->first_child; child != nullptr; child = child->next_sibling_) {
      children.push_back(child);
    }
    e->first_child = nullptr;
    e->child_count = 0;
    e->named_children.clear();
  }
  for (CellBase* child : children) {
    child->abort_subtree();
    child->prev_sibling_ = child->next_sibling_ = nullptr;
  }
  {
    SpinLockGuard guard(lock_);
    set_lifecycle(Lifecycle::terminated);
  }
  SystemMessage* list = system_head_.exchange(nullptr);
  while (list != nullptr) delete std::exchange(list, list->next);
  drain_mailbox("");
  release_state();
  if (Extras* e = extras_if()) {
    e->watchers.clear();
    e->watching.clear();
    e->parked_fiber = nullptr;
  }
  for (CellBase* child : children) child->recipient().release();  // the parent's links
}

}  // namespace orrery
