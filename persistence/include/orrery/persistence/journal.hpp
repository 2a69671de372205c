#pragma once
// Journal: the event store's SPI. Asynchronous: each call returns a Future that the store
// completes from its own work on the node's executor (never on the caller's stack), so a slow
// disk never blocks an actor's turn, and in the simulator every completion is a scheduled,
// seeded event. Calls for one persistence id complete in the order they were made.
//
// Errors: Errc::already_exists: the write's first sequence number does not follow the highest
// stored (another writer of the id got there first, or the writer's view is stale); the entity
// fails (PersistFailedError) and recovers what is stored. Errc::refused rejects one write (too
// large, not serializable, a hole inside it):
// nothing of it was stored and the entity may go on. Any other error (io_error, corrupt,
// closed) is a failure: what was written is unknown until a replay, so the entity must stop and
// recover.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <orrery/actor/future.hpp>
#include <orrery/persistence/persistent_event.hpp>

namespace orrery::persistence {

class Journal {
 public:
  virtual ~Journal() = default;

  /// Appends the events atomically. Completes once they are durable: the moment an event may be
  /// acknowledged. Writes from different entities may be committed in one transaction (group
  /// commit); each still succeeds or fails whole.
  virtual Future<Done> write(AtomicWrite write) = 0;

  /// Events of `persistence_id` with from <= sequence_nr <= to, in order, at most `max` of them.
  /// Recovery pages through a long history with repeated calls.
  virtual Future<std::vector<PersistentEvent>> replay(std::string persistence_id, SequenceNr from,
                                                      SequenceNr to, std::uint64_t max) = 0;

  /// The highest sequence number stored for the id (0 for none), even when the events up to it
  /// were deleted. `from` is a hint: no stored event below it matters to the caller.
  virtual Future<SequenceNr> highest_sequence_nr(std::string persistence_id, SequenceNr from) = 0;

  /// Deletes the events up to `to` (inclusive). The highest sequence number stays.
  virtual Future<Done> delete_up_to(std::string persistence_id, SequenceNr to) = 0;
};

}  // namespace orrery::persistence
