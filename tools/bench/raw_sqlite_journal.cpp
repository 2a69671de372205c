// journal.persist's peer: the sqlite3 C API on one thread, committing ours' rows in ours'
// transactions (the group-commit sizes ours' store reported), in a fresh file with ours' schema
// and pragmas.
#include <chrono>
#include <vector>

#include <orrery/core/assert.hpp>

#include "bench_env.hpp"
#include "measure.hpp"
#include "persist_workloads.hpp"
#include "raw_sqlite.hpp"

namespace orrery::bench::raw_sqlite {

namespace {

struct Entity {
  std::string id;
  std::string writer;
  std::int64_t sequence_nr = 0;
};

/// Ours' writer for entity 0, with entity i's id in it (they differ only there).
std::string writer_of(const JournalRecord& record, std::uint32_t index) {
  std::string writer = record.writer;
  const std::string first = entity_id(0);
  const std::size_t at = writer.find(first);
  ORRERY_ASSERT(at != std::string::npos, "ours' writer names its entity");
  return writer.replace(at, first.size(), entity_id(index));
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void bind_text(sqlite3_stmt* statement, int column, const std::string& text) {
  sqlite3_bind_text(statement, column, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

/// The statements a write runs: ours' insert and highest upsert (SqliteStore's text), and with
/// checks ours' savepoint and read of the highest sequence number.
struct WriteStatements {
  explicit WriteStatements(Connection& c)
      : insert(c,
               "INSERT INTO events(persistence_id, sequence_nr, manifest, version, payload, "
               "timestamp_ms, writer, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        keep(c,
             "INSERT INTO highest(persistence_id, sequence_nr) VALUES (?1, ?2) "
             "ON CONFLICT(persistence_id) DO UPDATE SET sequence_nr = excluded.sequence_nr"),
        highest(c, "SELECT sequence_nr FROM highest WHERE persistence_id = ?1"),
        savepoint(c, "SAVEPOINT write"),
        release(c, "RELEASE write") {}
  Statement insert, keep, highest, savepoint, release;
};

void write_one(Connection& c, WriteStatements& s, const JournalRecord& record, Entity& entity,
               bool checks) {
  if (checks) {
    s.savepoint.run();
    bind_text(s.highest.get(), 1, entity.id);
    const int rc = s.highest.step();
    c.check(rc, "reading the highest sequence number", SQLITE_ROW, SQLITE_DONE);
    const std::int64_t stored = rc == SQLITE_ROW ? sqlite3_column_int64(s.highest.get(), 0) : 0;
    ORRERY_ASSERT(stored == entity.sequence_nr, "the peer's entity follows its highest");
    s.highest.reset();
  }
  ++entity.sequence_nr;
  sqlite3_stmt* row = s.insert.get();
  bind_text(row, 1, entity.id);
  sqlite3_bind_int64(row, 2, entity.sequence_nr);
  bind_text(row, 3, record.manifest);
  sqlite3_bind_int64(row, 4, record.version);
  sqlite3_bind_blob(row, 5, record.payload.data(), static_cast<int>(record.payload.size()),
                    SQLITE_STATIC);
  sqlite3_bind_int64(row, 6, wall_ms());
  bind_text(row, 7, entity.writer);
  sqlite3_bind_blob(row, 8, "", 0, SQLITE_STATIC);  // no tags: encode_tags({}) is empty
  s.insert.run();
  bind_text(s.keep.get(), 1, entity.id);
  sqlite3_bind_int64(s.keep.get(), 2, entity.sequence_nr);
  s.keep.run();
  if (checks) s.release.run();
}

}  // namespace

PeerFigures journal_persist(const JournalSpec& spec, const JournalRecord& record, bool checks) {
  ORRERY_ASSERT(!record.transactions_by_writes.empty(), "the peer replays ours' transactions");
  const ScratchDirectory directory;
  Connection c(directory.path() + "/journal.db", spec.synchronous_full);
  create_schema(c, record);
  std::vector<Entity> entities(spec.actors);
  for (std::uint32_t i = 0; i < spec.actors; ++i)
    entities[i] = Entity{entity_id(i), writer_of(record, i), 0};
  WriteStatements statements(c);
  Statement begin(c, "BEGIN IMMEDIATE");
  Statement commit(c, "COMMIT");
  // Ours' batches held writes of distinct entities (each waits for its ack before the next):
  // taking entities round robin does the same, and every entity ends with its quota.
  std::uint32_t next = 0;
  std::uint64_t written = 0;
  const double cpu_before = process_cpu_seconds();
  const Stopwatch stopwatch;
  for (const auto& [size, transactions] : record.transactions_by_writes) {
    ORRERY_ASSERT(size <= spec.actors, "a batch holds one write per entity at most");
    for (std::uint64_t t = 0; t < transactions; ++t) {
      begin.run();
      for (std::uint64_t w = 0; w < size; ++w) {
        write_one(c, statements, record, entities[next], checks);
        next = next + 1 == spec.actors ? 0 : next + 1;
      }
      commit.run();
      written += size;
    }
  }
  const double seconds = stopwatch.elapsed_s();
  const double cpu_seconds = process_cpu_seconds() - cpu_before;
  const std::uint64_t events = std::uint64_t{spec.actors} * spec.events_per_actor;
  ORRERY_ASSERT(written == events, "the peer wrote as many events as ours");
  ORRERY_ASSERT(c.query_int64("SELECT count(*) FROM events") == static_cast<std::int64_t>(events),
                "the peer's file holds every event");
  return PeerFigures{static_cast<double>(events) / seconds,
                     cpu_seconds * 1e6 / static_cast<double>(events)};
}

}  // namespace orrery::bench::raw_sqlite
