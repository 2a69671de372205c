#pragma once
// ReadJournal: the query side of a journal (Akka's persistence query). The finite "current"
// queries and the live ones (persistence/query.hpp) are built on these pages.
//
// Offsets: every stored event gets a global offset, increasing in commit order, so that
// "events by tag after offset N" resumes exactly where a projection stopped. An offset is never
// reused, and an event is visible to queries only once its transaction is durable, so a live
// query never sees an event that a crash will take back.

#include <cstdint>
#include <string>
#include <vector>

#include <orrery/actor/future.hpp>
#include <orrery/persistence/persistent_event.hpp>

namespace orrery::persistence {

/// Position in the global order of events; 0 means "from the start".
using Offset = std::int64_t;

struct EventEnvelope {
  Offset offset = 0;
  PersistentEvent event;
  friend bool operator==(const EventEnvelope&, const EventEnvelope&) = default;
};

class ReadJournal {
 public:
  virtual ~ReadJournal() = default;
  /// Events carrying `tag` with offset > `after`, in offset order, at most `max`.
  virtual Future<std::vector<EventEnvelope>> events_by_tag(std::string tag, Offset after,
                                                           std::uint64_t max) = 0;
  /// Events of one id with from <= sequence_nr <= to, at most `max`, with their offsets.
  virtual Future<std::vector<EventEnvelope>> events_by_persistence_id(std::string persistence_id,
                                                                      SequenceNr from,
                                                                      SequenceNr to,
                                                                      std::uint64_t max) = 0;
  /// Persistence ids in sorted order, those after `after` (empty: from the first), at most `max`.
  virtual Future<std::vector<std::string>> persistence_ids(std::string after,
                                                           std::uint64_t max) = 0;
  /// The offset of the newest durable event (0 when none): where a live query starts waiting.
  virtual Future<Offset> latest_offset() = 0;
};

}  // namespace orrery::persistence
