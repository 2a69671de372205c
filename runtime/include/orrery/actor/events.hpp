#pragma once
// Events the actor system publishes on its event stream.

#include <cstdint>
#include <string>

namespace orrery {

/// A message that could not be delivered: its recipient had stopped, a bounded mailbox was full,
/// an ask's reply came late. Counted in ActorSystem::dead_letter_count().
struct DeadLetter {
  std::string recipient;     // the recipient's path
  std::string message_type;  // the message's type name
  std::string reason;
};

/// A message the recipient's behavior returned unhandled() for (or that an empty() behavior got).
struct UnhandledMessage {
  std::string recipient;
  std::string message_type;
};

}  // namespace orrery
