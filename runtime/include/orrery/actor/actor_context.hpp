#pragma once
// ActorContext<M>: what an actor can do from inside its behavior (Akka Typed's ActorContext).
// Valid for the actor's whole life, but used only from its own turns (handlers, setup, signal
// handlers): it is not thread-safe, and nothing else should hold on to it.

#include <deque>
#include <fmt/format.h>
#include <optional>
#include <orrery/actor/actor_ref.hpp>
#include <orrery/actor/behavior.hpp>
#include <orrery/actor/future.hpp>
#include <orrery/actor/props.hpp>
#include <orrery/core/time.hpp>
#include <orrery/env/log_sink.hpp>
#include <orrery/env/timers.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace orrery {

class ActorSystem;
struct Env;
template <class M>
class TimerScheduler;
template <class M>
class StashBuffer;
template <class M>
class TypedCell;

/// Log lines prefixed with the actor's path, formatted with fmt: `ctx.log().info("got {}", n)`.
class ActorLogger {
 public:
  ActorLogger(ActorSystem& system, std::string source) : system_(system), source_(std::move(source)) {}
  template <class... Args>
  void debug(fmt::format_string<Args...> format, Args&&... args) const;
  template <class... Args>
  void info(fmt::format_string<Args...> format, Args&&... args) const;
  template <class... Args>
  void warning(fmt::format_string<Args...> format, Args&&... args) const;
  template <class... Args>
  void error(fmt::format_string<Args...> format, Args&&... args) const;

 private:
  template <class... Args>
  void write(LogLevel level, fmt::format_string<Args...> format, Args&&... args) const;
  ActorSystem& system_;
  std::string source_;
};

/// A timer or scheduled send that can be cancelled.
class Cancellable {
 public:
  Cancellable() = default;
  Cancellable(Timers* timers, TimerId id) : timers_(timers), id_(id) {}
  /// True when it was cancelled before it ran.
  bool cancel() { return timers_ != nullptr && timers_->cancel(std::exchange(id_, TimerId{})); }

 private:
  Timers* timers_ = nullptr;
  TimerId id_;
};

template <class M>
class ActorContext {
 public:
  /// This actor.
  ActorRef<M> self();
  /// "/user/orders/o-17".
  std::string path() const;
  ActorSystem& system() const;
  /// The node's Env: its clock, random, storage. (Never reach around it.)
  Env& env() const;

  /// Spawns a child named `name` (unique among its siblings, or ActorNameError is thrown).
  template <class N>
  ActorRef<N> spawn(Behavior<N> behavior, std::string_view name, const Props& props = {});
  /// Spawns a child with a generated name ("$" and a number).
  template <class N>
  ActorRef<N> spawn_anonymous(Behavior<N> behavior, const Props& props = {});
  /// Stops a child (its children first). Throws std::invalid_argument for a non-child.
  void stop(const UntypedActorRef& child);
  /// This actor's children, sorted by path.
  std::vector<UntypedActorRef> children() const;
  std::optional<UntypedActorRef> child(std::string_view name) const;

  /// Death watch: a Terminated signal (ChildFailed for a failed child) when `target` stops or
  /// its node becomes unreachable. An unhandled Terminated fails this actor (DeathPactError).
  void watch(const UntypedActorRef& target);
  /// Like watch, but `message` is delivered instead of the signal.
  void watch_with(const UntypedActorRef& target, M message);
  void unwatch(const UntypedActorRef& target);

  /// A ref accepting N, converting each to M with `adapt` and handling it here. As in Akka,
  /// `adapt` runs inside this actor's turn (it may read and change the actor's state), in
  /// mailbox order with the messages sent straight to the actor, and never after it stopped.
  /// A throwing `adapt` drops the message and signals MessageAdaptionFailure.
  /// One adapter per message type, as in Akka: asking again for N's adapter returns the same
  /// ref (its path and uid, so a ref written to the wire is exported once) with `adapt`
  /// replacing the previous function for messages not yet adapted. An actor that asks for an
  /// adapter in every turn therefore holds one per type, not one per call.
  template <class N, class F>
  ActorRef<N> message_adapter(F adapt);

  /// When `future` completes, `adapt(const Result<T>&) -> M` runs inside this actor's turn (in
  /// mailbox order, never after the actor stopped) and its message is handled. A throwing
  /// `adapt` fails the actor.
  template <class T, class F>
  void pipe_to_self(Future<T> future, F adapt);

  /// When `future` completes, `on_result(const Result<T>&) -> Behavior<M>` (or a directive)
  /// runs inside this actor's turn, in mailbox order and never after the actor stopped, and the
  /// behavior it returns becomes current as a message handler's would. For behaviors that keep a
  /// protocol of their own beside the message type (persistence's journal completions); a
  /// throwing `on_result` fails the actor, so supervision decides.
  template <class T, class F>
  void on_complete_in_turn(Future<T> future, F on_result);

  /// Akka's ctx.ask: asks `target` (the request is built from a reply ref) and delivers
  /// `adapt(const Result<Res>&) -> M` to this actor with the answer or the timeout.
  template <class Res, class Req, class MakeRequest, class F>
  void ask(const ActorRef<Req>& target, MakeRequest make_request, Duration timeout, F adapt);

  /// ask for a StatusReply<Res> (see <orrery/actor/status_reply.hpp>): `make_request` builds the
  /// request from an ActorRef<StatusReply<Res>>, and `adapt(const Result<Res>&) -> M` gets the
  /// value, the error text (Errc::refused) or the timeout.
  template <class Res, class Req, class MakeRequest, class F>
  void ask_with_status(const ActorRef<Req>& target, MakeRequest make_request, Duration timeout,
                       F adapt);

  /// Whether the calling code runs inside this actor's turn: the only place where the actor's
  /// state may be touched (handlers, setups, signal handlers and the functions of adapters,
  /// pipe_to_self and ask all do).
  bool in_turn() const noexcept;

  /// Waits for `future` inside this turn: the actor's turn parks on a fiber (its mailbox waits;
  /// other actors go on) and resumes with the result. Use sparingly: the actor handles nothing
  /// else meanwhile.
  template <class T>
  Result<T> await(Future<T> future);

  /// The actor's timers (the same object behaviors::with_timers gives its factory).
  TimerScheduler<M>& timers();
  /// The actor's stash, created with `capacity` on first use.
  StashBuffer<M>& stash(std::uint32_t capacity);

  /// Sends `message` to `target` after `delay`.
  template <class N>
  Cancellable schedule_once(Duration delay, ActorRef<N> target, N message);

  /// Delivers `message` after `timeout` without any other message; reset by each message.
  void set_receive_timeout(Duration timeout, M message);
  void cancel_receive_timeout();

  ActorLogger log() const;

 private:
  TypedCell<M>& cell() noexcept { return static_cast<TypedCell<M>&>(*this); }
  const TypedCell<M>& cell() const noexcept { return static_cast<const TypedCell<M>&>(*this); }
};

/// Timers of one actor (Akka's TimerScheduler): keyed, cancellable, and all cancelled when the
/// actor stops or restarts. Starting a timer with a key in use replaces the old one; a message
/// of a cancelled or replaced timer is never delivered, even if it was already due.
template <class M>
class TimerScheduler {
 public:
  explicit TimerScheduler(TypedCell<M>& cell) : cell_(cell) {}
  void start_single_timer(std::string key, M message, Duration delay);
  /// Repeats `delay` after each delivery (drifts with processing time).
  void start_timer_with_fixed_delay(std::string key, M message, Duration delay);
  void start_timer_with_fixed_delay(std::string key, M message, Duration initial_delay,
                                    Duration delay);
  /// Repeats on a fixed schedule from the start (catches up after a stall).
  void start_timer_at_fixed_rate(std::string key, M message, Duration interval);
  void start_timer_at_fixed_rate(std::string key, M message, Duration initial_delay,
                                 Duration interval);
  bool is_timer_active(std::string_view key) const;
  void cancel(std::string_view key);
  void cancel_all();
  std::size_t active_count() const;

 private:
  TypedCell<M>& cell_;
};

/// A bounded buffer of messages set aside for later (Akka's StashBuffer).
template <class M>
class StashBuffer {
 public:
  StashBuffer(TypedCell<M>& cell, std::uint32_t capacity) : cell_(cell), capacity_(capacity) {}
  /// Throws StashOverflowError when full.
  void stash(M message);
  /// Behavior `next` becomes current and first handles every stashed message, in order.
  Behavior<M> unstash_all(Behavior<M> next);
  /// Same, for at most `count` messages.
  Behavior<M> unstash(Behavior<M> next, std::uint32_t count);
  bool empty() const noexcept { return buffer_.empty(); }
  bool full() const noexcept { return buffer_.size() >= capacity_; }
  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(buffer_.size()); }
  std::uint32_t capacity() const noexcept { return capacity_; }
  void clear() { buffer_.clear(); }

 private:
  friend class TypedCell<M>;
  TypedCell<M>& cell_;
  std::uint32_t capacity_;
  std::deque<M> buffer_;
};

}  // namespace orrery
