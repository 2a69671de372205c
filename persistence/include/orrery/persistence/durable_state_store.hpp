#pragma once
// DurableStateStore: one persisted state per id with a revision, the SPI behind
// DurableStateBehavior. Asynchronous like the Journal.

#include <cstdint>
#include <optional>
#include <string>

#include <orrery/actor/future.hpp>

namespace orrery::persistence {

/// Revision 0 means "never written"; each write stores revision + 1 of the one before.
using Revision = std::int64_t;

struct DurableState {
  std::string persistence_id;
  Revision revision = 0;
  std::string manifest;
  std::uint32_t version = 1;
  std::string payload;
  std::string tag;  // one tag, for queries of changes (empty: none)
  /// Deleted at `revision`: no value, but the revision stays so older writers remain stale.
  bool deleted = false;
  friend bool operator==(const DurableState&, const DurableState&) = default;
};

class DurableStateStore {
 public:
  virtual ~DurableStateStore() = default;
  /// The stored state, or none for an id never written; a deleted one has `deleted` set.
  virtual Future<std::optional<DurableState>> get(std::string persistence_id) = 0;
  /// Stores `state` if the stored revision is state.revision - 1; otherwise refused (Errc::refused,
  /// "stale revision ..."), and nothing changes. Completes once durable.
  virtual Future<Done> upsert(DurableState state) = 0;
  /// Deletes the state if the stored revision is revision - 1 (a delete is a write too).
  virtual Future<Done> remove(std::string persistence_id, Revision revision) = 0;
};

}  // namespace orrery::persistence
