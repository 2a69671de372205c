// The session's connect and schema check. The tables, in the options' schema:
//   schema_version(version)                 the layout this schema holds; one row
//   events(ordering, persistence_id, sequence_nr, manifest, version, payload, tags, timestamp_ms,
//          writer)                          ordering is the global offset (an identity column)
//   highest(persistence_id, sequence_nr)    survives deletes of the events
//   snapshots(persistence_id, sequence_nr, timestamp_ms, manifest, version, payload)
//   durable_state(persistence_id, revision, manifest, version, payload, tag, deleted)
// Text keys use the "C" collation, so that sorted means byte order, as in the other stores.

#include "pg_session.hpp"

#include <fmt/format.h>

#include <orrery/persistence/postgres_store.hpp>

namespace orrery::persistence::postgres {

namespace {

constexpr std::string_view create_tables = R"(
CREATE TABLE {0}.events (
  ordering BIGINT GENERATED ALWAYS AS IDENTITY,
  persistence_id TEXT COLLATE "C" NOT NULL,
  sequence_nr BIGINT NOT NULL,
  manifest TEXT NOT NULL,
  version BIGINT NOT NULL,
  payload BYTEA NOT NULL,
  tags TEXT[] COLLATE "C" NOT NULL,
  timestamp_ms BIGINT NOT NULL,
  writer TEXT NOT NULL,
  PRIMARY KEY (persistence_id, sequence_nr),
  UNIQUE (ordering));
CREATE INDEX events_tags ON {0}.events USING GIN (tags);
CREATE TABLE {0}.highest (
  persistence_id TEXT COLLATE "C" PRIMARY KEY,
  sequence_nr BIGINT NOT NULL);
CREATE TABLE {0}.snapshots (
  persistence_id TEXT COLLATE "C" NOT NULL,
  sequence_nr BIGINT NOT NULL,
  timestamp_ms BIGINT NOT NULL,
  manifest TEXT NOT NULL,
  version BIGINT NOT NULL,
  payload BYTEA NOT NULL,
  PRIMARY KEY (persistence_id, sequence_nr));
CREATE TABLE {0}.durable_state (
  persistence_id TEXT COLLATE "C" PRIMARY KEY,
  revision BIGINT NOT NULL,
  manifest TEXT NOT NULL,
  version BIGINT NOT NULL,
  payload BYTEA NOT NULL,
  tag TEXT NOT NULL,
  deleted BOOLEAN NOT NULL);
INSERT INTO {0}.schema_version (version) VALUES ({1});
)";

}  // namespace

Session::Session(std::string conninfo, std::string schema, LogSink& log)
    : conninfo_(std::move(conninfo)), schema_(std::move(schema)), log_(log) {
}

Result<PgConnection*> Session::connection() {
  if (refused_) return *refused_;
  if (connection_ && !connection_->broken()) return connection_.get();
  connection_.reset();
  auto connected = PgConnection::connect(conninfo_, log_);
  if (!connected) return connected.error();
  auto checked = ensure_schema(*connected.value());
  if (!checked) {
    if (checked.error().code == Errc::unsupported) refused_ = checked.error();
    return checked.error();
  }
  connection_ = std::move(connected.value());
  return connection_.get();
}

Status Session::ensure_schema(PgConnection& c) {
  // The advisory lock serializes stores that open one schema at the same time, so that one
  // creates it and the others find it made.
  const std::string prepare = fmt::format(
      "BEGIN; SELECT pg_advisory_xact_lock(hashtext('orrery.{0}')); "
      "CREATE SCHEMA IF NOT EXISTS {0}; "
      "CREATE TABLE IF NOT EXISTS {0}.schema_version (version INTEGER NOT NULL)",
      schema_);
  if (auto begun = c.script(prepare); !begun) {
    (void)c.script("ROLLBACK");
    return begun.error();
  }
  auto found = c.exec(fmt::format("SELECT max(version) FROM {}.schema_version", schema_));
  if (!found) {
    (void)c.run("ROLLBACK");
    return found.error();
  }
  if (found.value().null(0, 0)) {
    if (auto made = c.script(fmt::format(create_tables, schema_, postgres_schema_version)); !made) {
      (void)c.run("ROLLBACK");
      return made.error();
    }
  } else if (const std::int64_t version = found.value().integer(0, 0);
             version > postgres_schema_version) {
    (void)c.run("ROLLBACK");
    return make_error(Errc::unsupported,
                      fmt::format("PostgreSQL schema '{}' ({}) holds schema version {}, newer than "
                                  "this build's {}: refusing to use it (upgrade Orrery, or point "
                                  "PostgresStoreOptions.schema elsewhere)",
                                  schema_, c.describe(), version, postgres_schema_version));
  }
  return c.run("COMMIT");
}

}  // namespace orrery::persistence::postgres
