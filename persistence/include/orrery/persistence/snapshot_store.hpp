#pragma once
// SnapshotStore: the snapshot SPI. Asynchronous like the Journal (completions from the store's
// own work on the node's executor). A snapshot is an optimisation: losing one only makes the next
// recovery replay more events, so a failed save is reported, never fatal.

#include <cstdint>
#include <optional>
#include <string>

#include <orrery/actor/future.hpp>
#include <orrery/persistence/persistent_event.hpp>

namespace orrery::persistence {

struct SnapshotMetadata {
  std::string persistence_id;
  /// The state includes every event up to this one.
  SequenceNr sequence_nr = 0;
  std::int64_t timestamp_ms = 0;
  friend bool operator==(const SnapshotMetadata&, const SnapshotMetadata&) = default;
};

struct Snapshot {
  SnapshotMetadata metadata;
  std::string manifest;
  std::uint32_t version = 1;
  std::string payload;
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

/// Which snapshots a load or delete considers: those with min <= sequence_nr <= max.
struct SnapshotCriteria {
  SequenceNr min_sequence_nr = 0;
  SequenceNr max_sequence_nr = persistence::max_sequence_nr;
  static SnapshotCriteria latest() { return {}; }
  static SnapshotCriteria none() { return {0, -1}; }
};

class SnapshotStore {
 public:
  virtual ~SnapshotStore() = default;
  /// Stores the snapshot durably; one at the same sequence number is replaced.
  virtual Future<Done> save(Snapshot snapshot) = 0;
  /// The newest snapshot matching the criteria, or none.
  virtual Future<std::optional<Snapshot>> load(std::string persistence_id,
                                               SnapshotCriteria criteria) = 0;
  /// Deletes every snapshot of the id that matches the criteria.
  virtual Future<Done> remove(std::string persistence_id, SnapshotCriteria criteria) = 0;
};

}  // namespace orrery::persistence
