#pragma once
// What a journal stores: one event of one persistent entity, already serialized. Journals never
// see typed events; EventSourcedBehavior serializes through the entity's EventCodec.

#include <cstdint>
#include <string>
#include <vector>

namespace orrery::persistence {

/// Position of an event in its entity's history: 1, 2, 3, ... with no gap; 0 means "none yet".
using SequenceNr = std::int64_t;

/// The largest sequence number, for "to the end" in ranges.
inline constexpr SequenceNr max_sequence_nr = INT64_MAX;

struct PersistentEvent {
  std::string persistence_id;
  SequenceNr sequence_nr = 0;
  /// The event type's stable name (an EventCodec's manifest), never a C++ type name.
  std::string manifest;
  /// The schema version the payload was written with, so that an older version still loads.
  std::uint32_t version = 1;
  std::string payload;
  /// Tags for events_by_tag queries and projections.
  std::vector<std::string> tags;
  /// Wall-clock milliseconds when written: shown to people, never used to order.
  std::int64_t timestamp_ms = 0;
  /// Which incarnation of the entity wrote it: two live writers of one id are a bug to detect.
  std::string writer;

  friend bool operator==(const PersistentEvent&, const PersistentEvent&) = default;
};

/// Events of one entity written together: all or none become durable. Their sequence numbers
/// are consecutive and follow the highest one already stored.
struct AtomicWrite {
  std::string persistence_id;
  std::vector<PersistentEvent> events;
};

}  // namespace orrery::persistence
