#pragma once
// The persistence workloads, each written twice: on Orrery (persist_*.cpp: EventSourcedBehavior
// over SqliteStore or PostgresStore on the production Env, or in the simulator) and raw
// (raw_sqlite_*.cpp, raw_libpq_*.cpp: the C APIs on one thread). Ours runs first and leaves a
// JournalRecord: the group-commit sizes its store made, the rows it wrote and the schema it
// created, so that the peer commits exactly those rows in exactly those transactions.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace orrery::bench {

class ScratchDirectory;

/// journal.persist and its variants: `actors` persistent actors, each persisting
/// `events_per_actor` events of `payload_bytes` one at a time, waiting for each ack.
struct JournalSpec {
  std::uint32_t actors = 1000;
  std::uint32_t events_per_actor = 100;
  std::uint32_t payload_bytes = 100;
  /// SQLite only: synchronous=FULL (true) or NORMAL.
  bool synchronous_full = true;
};

/// What ours' run leaves for the peer's, read back from what ours wrote (after ours' run).
struct JournalRecord {
  /// Writes per committed transaction -> how many transactions (the store's stats()).
  std::map<std::uint64_t, std::uint64_t> transactions_by_writes;
  /// One row as ours stored it (entity 0, event 1): the peer's rows copy it.
  std::string manifest;
  std::int64_t version = 1;
  std::string payload;
  std::string writer;
  /// SQLite: the CREATE statements of ours' file, application_id and user_version.
  std::string schema_sql;
  std::int64_t application_id = 0;
  std::int64_t user_version = 0;
  std::uint64_t events = 0;
};

/// The persistence id of entity `index` (fixed width, so every row has the same size).
std::string entity_id(std::uint32_t index);

/// One persist run's figures beside its events per second.
struct PersistFigures {
  double events_per_s = 0;
  double latency_p50_s = 0;
  double latency_p99_s = 0;
  /// One fdatasync (median of a few) of an appended page in the same directory, same run.
  double fdatasync_s = 0;
  std::uint64_t transactions = 0;
  /// Process CPU time (every thread) in the span, per event.
  double cpu_us_per_event = 0;
};

/// A peer's figures: its rate, and its CPU time per event in the span.
struct PeerFigures {
  double events_per_s = 0;
  double cpu_us_per_event = 0;
};

/// The median duration of `count` appends of a 4 KiB page to a fresh file in `directory`, each
/// followed by fdatasync (what a WAL commit costs the disk), in seconds.
double fdatasync_seconds(const std::string& directory, std::uint32_t count);

/// A text summary of group-commit sizes: transactions, mean and largest writes per transaction.
std::string describe_batches(const std::map<std::uint64_t, std::uint64_t>& transactions_by_writes);

namespace ours {
/// journal.persist(.relaxed): SqliteStore (WAL) in a scratch directory; fills `record`.
PersistFigures journal_persist(const JournalSpec& spec, JournalRecord& record);
/// journal.postgres: PostgresStore on the bench's local server; fills `record` (no schema_sql).
PersistFigures journal_postgres(const JournalSpec& spec, JournalRecord& record);
}  // namespace ours

namespace raw_sqlite {
/// The same rows in the same transactions through the sqlite3 C API, same schema and pragmas.
/// With `checks`, also what ours does per write (a savepoint, reading the highest sequence
/// number): an aside that shows what those cost. Events per second.
PeerFigures journal_persist(const JournalSpec& spec, const JournalRecord& record, bool checks);
}  // namespace raw_sqlite

namespace raw_libpq {
/// The same rows in the same transactions through libpq, with the statements PostgresStore
/// sends (one PQexecParams round trip each). Events per second.
PeerFigures journal_persist(const JournalSpec& spec, const JournalRecord& record);
}  // namespace raw_libpq

/// journal.replay's file: one entity (entity_id(0)) with `events` events of ours' Blob, written
/// once through SqliteStore and read by both sides. Removed with the object.
class ReplayFixture {
 public:
  explicit ReplayFixture(std::uint64_t events);
  ~ReplayFixture();
  ReplayFixture(const ReplayFixture&) = delete;
  ReplayFixture& operator=(const ReplayFixture&) = delete;
  /// The storage root holding "journal.db".
  const std::string& directory() const noexcept;
  std::string file() const { return directory() + "/journal.db"; }
  std::uint64_t events() const noexcept { return events_; }

 private:
  std::unique_ptr<ScratchDirectory> directory_;
  std::uint64_t events_;
};

/// Events per recovery page, ours' default (recovery_page) and the peer's page size.
inline constexpr std::uint64_t replay_page_events = 1000;

namespace ours {
/// journal.replay: events per second of one entity's recovery from `fixture`.
double journal_replay(const ReplayFixture& fixture);
/// persist.bytes: resident bytes per idle persistent entity recovered (one event each), and
/// live heap bytes per entity.
struct ActorBytes {
  double resident = 0;
  double heap = 0;
};
ActorBytes persistent_actor_bytes(std::uint32_t entities);
/// persist.bytes' peer: the same for a plain actor holding the same int64 state.
ActorBytes plain_actor_bytes(std::uint32_t actors);
}  // namespace ours

namespace raw_sqlite {
/// journal.replay's peer: the same rows, read in ours' pages with ours' query, decoded into the
/// same PersistentEvent columns. Events per second.
double journal_replay(const ReplayFixture& fixture);
}  // namespace raw_sqlite

namespace simulated {
/// sim.persist: `entities` persistent entities spread over `nodes` simulated nodes, each
/// persisting a `payload_bytes` event every `interval` (simulated), SqliteStore on each node's
/// SimDisk, under a generated fault plan (crashes, pauses, clock faults) over `span`.
struct SimPersistSpec {
  std::uint64_t seed = 11;
  std::uint32_t nodes = 3;
  std::uint32_t entities = 100;
  std::uint32_t payload_bytes = 100;
  std::chrono::nanoseconds interval = std::chrono::milliseconds(100);
  std::chrono::nanoseconds span = std::chrono::seconds(60);
  std::chrono::nanoseconds disk_latency_min = std::chrono::microseconds(20);
  std::chrono::nanoseconds disk_latency_max = std::chrono::microseconds(200);
};
struct SimPersistFigures {
  double events_per_wall_s = 0;
  /// Simulated seconds per wall second.
  double sim_per_wall = 0;
  std::uint64_t events = 0;  // acknowledged in the span
  std::uint64_t steps = 0;   // the world's events (callbacks) in the span
  std::uint64_t restarts = 0;
  double cpu_us_per_event = 0;  // the process's CPU time in the span
};
SimPersistFigures persist_under_faults(const SimPersistSpec& spec);
}  // namespace simulated

/// Why journal.postgres cannot run here (no server binaries), or empty when it can.
std::string postgres_unavailable();

}  // namespace orrery::bench
