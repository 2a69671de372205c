#pragma once
// Signals of a persistent actor (Akka's EventSourcedSignal), handed to its signal handler with
// the state at that moment.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <variant>

#include <orrery/core/result.hpp>
#include <orrery/persistence/persistent_event.hpp>

namespace orrery::persistence {

/// Recovery replayed everything durable; commands stashed meanwhile are handled next.
struct RecoveryCompleted {
  SequenceNr sequence_nr = 0;  // the highest event recovered
};
/// Recovery could not finish: the actor stops with RecoveryFailedError right after.
struct RecoveryFailed {
  Error error;
};
/// The store refused a persist (too large, not serializable); nothing was written, the actor goes on.
struct PersistRejected {
  Error error;
  SequenceNr sequence_nr = 0;  // of the first event refused
};
struct SnapshotCompleted {
  SequenceNr sequence_nr = 0;
};
/// A snapshot save failed: harmless (the next recovery replays more), reported and logged.
struct SnapshotFailed {
  Error error;
  SequenceNr sequence_nr = 0;
};
/// Retention deleted the events up to `to_sequence_nr`.
struct DeleteEventsCompleted {
  SequenceNr to_sequence_nr = 0;
};

using PersistenceSignal = std::variant<RecoveryCompleted, RecoveryFailed, PersistRejected,
                                       SnapshotCompleted, SnapshotFailed, DeleteEventsCompleted>;

/// What a persistent actor fails with when its recovery fails (supervision sees it).
class RecoveryFailedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// What it fails with when a write fails (an I/O error: what is durable is unknown until a
/// replay), so that restart_with_backoff recovers from the store.
class PersistFailedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace orrery::persistence
