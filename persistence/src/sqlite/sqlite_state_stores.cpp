// The SQLite store's snapshots (the newest matching criteria; one per sequence number) and
// durable state (a revision check inside the transaction that writes, deletes as tombstones
// that keep their revision).
#include <fmt/format.h>

#include "store_core.hpp"

namespace orrery::persistence::sqlite {

Result<Done> StoreCore::save_snapshot(const Snapshot& snapshot) {
  if (snapshot.payload.size() > options_.event_bytes_max) {
    return make_error(Errc::refused,
                      fmt::format("'{}' snapshot at {}: {} bytes, above the limit of {}",
                                  snapshot.metadata.persistence_id, snapshot.metadata.sequence_nr,
                                  snapshot.payload.size(), options_.event_bytes_max));
  }
  return in_transaction([&]() -> Status {
    auto insert = statement(
        "INSERT OR REPLACE INTO snapshots(persistence_id, sequence_nr, timestamp_ms, manifest, "
        "version, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!insert.ok()) return insert.error();
    Statement& row = **insert;
    Status status = row.bind_text(1, snapshot.metadata.persistence_id);
    if (status.ok()) status = row.bind(2, snapshot.metadata.sequence_nr);
    if (status.ok()) status = row.bind(3, snapshot.metadata.timestamp_ms);
    if (status.ok()) status = row.bind_text(4, snapshot.manifest);
    if (status.ok()) status = row.bind(5, static_cast<std::int64_t>(snapshot.version));
    if (status.ok()) status = row.bind_blob(6, snapshot.payload);
    if (status.ok()) status = row.run();
    return status;
  });
}

Result<std::optional<Snapshot>> StoreCore::load_snapshot(const std::string& id,
                                                         SnapshotCriteria criteria) {
  if (Status ready = usable(); !ready.ok()) return ready.error();
  auto rows = statement(
      "SELECT sequence_nr, timestamp_ms, manifest, version, payload FROM snapshots WHERE "
      "persistence_id = ?1 AND sequence_nr BETWEEN ?2 AND ?3 ORDER BY sequence_nr DESC LIMIT 1");
  if (!rows.ok()) return rows.error();
  Statement& query = **rows;
  Status status = query.bind_text(1, id);
  if (status.ok()) status = query.bind(2, criteria.min_sequence_nr);
  if (status.ok()) status = query.bind(3, criteria.max_sequence_nr);
  if (!status.ok()) return status.error();
  auto row = query.step();
  if (!row.ok()) return row.error();
  std::optional<Snapshot> found;
  if (*row) {
    found = Snapshot{{id, query.column_int64(0), query.column_int64(1)},
                     std::string(query.column_text(2)),
                     static_cast<std::uint32_t>(query.column_int64(3)),
                     std::string(query.column_blob(4))};
  }
  query.reset();
  return found;
}

Result<Done> StoreCore::remove_snapshots(const std::string& id, SnapshotCriteria criteria) {
  return in_transaction([&]() -> Status {
    auto remove = statement(
        "DELETE FROM snapshots WHERE persistence_id = ?1 AND sequence_nr BETWEEN ?2 AND ?3");
    if (!remove.ok()) return remove.error();
    Status status = (*remove)->bind_text(1, id);
    if (status.ok()) status = (*remove)->bind(2, criteria.min_sequence_nr);
    if (status.ok()) status = (*remove)->bind(3, criteria.max_sequence_nr);
    if (status.ok()) status = (*remove)->run();
    return status;
  });
}

Result<std::optional<DurableState>> StoreCore::get_state(const std::string& id) {
  if (Status ready = usable(); !ready.ok()) return ready.error();
  auto rows = statement(
      "SELECT revision, manifest, version, payload, tag, deleted FROM durable_state WHERE "
      "persistence_id = ?1");
  if (!rows.ok()) return rows.error();
  Statement& query = **rows;
  if (Status bound = query.bind_text(1, id); !bound.ok()) return bound.error();
  auto row = query.step();
  if (!row.ok()) return row.error();
  std::optional<DurableState> found;
  if (*row) {
    found = DurableState{id,
                         query.column_int64(0),
                         std::string(query.column_text(1)),
                         static_cast<std::uint32_t>(query.column_int64(2)),
                         std::string(query.column_blob(3)),
                         std::string(query.column_text(4)),
                         query.column_int64(5) != 0};
  }
  query.reset();
  return found;
}

namespace {

/// The refusal of a write at `revision` when `stored` is stored (none: never written).
Status check_revision(const std::string& id, Revision revision, Revision stored) {
  if (revision == stored + 1) return {};
  return make_error(Errc::refused,
                    fmt::format("'{}': stale revision {} (stored: {})", id, revision, stored));
}

}  // namespace

Result<Done> StoreCore::upsert_state(const DurableState& state) {
  if (state.payload.size() > options_.event_bytes_max) {
    return make_error(Errc::refused, fmt::format("'{}': state of {} bytes, above the limit of {}",
                                                 state.persistence_id, state.payload.size(),
                                                 options_.event_bytes_max));
  }
  std::optional<Error> refused;
  auto written = in_transaction([&]() -> Status {
    auto stored = get_state(state.persistence_id);
    if (!stored.ok()) return stored.error();
    Status fresh =
        check_revision(state.persistence_id, state.revision, *stored ? (*stored)->revision : 0);
    if (!fresh.ok()) {
      refused = fresh.error();
      return {};  // commits nothing: the transaction wrote nothing
    }
    auto upsert = statement(
        "INSERT OR REPLACE INTO durable_state(persistence_id, revision, manifest, version, "
        "payload, tag, deleted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!upsert.ok()) return upsert.error();
    Statement& row = **upsert;
    Status status = row.bind_text(1, state.persistence_id);
    if (status.ok()) status = row.bind(2, state.revision);
    if (status.ok()) status = row.bind_text(3, state.manifest);
    if (status.ok()) status = row.bind(4, static_cast<std::int64_t>(state.version));
    if (status.ok()) status = row.bind_blob(5, state.deleted ? std::string_view{} : state.payload);
    if (status.ok()) status = row.bind_text(6, state.tag);
    if (status.ok()) status = row.bind(7, std::int64_t{state.deleted ? 1 : 0});
    if (status.ok()) status = row.run();
    return status;
  });
  if (!written.ok()) return written;
  if (refused) return *refused;
  return Done{};
}

Result<Done> StoreCore::remove_state(const std::string& id, Revision revision) {
  // A deleted state keeps its revision, so that a writer holding an older one stays stale.
  DurableState tombstone;
  tombstone.persistence_id = id;
  tombstone.revision = revision;
  tombstone.deleted = true;
  return upsert_state(tombstone);
}

}  // namespace orrery::persistence::sqlite
