#pragma once
// Props: how an actor is spawned, beyond its behavior: its mailbox and where it runs.

#include <cstdint>

#include <orrery/core/assert.hpp>

namespace orrery {

/// What a bounded mailbox does with a message that does not fit.
enum class OverflowPolicy : std::uint8_t {
  drop_newest,  // the new message goes to dead letters
  drop_oldest,  // the oldest queued message goes to dead letters; the new one is queued
  fail_sender,  // tell() throws MailboxOverflowError in the sender (an actor's sender fails);
                // a completion piped in (pipe_to_self, ctx.ask) has none: dropped as drop_newest
};
// Messages adapted in the actor's turn (message adapters, pipe_to_self, ctx.ask) wait in its
// mailbox and count against its capacity like any other.

const char* to_string(OverflowPolicy policy) noexcept;

struct MailboxConfig {
  /// 0 means unbounded (the default: multi-producer, grows as needed).
  std::uint32_t capacity = 0;
  OverflowPolicy overflow = OverflowPolicy::drop_newest;

  static MailboxConfig unbounded() { return {}; }
  static MailboxConfig bounded(std::uint32_t capacity, OverflowPolicy overflow) {
    ORRERY_ASSERT(capacity > 0, "a bounded mailbox needs a capacity");
    return {capacity, overflow};
  }
  bool is_bounded() const noexcept { return capacity != 0; }
};

struct Props {
  MailboxConfig mailbox;
  /// Run this actor's turns on one worker of the production executor (Akka's pinned
  /// dispatcher, roughly); -1 lets the executor choose. The simulator ignores it.
  std::int32_t pinned_worker = -1;

  static Props with_mailbox(MailboxConfig mailbox) { return Props{mailbox, -1}; }
  static Props pinned(std::int32_t worker) { return Props{{}, worker}; }
};

}  // namespace orrery
