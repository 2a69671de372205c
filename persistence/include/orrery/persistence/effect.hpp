#pragma once
// Effect<Event, State>: what a command handler of an EventSourcedBehavior decides (Akka's
// Effect). A primary effect (persist events, none, unhandled, stash, stop) and side effects that
// run after it: for persist, only once the events are durable, with the state they produced.
//
//   return Effect<Event, State>::persist(Deposited{cmd.amount})
//       .then_reply(cmd.reply_to, [](const State& s) { return s.balance; });
//
// ReplyEffect is the same, made only by a reply (then_reply, reply, no_reply): a behavior built
// with enforced replies takes a handler that returns one, so a forgotten reply fails to compile.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <orrery/actor/actor_ref.hpp>
#include <orrery/actor/status_reply.hpp>
#include <orrery/core/result.hpp>

namespace orrery::persistence {

template <class Event, class State>
class ReplyEffect;

template <class Event, class State>
class Effect {
 public:
  enum class Kind : std::uint8_t { none, persist, unhandled, stash, stop, remove };

  /// Persist one event; the event handler folds it into the state once it is durable.
  static Effect persist(Event event) {
    Effect effect(Kind::persist);
    effect.events_.push_back(std::move(event));
    return effect;
  }
  /// Persist several events atomically: all become durable, or none.
  static Effect persist(std::vector<Event> events) {
    Effect effect(events.empty() ? Kind::none : Kind::persist);
    effect.events_ = std::move(events);
    return effect;
  }
  /// Nothing to persist; side effects run at once.
  static Effect none() { return Effect(Kind::none); }
  /// The command is not handled in this state: reported as unhandled, side effects run.
  static Effect unhandled() { return Effect(Kind::unhandled); }
  /// Sets the command aside until an unstash_all (bounded; overflow is a counted dead letter).
  static Effect stash() { return Effect(Kind::stash); }
  /// Stops the actor after the side effects.
  static Effect stop() { return Effect(Kind::stop); }
  /// DurableStateBehavior only: deletes the state (it becomes the empty state; the revision
  /// goes on counting).
  static Effect delete_state() { return Effect(Kind::remove); }
  /// Replies with `message` and persists nothing (an enforced-replies handler's "none").
  template <class R>
  static ReplyEffect<Event, State> reply(ActorRef<R> to, R message);
  /// Nothing to persist and no reply, said explicitly (enforced replies).
  static ReplyEffect<Event, State> no_reply();

  /// Runs `f(const State&)` after the primary effect (after durability for persist).
  template <class F>
  Effect then_run(F f) && {
    side_effects_.push_back(std::function<void(const State&)>(std::move(f)));
    return std::move(*this);
  }
  /// Replies with `f(const State&)` after the primary effect. When the events are rejected,
  /// a StatusReply reply gets the error instead; any other reply is not sent (the rejection
  /// reaches on_rejected and the PersistRejected signal).
  template <class R, class F>
  ReplyEffect<Event, State> then_reply(ActorRef<R> to, F f) &&;
  /// Stops the actor once the side effects ran.
  Effect then_stop() && {
    stop_after_ = true;
    return std::move(*this);
  }
  /// Handles every stashed command once the side effects ran.
  Effect then_unstash_all() && {
    unstash_after_ = true;
    return std::move(*this);
  }
  /// Runs `f(const Error&)` when the store rejects the events (too large, not serializable).
  template <class F>
  Effect on_rejected(F f) && {
    rejected_.push_back(std::function<void(const Error&)>(std::move(f)));
    return std::move(*this);
  }

  Kind kind() const noexcept { return kind_; }
  std::vector<Event>& events() noexcept { return events_; }
  std::vector<std::function<void(const State&)>>& side_effects() noexcept { return side_effects_; }
  std::vector<std::function<void(const Error&)>>& rejected() noexcept { return rejected_; }
  bool stop_after() const noexcept { return stop_after_ || kind_ == Kind::stop; }
  bool unstash_after() const noexcept { return unstash_after_; }

 protected:
  explicit Effect(Kind kind) : kind_(kind) {}

 private:
  Kind kind_;
  std::vector<Event> events_;
  std::vector<std::function<void(const State&)>> side_effects_;
  std::vector<std::function<void(const Error&)>> rejected_;
  bool stop_after_ = false;
  bool unstash_after_ = false;
};

template <class Event, class State>
class ReplyEffect : public Effect<Event, State> {
 public:
  explicit ReplyEffect(Effect<Event, State>&& effect) : Effect<Event, State>(std::move(effect)) {}
};

namespace detail {
template <class R>
struct is_status_reply : std::false_type {};
template <class T>
struct is_status_reply<StatusReply<T>> : std::true_type {};
}  // namespace detail

template <class Event, class State>
template <class R, class F>
ReplyEffect<Event, State> Effect<Event, State>::then_reply(ActorRef<R> to, F f) && {
  side_effects_.push_back(std::function<void(const State&)>(
      [to, f = std::move(f)](const State& state) { to.tell(R(f(state))); }));
  if constexpr (detail::is_status_reply<R>::value) {
    rejected_.push_back(std::function<void(const Error&)>(
        [to](const Error& error) { to.tell(R::error(error.message)); }));
  }
  return ReplyEffect<Event, State>(std::move(*this));
}

template <class Event, class State>
template <class R>
ReplyEffect<Event, State> Effect<Event, State>::reply(ActorRef<R> to, R message) {
  return none().then_reply(std::move(to),
                           [message = std::move(message)](const State&) { return message; });
}

template <class Event, class State>
ReplyEffect<Event, State> Effect<Event, State>::no_reply() {
  return ReplyEffect<Event, State>(none());
}

}  // namespace orrery::persistence
