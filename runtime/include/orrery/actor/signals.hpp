#pragma once
// Lifecycle signals an actor's behavior may handle with receive_signal (Akka Typed's signals).

#include <exception>
#include <orrery/actor/actor_ref.hpp>
#include <stdexcept>
#include <string>
#include <variant>

namespace orrery {

/// The actor is about to be restarted by its supervisor: release what the old state holds.
struct PreRestart {};
/// The actor has stopped (its children first): the last signal it gets.
struct PostStop {};
/// A watched actor terminated (stopped, or its node became unreachable).
struct Terminated {
  UntypedActorRef ref;
};
/// A watched child stopped because it failed; delivered instead of Terminated for children.
struct ChildFailed {
  UntypedActorRef ref;
  std::exception_ptr error;
  std::string reason;
};
/// A message adapter's conversion threw; the message was dropped.
struct MessageAdaptionFailure {
  std::exception_ptr error;
  std::string reason;
};

using Signal = std::variant<PreRestart, PostStop, Terminated, ChildFailed, MessageAdaptionFailure>;

/// The exception an actor fails with when it does not handle the Terminated signal of an actor it
/// watches (Akka's DeathPactException).
class DeathPactError : public std::runtime_error {
 public:
  explicit DeathPactError(const std::string& watched_path)
      : std::runtime_error("death pact: unhandled Terminated of watched actor " + watched_path) {}
};

/// A human-readable text for an exception_ptr (its what() when it is a std::exception).
std::string describe(const std::exception_ptr& error);

}  // namespace orrery
