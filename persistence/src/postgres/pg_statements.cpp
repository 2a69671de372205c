// The store's SQL, with the schema's name (checked to be a plain identifier) put in once.

#include <fmt/format.h>

#include "pg_shared.hpp"

namespace orrery::persistence::postgres {

namespace {

constexpr std::string_view event_columns =
    "sequence_nr, manifest, version, payload, tags, timestamp_ms, writer";

}  // namespace

Statements::Statements(const std::string& s)
    : lock_highest(
          fmt::format("SELECT persistence_id, sequence_nr FROM {}.highest WHERE "
                      "persistence_id = ANY($1::text[]) ORDER BY persistence_id FOR UPDATE",
                      s)),
      insert_events(
          fmt::format("INSERT INTO {}.events (persistence_id, {}) VALUES ", s, event_columns)),
      upsert_highest_head(
          fmt::format("INSERT INTO {}.highest (persistence_id, sequence_nr) VALUES ", s)),
      upsert_highest_tail(
          " ON CONFLICT (persistence_id) DO UPDATE SET sequence_nr = EXCLUDED.sequence_nr"),
      replay(fmt::format("SELECT {} FROM {}.events WHERE persistence_id = $1 AND sequence_nr "
                         "BETWEEN $2 AND $3 ORDER BY sequence_nr LIMIT $4",
                         event_columns, s)),
      events_by_id(fmt::format("SELECT {}, ordering FROM {}.events WHERE persistence_id = $1 AND "
                               "sequence_nr BETWEEN $2 AND $3 ORDER BY sequence_nr LIMIT $4",
                               event_columns, s)),
      events_by_tag(fmt::format("SELECT {}, ordering, persistence_id FROM {}.events WHERE tags @> "
                                "ARRAY[$1::text] AND ordering > $2 ORDER BY ordering LIMIT $3",
                                event_columns, s)),
      highest(fmt::format("SELECT sequence_nr FROM {}.highest WHERE persistence_id = $1", s)),
      delete_events(
          fmt::format("DELETE FROM {}.events WHERE persistence_id = $1 AND sequence_nr <= $2", s)),
      persistence_ids(fmt::format("SELECT persistence_id FROM {}.highest WHERE persistence_id > $1 "
                                  "ORDER BY persistence_id LIMIT $2",
                                  s)),
      latest_offset(fmt::format("SELECT coalesce(max(ordering), 0) FROM {}.events", s)),
      save_snapshot(fmt::format(
          "INSERT INTO {}.snapshots (persistence_id, sequence_nr, timestamp_ms, manifest, version, "
          "payload) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (persistence_id, sequence_nr) DO "
          "UPDATE SET timestamp_ms = EXCLUDED.timestamp_ms, manifest = EXCLUDED.manifest, version "
          "= EXCLUDED.version, payload = EXCLUDED.payload",
          s)),
      load_snapshot(fmt::format(
          "SELECT sequence_nr, timestamp_ms, manifest, version, payload FROM {}.snapshots WHERE "
          "persistence_id = $1 AND sequence_nr BETWEEN $2 AND $3 ORDER BY sequence_nr DESC LIMIT 1",
          s)),
      remove_snapshots(fmt::format("DELETE FROM {}.snapshots WHERE persistence_id = $1 AND "
                                   "sequence_nr BETWEEN $2 AND $3",
                                   s)),
      get_state(fmt::format("SELECT revision, manifest, version, payload, tag, deleted FROM "
                            "{}.durable_state WHERE persistence_id = $1",
                            s)),
      lock_state(fmt::format(
          "SELECT revision FROM {}.durable_state WHERE persistence_id = $1 FOR UPDATE", s)),
      upsert_state(fmt::format(
          "INSERT INTO {0}.durable_state (persistence_id, revision, manifest, version, payload, "
          "tag, deleted) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (persistence_id) DO "
          "UPDATE SET revision = EXCLUDED.revision, manifest = EXCLUDED.manifest, version = "
          "EXCLUDED.version, payload = EXCLUDED.payload, tag = EXCLUDED.tag, deleted = "
          "EXCLUDED.deleted WHERE {0}.durable_state.revision = EXCLUDED.revision - 1",
          s)) {
}

}  // namespace orrery::persistence::postgres
