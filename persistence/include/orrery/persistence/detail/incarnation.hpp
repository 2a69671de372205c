#pragma once
// The receive behavior of one incarnation of a persistent actor: commands go to the per-actor
// object, and PreRestart or PostStop retire it, so that store completions still queued for it
// (they run in later turns) are ignored instead of reaching the next incarnation.

#include <memory>
#include <variant>

#include <orrery/actor.hpp>

namespace orrery::persistence::detail {

/// `Actor` has `on_command(Command&&) -> Behavior<Command>` and `retire()`.
template <class Command, class Actor>
Behavior<Command> incarnation_behavior(std::shared_ptr<Actor> actor) {
  return behaviors::receive<Command>([actor](ActorContext<Command>&, Command& command) {
           return actor->on_command(std::move(command));
         })
      .receive_signal([actor](ActorContext<Command>&, const Signal& signal) -> Behavior<Command> {
        if (std::holds_alternative<PreRestart>(signal) || std::holds_alternative<PostStop>(signal)) {
          actor->retire();
          return behaviors::same();
        }
        return behaviors::unhandled();
      });
}

}  // namespace orrery::persistence::detail
