#pragma once
// SpawnProtocol: an actor that spawns children on request and replies with their refs (Akka
// Typed's SpawnProtocol). Useful as a system's root when code outside any actor needs actors
// spawned under one parent, e.g. through ask:
//
//   auto spawner = system->spawn(SpawnProtocol::behavior(), "spawner");
//   Future<ActorRef<Job>> worker = ask<ActorRef<Job>>(spawner, [&](ActorRef<ActorRef<Job>> r) {
//     return SpawnProtocol::spawn(worker_behavior(), "worker", Props{}, r);
//   }, 3s);
//
// A name already taken among the spawner's children gets a suffix ("worker-1", "worker-2", ...);
// an empty name spawns an anonymous child. A name the actor-name rules refuse is logged as an
// error and nothing is spawned or replied (the asker's timeout tells it).
//
// A reply that cannot be delivered (`reply_to` a bounded mailbox with OverflowPolicy::fail_sender
// that is full) does not fail the spawner, which serves every other requester: the reply is a
// dead letter (counted, as every refused message is), the error is logged, and the child, whose
// ref nobody received, is stopped rather than left running where nobody knows of it.

#include <memory>
#include <string>
#include <utility>

#include <orrery/actor/actor_context.hpp>
#include <orrery/actor/behaviors.hpp>
#include <orrery/actor/detail/cell.hpp>
#include <orrery/actor/props.hpp>
#include <orrery/core/unique_function.hpp>

namespace orrery {

struct SpawnProtocol {
  /// A request to spawn; build it with SpawnProtocol::spawn. Type-erased, so one spawner
  /// serves every child message type.
  struct Command {
    std::shared_ptr<UniqueFunction<void(ActorContext<Command>&)>> run;
  };

  /// How many suffixes are tried for a taken name before the request is refused.
  static constexpr int name_suffixes_max = 1000;

  /// Spawn a child running `behavior` named `name` (see the file comment), then tell
  /// `reply_to` its ref.
  template <class T>
  static Command spawn(Behavior<T> behavior, std::string name, Props props,
                       ActorRef<ActorRef<T>> reply_to) {
    ORRERY_ASSERT(reply_to, "SpawnProtocol::spawn needs a reply ref");
    return Command{std::make_shared<UniqueFunction<void(ActorContext<Command>&)>>(
        [behavior = std::move(behavior), name = std::move(name), props = std::move(props),
         reply_to = std::move(reply_to)](ActorContext<Command>& context) {
          if (name.empty()) {
            reply(context, reply_to, context.spawn_anonymous(behavior, props));
            return;
          }
          std::string free_name = name;
          for (int suffix = 1; context.child(free_name).has_value(); ++suffix) {
            if (suffix > name_suffixes_max) {
              context.log().error("spawn of '{}' refused: {} suffixes are taken", name,
                                  name_suffixes_max);
              return;
            }
            free_name = name + "-" + std::to_string(suffix);
          }
          ActorRef<T> child;
          try {
            child = context.spawn(behavior, free_name, props);
          } catch (const ActorNameError& error) {
            context.log().error("spawn of '{}' refused: {}", name, error.what());
            return;
          }
          reply(context, reply_to, std::move(child));
        })};
  }

  /// Tells `reply_to` the new child's ref; when its mailbox refuses it, logs that and stops the
  /// child (the refused reply is already a dead letter).
  template <class T>
  static void reply(ActorContext<Command>& context, const ActorRef<ActorRef<T>>& reply_to,
                    ActorRef<T> child) {
    ORRERY_ASSERT(child, "a spawn replies with the child it spawned");
    try {
      reply_to.tell(child);
    } catch (const MailboxOverflowError& error) {
      context.log().error("spawned {} but could not reply to {}: {}; the child is stopped",
                          child.path(), reply_to.path(), error.what());
      context.stop(child);
    }
  }

  /// The spawner's behavior.
  static Behavior<Command> behavior() {
    return behaviors::receive<Command>([](ActorContext<Command>& context, Command& command) {
      ORRERY_ASSERT(command.run != nullptr, "a SpawnProtocol command without a request");
      (*command.run)(context);
    });
  }
};

}  // namespace orrery
