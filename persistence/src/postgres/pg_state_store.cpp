// PostgresStore's snapshots (one row per id and sequence number, replaced on a second save) and
// durable state (one row per id; a write checks the stored revision under a row lock first, and
// the upsert's WHERE holds the same check against a row another process inserted meanwhile).

#include <fmt/format.h>

#include "pg_submit.hpp"

namespace orrery::persistence {

using postgres::Params;
using postgres::PgConnection;
using postgres::Statements;

Future<Done> PostgresStore::save(Snapshot snapshot) {
  return submit<Done>(
      [snapshot = std::move(snapshot)](PgConnection& c, const Statements& sql) -> Result<Done> {
        const SnapshotMetadata& m = snapshot.metadata;
        Params params;
        params.text(m.persistence_id)
            .integer(m.sequence_nr)
            .integer(m.timestamp_ms)
            .text(snapshot.manifest)
            .integer(snapshot.version)
            .bytes(snapshot.payload);
        if (auto saved = c.run(sql.save_snapshot, params); !saved) return saved.error();
        return Done{};
      });
}

Future<std::optional<Snapshot>> PostgresStore::load(std::string persistence_id,
                                                    SnapshotCriteria criteria) {
  using Found = std::optional<Snapshot>;
  return submit<Found>([id = std::move(persistence_id), criteria](
                           PgConnection& c, const Statements& sql) -> Result<Found> {
    auto found = c.exec(
        sql.load_snapshot,
        Params().text(id).integer(criteria.min_sequence_nr).integer(criteria.max_sequence_nr));
    if (!found) return found.error();
    const postgres::PgResult& r = found.value();
    if (r.rows() == 0) return Found{};
    Snapshot snapshot;
    snapshot.metadata = SnapshotMetadata{id, r.integer(0, 0), r.integer(0, 1)};
    snapshot.manifest = r.text(0, 2);
    snapshot.version = static_cast<std::uint32_t>(r.integer(0, 3));
    snapshot.payload = r.bytes(0, 4);
    return Found{std::move(snapshot)};
  });
}

Future<Done> PostgresStore::remove(std::string persistence_id, SnapshotCriteria criteria) {
  return submit<Done>([id = std::move(persistence_id), criteria](
                          PgConnection& c, const Statements& sql) -> Result<Done> {
    auto removed = c.run(
        sql.remove_snapshots,
        Params().text(id).integer(criteria.min_sequence_nr).integer(criteria.max_sequence_nr));
    if (!removed) return removed.error();
    return Done{};
  });
}

Future<std::optional<DurableState>> PostgresStore::get(std::string persistence_id) {
  using Found = std::optional<DurableState>;
  return submit<Found>(
      [id = std::move(persistence_id)](PgConnection& c, const Statements& sql) -> Result<Found> {
        auto found = c.exec(sql.get_state, Params().text(id));
        if (!found) return found.error();
        const postgres::PgResult& r = found.value();
        if (r.rows() == 0) return Found{};
        DurableState state;
        state.persistence_id = id;
        state.revision = r.integer(0, 0);
        state.manifest = r.text(0, 1);
        state.version = static_cast<std::uint32_t>(r.integer(0, 2));
        state.payload = r.bytes(0, 3);
        state.tag = r.text(0, 4);
        state.deleted = r.boolean(0, 5);
        return Found{std::move(state)};
      });
}

namespace {

Error stale(const std::string& id, Revision revision, Revision stored) {
  return make_error(Errc::refused,
                    fmt::format("'{}': stale revision {} (stored: {})", id, revision, stored));
}

// Stores `state` if the stored revision is state.revision - 1, in one short transaction.
Result<Done> write_state(PgConnection& c, const Statements& sql, const DurableState& state) {
  if (auto begun = c.run("BEGIN"); !begun) return begun.error();
  auto fail = [&](Error error) -> Result<Done> {
    if (!c.broken()) (void)c.run("ROLLBACK");
    return error;
  };
  auto locked = c.exec(sql.lock_state, Params().text(state.persistence_id));
  if (!locked) return fail(locked.error());
  const Revision stored = locked.value().rows() == 0 ? 0 : locked.value().integer(0, 0);
  if (state.revision != stored + 1)
    return fail(stale(state.persistence_id, state.revision, stored));
  Params params;
  params.text(state.persistence_id)
      .integer(state.revision)
      .text(state.manifest)
      .integer(state.version)
      .bytes(state.payload)
      .text(state.tag)
      .text(state.deleted ? "true" : "false");
  auto written = c.exec(sql.upsert_state, params);
  if (!written) return fail(written.error());
  // No row changed: another process wrote the id between the lock's read and the upsert.
  if (written.value().affected() != 1)
    return fail(stale(state.persistence_id, state.revision, state.revision));
  if (auto committed = c.run("COMMIT"); !committed) return committed.error();
  return Done{};
}

bool has_nul(const DurableState& state) {
  for (const std::string* text : {&state.persistence_id, &state.manifest, &state.tag})
    if (text->find('\0') != std::string::npos) return true;
  return false;
}

}  // namespace

Future<Done> PostgresStore::upsert(DurableState state) {
  const std::uint64_t bytes_max = options().event_bytes_max;
  return submit<Done>([state = std::move(state), bytes_max](PgConnection& c,
                                                            const Statements& sql) -> Result<Done> {
    if (state.payload.size() > bytes_max)
      return make_error(Errc::refused,
                        fmt::format("'{}': state of {} bytes, above the limit of {}",
                                    state.persistence_id, state.payload.size(), bytes_max));
    if (has_nul(state))
      return make_error(Errc::refused, fmt::format("'{}': a NUL byte in the id, manifest or tag",
                                                   state.persistence_id));
    return write_state(c, sql, state);
  });
}

Future<Done> PostgresStore::remove(std::string persistence_id, Revision revision) {
  return submit<Done>([id = std::move(persistence_id), revision](
                          PgConnection& c, const Statements& sql) -> Result<Done> {
    // A deleted state keeps its revision, so that a writer holding an older one stays stale.
    DurableState tombstone;
    tombstone.persistence_id = id;
    tombstone.revision = revision;
    tombstone.deleted = true;
    return write_state(c, sql, tombstone);
  });
}

}  // namespace orrery::persistence
