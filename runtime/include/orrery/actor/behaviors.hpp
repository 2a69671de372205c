#pragma once
// The behavior factories, Akka Typed's `Behaviors.*`:
//
//   auto counter(int n) -> Behavior<Command> {
//     return behaviors::receive<Command>(
//         [n](ActorContext<Command>& ctx, Increment&) { return counter(n + 1); },
//         [n](ActorContext<Command>& ctx, Get& get) { get.reply_to.tell(n); });  // same()
//   }
//
// A handler takes (ActorContext<M>&, M&), or, for a std::variant M, one overload per alternative
// it handles (alternatives without one are unhandled). It returns a Behavior<M>, a directive
// (same(), stopped(), ...) or nothing, which means same().

#include <orrery/actor/behavior.hpp>
#include <orrery/core/type_name.hpp>
#include <type_traits>
#include <utility>
#include <variant>

namespace orrery {

template <class M>
class TimerScheduler;
template <class M>
class StashBuffer;

namespace detail {

template <class T>
struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

/// A callable with a post-stop action, returned by behaviors::stopped(f); converts to any
/// Behavior<M>.
template <class F>
struct StoppedWith;

template <class M, class R>
Behavior<M> as_behavior(R&& result) {
  return Behavior<M>(std::forward<R>(result));
}

/// Calls a handler and turns what it returns into a Behavior<M> (nothing means same()).
template <class M, class F, class... Args>
Behavior<M> call_handler(const F& handler, Args&&... args) {
  using R = std::invoke_result_t<const F&, Args&&...>;
  if constexpr (std::is_void_v<R>) {
    handler(std::forward<Args>(args)...);
    return BehaviorDirective{BehaviorKind::same};
  } else {
    return as_behavior<M>(handler(std::forward<Args>(args)...));
  }
}

template <class M, class H>
Behavior<M> dispatch_message(const H& handler, ActorContext<M>& context, M& message) {
  if constexpr (std::is_invocable_v<const H&, ActorContext<M>&, M&>) {
    return call_handler<M>(handler, context, message);
  } else {
    static_assert(is_variant<M>::value,
                  "a receive handler must take (ActorContext<M>&, M&), or M must be a std::variant "
                  "and the handler take its alternatives");
    return std::visit(
        [&](auto& alternative) -> Behavior<M> {
          if constexpr (std::is_invocable_v<const H&, ActorContext<M>&, decltype(alternative)>) {
            return call_handler<M>(handler, context, alternative);
          } else {
            return BehaviorDirective{BehaviorKind::unhandled};
          }
        },
        message);
  }
}

template <class M, class H>
Behavior<M> dispatch_signal(const H& handler, ActorContext<M>& context, const Signal& signal) {
  if constexpr (std::is_invocable_v<const H&, ActorContext<M>&, const Signal&>) {
    return call_handler<M>(handler, context, signal);
  } else {
    return std::visit(
        [&](const auto& alternative) -> Behavior<M> {
          if constexpr (std::is_invocable_v<const H&, ActorContext<M>&, decltype(alternative)>) {
            return call_handler<M>(handler, context, alternative);
          } else {
            return BehaviorDirective{BehaviorKind::unhandled};
          }
        },
        signal);
  }
}

/// Adapts a handler that takes only the message (receive_message).
template <class H>
struct WithoutContext {
  H handler;
  template <class Context, class Message>
    requires std::is_invocable_v<const H&, Message&>
  decltype(auto) operator()(Context&, Message& message) const {
    return handler(message);
  }
};

template <class M, class H>
class ReceiveImpl final : public BehaviorImpl<M> {
 public:
  explicit ReceiveImpl(H handler) : handler_(std::move(handler)) {}
  Behavior<M> receive(ActorContext<M>& context, M& message) const override {
    return dispatch_message<M>(handler_, context, message);
  }

 private:
  H handler_;
};

/// A behavior with a signal handler in front of another's.
template <class M, class H>
class SignalImpl final : public BehaviorImpl<M> {
 public:
  SignalImpl(Behavior<M> inner, H handler) : inner_(std::move(inner)), handler_(std::move(handler)) {}
  Behavior<M> receive(ActorContext<M>& context, M& message) const override {
    return inner_.impl()->receive(context, message);
  }
  Behavior<M> receive_signal(ActorContext<M>& context, const Signal& signal) const override {
    Behavior<M> result = dispatch_signal<M>(handler_, context, signal);
    if (result.kind() != BehaviorKind::unhandled) return result;
    return inner_.impl()->receive_signal(context, signal);
  }

 private:
  Behavior<M> inner_;
  H handler_;
};

template <class M, class F>
class DeferredImpl final : public BehaviorImpl<M> {
 public:
  explicit DeferredImpl(F factory) : factory_(std::move(factory)) {}
  Behavior<M> start(ActorContext<M>& context) const override {
    return call_handler<M>(factory_, context);
  }

 private:
  F factory_;
};

template <class M, class F>
class StoppedImpl final : public BehaviorImpl<M> {
 public:
  explicit StoppedImpl(F on_stopped) : on_stopped_(std::move(on_stopped)) {}
  Behavior<M> receive_signal(ActorContext<M>&, const Signal& signal) const override {
    if (std::holds_alternative<PostStop>(signal)) on_stopped_();
    return BehaviorDirective{BehaviorKind::same};
  }

 private:
  F on_stopped_;
};

template <class M>
class SuperviseImpl final : public BehaviorImpl<M> {
 public:
  explicit SuperviseImpl(SupervisionSpec<M> spec) : spec_(std::move(spec)) {}
  const SupervisionSpec<M>* supervision() const noexcept override { return &spec_; }

 private:
  SupervisionSpec<M> spec_;
};

/// Class-based behavior: an object made per actor (inside setup) whose on_message handles
/// messages and, optionally, on_signal handles signals (Akka's AbstractBehavior).
template <class M, class A>
class ObjectImpl final : public BehaviorImpl<M> {
 public:
  template <class... Args>
  explicit ObjectImpl(Args&&... args) : object_(std::forward<Args>(args)...) {}
  Behavior<M> receive(ActorContext<M>& context, M& message) const override {
    if constexpr (requires(A & a) { a.on_message(context, message); }) {
      return call_handler<M>([this](auto& c, auto& m) { return object_.on_message(c, m); },
                             context, message);
    } else {
      return call_handler<M>([this](auto& m) { return object_.on_message(m); }, message);
    }
  }
  Behavior<M> receive_signal(ActorContext<M>& context, const Signal& signal) const override {
    if constexpr (requires(A & a) { a.on_signal(context, signal); }) {
      return call_handler<M>([this](auto& c, const auto& s) { return object_.on_signal(c, s); },
                             context, signal);
    } else {
      return BehaviorDirective{BehaviorKind::unhandled};
    }
  }

 private:
  mutable A object_;  // per actor: the behavior value is made inside that actor's setup
};

template <class F>
struct StoppedWith {
  F on_stopped;
  template <class M>
  operator Behavior<M>() const {  // NOLINT: converts like a directive
    return Behavior<M>(BehaviorKind::stopped,
                       IntrusivePtr<const BehaviorImpl<M>>(new StoppedImpl<M, F>(on_stopped)));
  }
};

}  // namespace detail

namespace behaviors {

/// Keep the current behavior.
inline BehaviorDirective same() noexcept { return {BehaviorKind::same}; }
/// Keep the current behavior, and report the message as unhandled.
inline BehaviorDirective unhandled() noexcept { return {BehaviorKind::unhandled}; }
/// Stop the actor (children first; then PostStop).
inline BehaviorDirective stopped() noexcept { return {BehaviorKind::stopped}; }
/// Stop the actor and run `on_stopped` after its PostStop.
template <class F>
detail::StoppedWith<F> stopped(F on_stopped) {
  return {std::move(on_stopped)};
}
/// From now on every message is unhandled.
inline BehaviorDirective empty() noexcept { return {BehaviorKind::empty}; }
/// From now on every message is dropped silently.
inline BehaviorDirective ignore() noexcept { return {BehaviorKind::ignore}; }

/// Handles messages; see the file comment for the handler forms.
template <class M, class... Handlers>
Behavior<M> receive(Handlers... handlers) {
  static_assert(sizeof...(Handlers) > 0, "receive needs a handler");
  using H = detail::Overloaded<Handlers...>;
  return Behavior<M>(BehaviorKind::receive, IntrusivePtr<const BehaviorImpl<M>>(
                                                new detail::ReceiveImpl<M, H>(H{std::move(handlers)...})));
}

/// Like receive, for handlers that take only the message (M&, or per-alternative).
template <class M, class... Handlers>
Behavior<M> receive_message(Handlers... handlers) {
  using H = detail::Overloaded<Handlers...>;
  using Adapted = detail::WithoutContext<H>;
  return Behavior<M>(BehaviorKind::receive,
                     IntrusivePtr<const BehaviorImpl<M>>(new detail::ReceiveImpl<M, Adapted>(
                         Adapted{H{std::move(handlers)...}})));
}

/// Runs `factory(ActorContext<M>&)` when the actor starts (and again on each restart) and
/// becomes the behavior it returns: the place for per-actor state.
template <class M, class F>
Behavior<M> setup(F factory) {
  static_assert(std::is_invocable_v<const F&, ActorContext<M>&>,
                "setup's factory takes ActorContext<M>&");
  return Behavior<M>(BehaviorKind::deferred,
                     IntrusivePtr<const BehaviorImpl<M>>(new detail::DeferredImpl<M, F>(std::move(factory))));
}

/// A behavior object made per actor: call it inside setup, e.g.
/// `setup<M>([](auto& ctx) { return behaviors::of<M, Counter>(ctx, 0); })`. A has
/// `on_message(ActorContext<M>&, M&)` (or `on_message(M&)`) and may have
/// `on_signal(ActorContext<M>&, const Signal&)`.
template <class M, class A, class... Args>
Behavior<M> of(Args&&... args) {
  return Behavior<M>(BehaviorKind::receive, IntrusivePtr<const BehaviorImpl<M>>(
                                                new detail::ObjectImpl<M, A>(std::forward<Args>(args)...)));
}

/// A behavior with supervision: `supervise(b).on_failure<std::runtime_error>(strategy)`. Clauses
/// are tried in order; the first whose exception type matches decides.
template <class M>
class Supervise {
 public:
  explicit Supervise(Behavior<M> inner) { spec_.inner = std::move(inner); }

  template <class E = std::exception>
  Supervise on_failure(SupervisorStrategy strategy) const {
    Supervise copy = *this;
    copy.spec_.clauses.push_back(FailureClause{&exception_is<E>, type_name<E>(), strategy});
    return copy;
  }

  operator Behavior<M>() const {  // NOLINT: a supervised behavior is a behavior
    ORRERY_ASSERT(!spec_.clauses.empty(), "supervise() needs at least one on_failure clause");
    return Behavior<M>(BehaviorKind::supervise,
                       IntrusivePtr<const BehaviorImpl<M>>(new detail::SuperviseImpl<M>(spec_)));
  }

 private:
  SupervisionSpec<M> spec_;
};

template <class M>
Supervise<M> supervise(Behavior<M> inner) {
  return Supervise<M>(std::move(inner));
}

/// Akka's Behaviors.withTimers: when the actor starts (and on each restart), calls
/// `factory(TimerScheduler<M>&)` with the actor's timers (the same object as ctx.timers()) and
/// becomes the behavior it returns. The timers are cancelled when the actor stops or restarts.
template <class M, class F>
Behavior<M> with_timers(F factory) {
  static_assert(std::is_invocable_v<const F&, TimerScheduler<M>&>,
                "with_timers' factory takes TimerScheduler<M>&");
  return setup<M>([factory = std::move(factory)](ActorContext<M>& context) {
    return detail::as_behavior<M>(factory(context.timers()));
  });
}

/// Akka's Behaviors.withStash: when the actor starts (and on each restart), calls
/// `factory(StashBuffer<M>&)` with the actor's stash of `capacity` messages (the same object as
/// ctx.stash(capacity)) and becomes the behavior it returns.
template <class M, class F>
Behavior<M> with_stash(std::uint32_t capacity, F factory) {
  static_assert(std::is_invocable_v<const F&, StashBuffer<M>&>,
                "with_stash's factory takes StashBuffer<M>&");
  ORRERY_ASSERT(capacity > 0, "a stash needs a capacity");
  return setup<M>([capacity, factory = std::move(factory)](ActorContext<M>& context) {
    return detail::as_behavior<M>(factory(context.stash(capacity)));
  });
}

}  // namespace behaviors

template <class M>
template <class... Handlers>
Behavior<M> Behavior<M>::receive_signal(Handlers... handlers) const {
  ORRERY_ASSERT(kind_ == BehaviorKind::receive, "receive_signal() extends a receive behavior");
  using H = detail::Overloaded<Handlers...>;
  return Behavior<M>(BehaviorKind::receive,
                     IntrusivePtr<const BehaviorImpl<M>>(
                         new detail::SignalImpl<M, H>(*this, H{std::move(handlers)...})));
}

}  // namespace orrery
