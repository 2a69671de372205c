#pragma once
// Behaviors that wrap another behavior of the same message type (Akka Typed's
// BehaviorInterceptor): behaviors::intercept, and two interceptors built on it,
// behaviors::monitor and behaviors::log_messages.
//
//   struct CountingInterceptor {
//     std::shared_ptr<std::atomic<int>> seen;
//     Behavior<M> around_receive(ActorContext<M>& ctx, M& m, const ReceiveTarget<M>& target) const
//     {
//       ++*seen;
//       return target(ctx, m);  // hand it on (or return a directive of your own instead)
//     }
//   };
//   auto b = behaviors::intercept(CountingInterceptor{seen}, worker());
//
// The wrapper follows the wrapped behavior: whatever behavior the inner one returns for the next
// message is wrapped again, setups run inside it, and supervision of the inner behavior stays in
// force (a restart re-runs the wrapped inner behavior, still intercepted).

#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include <orrery/actor/actor_context.hpp>
#include <orrery/actor/behaviors.hpp>
#include <orrery/actor/signals.hpp>
#include <orrery/core/type_name.hpp>
#include <orrery/env/log_sink.hpp>

namespace orrery {

/// Hands a message to the behavior an interceptor wraps; returns that behavior's next one.
template <class M>
class ReceiveTarget {
 public:
  explicit ReceiveTarget(const Behavior<M>& inner) noexcept : inner_(inner) {}
  Behavior<M> operator()(ActorContext<M>& context, M& message) const {
    switch (inner_.kind()) {
      case BehaviorKind::ignore:
        return BehaviorDirective{BehaviorKind::same};
      case BehaviorKind::empty:
        return BehaviorDirective{BehaviorKind::unhandled};
      default:
        return inner_.impl()->receive(context, message);
    }
  }

 private:
  const Behavior<M>& inner_;
};

/// Hands a signal to the behavior an interceptor wraps.
template <class M>
class SignalTarget {
 public:
  explicit SignalTarget(const Behavior<M>& inner) noexcept : inner_(inner) {}
  Behavior<M> operator()(ActorContext<M>& context, const Signal& signal) const {
    if (inner_.kind() != BehaviorKind::receive) return BehaviorDirective{BehaviorKind::unhandled};
    return inner_.impl()->receive_signal(context, signal);
  }

 private:
  const Behavior<M>& inner_;
};

namespace detail {

template <class M, class I>
Behavior<M> wrap_intercepted(std::shared_ptr<const I> interceptor, Behavior<M> inner);

/// The running wrapper: `inner_` is a behavior that handles messages (receive, empty, ignore).
template <class M, class I>
class InterceptImpl final : public BehaviorImpl<M> {
 public:
  InterceptImpl(std::shared_ptr<const I> interceptor, Behavior<M> inner)
      : interceptor_(std::move(interceptor)), inner_(std::move(inner)) {}

  Behavior<M> receive(ActorContext<M>& context, M& message) const override {
    return next(interceptor_->around_receive(context, message, ReceiveTarget<M>(inner_)));
  }
  Behavior<M> receive_signal(ActorContext<M>& context, const Signal& signal) const override {
    if constexpr (requires(const I& i) {
                    i.around_signal(context, signal, SignalTarget<M>(inner_));
                  }) {
      return next(interceptor_->around_signal(context, signal, SignalTarget<M>(inner_)));
    } else {
      return next(SignalTarget<M>(inner_)(context, signal));
    }
  }

 private:
  /// Directives about this message pass through; a new behavior is wrapped again.
  Behavior<M> next(Behavior<M> result) const {
    switch (result.kind()) {
      case BehaviorKind::same:
      case BehaviorKind::unhandled:
      case BehaviorKind::stopped:
        return result;
      default:
        return wrap_intercepted<M, I>(interceptor_, std::move(result));
    }
  }

  std::shared_ptr<const I> interceptor_;
  Behavior<M> inner_;
};

/// Before the wrapped behavior handles anything: runs its setups, and moves supervision outside
/// the wrapper (so the cell supervises, and a restart comes back through here).
template <class M, class I>
class InterceptStartImpl final : public BehaviorImpl<M> {
 public:
  InterceptStartImpl(std::shared_ptr<const I> interceptor, Behavior<M> inner)
      : interceptor_(std::move(interceptor)), inner_(std::move(inner)) {}

  Behavior<M> start(ActorContext<M>& context) const override {
    Behavior<M> inner = inner_;
    for (int depth = 0; inner.kind() == BehaviorKind::deferred; ++depth) {
      ORRERY_ASSERT(depth < 1000, "setup returned setup a thousand times");
      inner = inner.impl()->start(context);
    }
    switch (inner.kind()) {
      case BehaviorKind::same:
      case BehaviorKind::unhandled:
        throw std::logic_error("a setup must return a behavior, not same() or unhandled()");
      case BehaviorKind::stopped:
        return inner;
      case BehaviorKind::supervise: {
        SupervisionSpec<M> spec = *inner.impl()->supervision();
        spec.inner = wrap_intercepted<M, I>(interceptor_, std::move(spec.inner));
        return Behavior<M>(BehaviorKind::supervise, IntrusivePtr<const BehaviorImpl<M>>(
                                                        new SuperviseImpl<M>(std::move(spec))));
      }
      default:
        return Behavior<M>(BehaviorKind::receive,
                           IntrusivePtr<const BehaviorImpl<M>>(
                               new InterceptImpl<M, I>(interceptor_, std::move(inner))));
    }
  }

 private:
  std::shared_ptr<const I> interceptor_;
  Behavior<M> inner_;
};

template <class M, class I>
Behavior<M> wrap_intercepted(std::shared_ptr<const I> interceptor, Behavior<M> inner) {
  switch (inner.kind()) {
    case BehaviorKind::receive:
    case BehaviorKind::empty:
    case BehaviorKind::ignore:
      return Behavior<M>(BehaviorKind::receive,
                         IntrusivePtr<const BehaviorImpl<M>>(
                             new InterceptImpl<M, I>(std::move(interceptor), std::move(inner))));
    case BehaviorKind::stopped:
      return inner;
    default:
      return Behavior<M>(BehaviorKind::deferred,
                         IntrusivePtr<const BehaviorImpl<M>>(new InterceptStartImpl<M, I>(
                             std::move(interceptor), std::move(inner))));
  }
}

/// behaviors::monitor's interceptor.
template <class M>
struct MonitorInterceptor {
  ActorRef<M> monitor;
  Behavior<M> around_receive(ActorContext<M>& context, M& message,
                             const ReceiveTarget<M>& target) const {
    monitor.tell(M(message));
    return target(context, message);
  }
};

/// behaviors::log_messages's interceptor.
template <class M>
struct LogInterceptor {
  LogLevel level;
  Behavior<M> around_receive(ActorContext<M>& context, M& message,
                             const ReceiveTarget<M>& target) const {
    if (context.system().logs(level)) write(context, describe(message));
    return target(context, message);
  }
  Behavior<M> around_signal(ActorContext<M>& context, const Signal& signal,
                            const SignalTarget<M>& target) const {
    if (context.system().logs(level)) {
      write(context, std::visit(
                         [](const auto& s) {
                           return "signal " + std::string(type_name<std::decay_t<decltype(s)>>());
                         },
                         signal));
    }
    return target(context, signal);
  }
  static std::string describe(const M& message) {
    std::string text = "received " + std::string(message_type_name(message));
    if constexpr (fmt::is_formattable<M>::value) text += ": " + fmt::format("{}", message);
    return text;
  }
  void write(ActorContext<M>& context, const std::string& line) const {
    const ActorLogger log = context.log();
    switch (level) {
      case LogLevel::debug:
        log.debug("{}", line);
        break;
      case LogLevel::info:
        log.info("{}", line);
        break;
      case LogLevel::warning:
        log.warning("{}", line);
        break;
      default:
        log.error("{}", line);
        break;
    }
  }
};

}  // namespace detail

namespace behaviors {

/// Wraps `behavior` so that every message goes through `interceptor.around_receive(ctx, message,
/// target)` (and every signal through `around_signal(ctx, signal, target)` when it has one);
/// calling `target(ctx, message)` hands it on. The interceptor is shared by every actor spawned
/// from the returned value: keep per-actor state in a setup around the intercept.
template <class M, class I>
Behavior<M> intercept(I interceptor, Behavior<M> behavior) {
  static_assert(
      requires(const I& i, ActorContext<M>& c, M& m, const ReceiveTarget<M>& t) {
        { i.around_receive(c, m, t) } -> std::convertible_to<Behavior<M>>;
      },
      "an interceptor has Behavior<M> around_receive(ActorContext<M>&, M&, "
      "const ReceiveTarget<M>&) const");
  return detail::wrap_intercepted<M, I>(std::make_shared<const I>(std::move(interceptor)),
                                        std::move(behavior));
}

/// Tells `monitor` a copy of each message before `behavior` handles it (Akka's Behaviors.monitor).
template <class M>
Behavior<M> monitor(ActorRef<M> monitor, Behavior<M> behavior) {
  static_assert(std::is_copy_constructible_v<M>,
                "monitor() copies each message: M must be copyable");
  ORRERY_ASSERT(monitor, "monitor() of a null ref");
  return intercept(detail::MonitorInterceptor<M>{std::move(monitor)}, std::move(behavior));
}

/// Logs each message (its type, and its value when fmt can format it) and each signal through
/// the actor's logger at `level` before `behavior` handles it (Akka's Behaviors.logMessages).
template <class M>
Behavior<M> log_messages(Behavior<M> behavior, LogLevel level = LogLevel::debug) {
  return intercept(detail::LogInterceptor<M>{level}, std::move(behavior));
}

}  // namespace behaviors

}  // namespace orrery
