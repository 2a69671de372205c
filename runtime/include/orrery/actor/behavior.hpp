#pragma once
// Behavior<M>: how an actor reacts to the next message, as a value (Akka Typed's model). A
// handler returns the behavior for the message after: the same one, a new one, or stopped.
// Behaviors are immutable and shared: spawning many actors from one Behavior value shares it, so
// per-actor mutable state belongs in setup() or in an object made per actor (behaviors::of).
//
// The factories are in <orrery/actor/behaviors.hpp>.

#include <atomic>
#include <cstdint>
#include <orrery/actor/signals.hpp>
#include <orrery/actor/supervision.hpp>
#include <orrery/core/assert.hpp>
#include <orrery/core/intrusive_ptr.hpp>
#include <utility>
#include <vector>

namespace orrery {

template <class M>
class ActorContext;
template <class M>
class Behavior;

enum class BehaviorKind : std::uint8_t {
  same,       // keep the current behavior
  unhandled,  // keep it, and report the message as unhandled
  stopped,    // stop the actor
  empty,      // from now on every message is unhandled
  ignore,     // from now on every message is dropped silently
  receive,    // handles messages (and maybe signals)
  deferred,   // setup: becomes another behavior when the actor starts
  supervise,  // a behavior with supervision clauses around it
};

/// A behavior that does not depend on the message type: behaviors::same() and friends. Converts
/// to any Behavior<M>.
struct BehaviorDirective {
  BehaviorKind kind;
};

template <class M>
struct SupervisionSpec;

/// The shared, immutable implementation behind a receive, deferred, supervise or stopped
/// behavior. Subclasses override what their kind needs.
template <class M>
class BehaviorImpl {
 public:
  virtual ~BehaviorImpl() = default;

  virtual Behavior<M> receive(ActorContext<M>& context, M& message) const;
  virtual Behavior<M> receive_signal(ActorContext<M>& context, const Signal& signal) const;
  /// Deferred behaviors only: build the behavior to run (setup).
  virtual Behavior<M> start(ActorContext<M>& context) const;
  /// Supervise behaviors only.
  virtual const SupervisionSpec<M>* supervision() const noexcept { return nullptr; }

  void add_ref() const noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() const noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 private:
  mutable std::atomic<std::uint32_t> refs_{0};
};

template <class M>
class Behavior {
 public:
  using message_type = M;

  /// An empty behavior (every message unhandled).
  Behavior() : kind_(BehaviorKind::empty) {}
  Behavior(BehaviorDirective directive) : kind_(directive.kind) {}  // NOLINT: same() etc.
  Behavior(BehaviorKind kind, IntrusivePtr<const BehaviorImpl<M>> impl)
      : impl_(std::move(impl)), kind_(kind) {
    ORRERY_ASSERT(kind_ == BehaviorKind::stopped || impl_, "this kind of behavior needs an impl");
  }

  BehaviorKind kind() const noexcept { return kind_; }
  const BehaviorImpl<M>* impl() const noexcept { return impl_.get(); }

  /// Adds a signal handler (PostStop, Terminated, ...) in front of this receive behavior:
  /// handler(ActorContext<M>&, const Signal&) or one overload per signal type; it returns a
  /// Behavior<M>, a directive, or nothing (same). Signals it has no overload for fall through.
  template <class... Handlers>
  Behavior receive_signal(Handlers... handlers) const;

 private:
  IntrusivePtr<const BehaviorImpl<M>> impl_;
  BehaviorKind kind_;
};

template <class M>
struct SupervisionSpec {
  Behavior<M> inner;
  std::vector<FailureClause> clauses;
};

template <class M>
Behavior<M> BehaviorImpl<M>::receive(ActorContext<M>&, M&) const {
  return BehaviorDirective{BehaviorKind::unhandled};
}
template <class M>
Behavior<M> BehaviorImpl<M>::receive_signal(ActorContext<M>&, const Signal&) const {
  return BehaviorDirective{BehaviorKind::unhandled};
}
template <class M>
Behavior<M> BehaviorImpl<M>::start(ActorContext<M>&) const {
  ORRERY_UNREACHABLE("start() on a behavior that is not deferred");
}

}  // namespace orrery
