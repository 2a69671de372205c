#pragma once
// behaviors::transform_messages: a Behavior<Outer> from a Behavior<Inner> and a partial function
// Outer -> std::optional<Inner> (Akka Typed's transformMessages), so a behavior written for a
// narrow protocol can serve a wider one:
//
//   Behavior<Outer> b = behaviors::transform_messages<Outer>(counter(0), [](Outer& m) {
//     return std::holds_alternative<Add>(m) ? std::optional<Command>(Increment{}) : std::nullopt;
//   });
//
// An Outer the function maps to nothing (std::nullopt) is unhandled.
//
// Where this differs from Akka: an ActorContext<Inner> can only stand for an actor of Inner, so
// the inner behavior runs as the outer actor's one child (an anonymous "$..." child) and the
// outer actor forwards what the function maps. Order per sender is kept; the inner behavior's
// ctx.self() is that child (an ActorRef<Inner>), its own children are grandchildren of the outer
// actor, and its supervision applies to it as usual. When the inner actor stops (or fails and is
// not restarted), the outer actor stops.

#include <optional>
#include <type_traits>
#include <utility>

#include <orrery/actor/actor_context.hpp>
#include <orrery/actor/behaviors.hpp>

namespace orrery::behaviors {

/// `transform(Outer&) -> std::optional<Inner>` picks and converts the messages `inner` handles.
template <class Outer, class Inner, class F>
Behavior<Outer> transform_messages(Behavior<Inner> inner, F transform) {
  static_assert(std::is_invocable_r_v<std::optional<Inner>, const F&, Outer&>,
                "transform_messages' function turns Outer& into std::optional<Inner>");
  return setup<Outer>(
      [inner = std::move(inner), transform = std::move(transform)](ActorContext<Outer>& context) {
        ActorRef<Inner> target = context.spawn_anonymous(inner);
        context.watch(target);
        return receive<Outer>(
                   [target, transform](ActorContext<Outer>&, Outer& message) -> Behavior<Outer> {
                     std::optional<Inner> mapped = transform(message);
                     if (!mapped) return unhandled();
                     target.tell(std::move(*mapped));
                     return same();
                   })
            .receive_signal([](ActorContext<Outer>&, const Terminated&) { return stopped(); },
                            [](ActorContext<Outer>&, const ChildFailed&) { return stopped(); });
      });
}

}  // namespace orrery::behaviors
