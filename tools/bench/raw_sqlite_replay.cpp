// journal.replay's peer: the sqlite3 C API reading the entity's rows the way SqliteStore's
// replay does (the highest sequence number, then ours' query in pages of ours' size, every
// column decoded into a PersistentEvent, gaps checked), on one thread.
#include <vector>

#include <orrery/core/assert.hpp>
#include <orrery/persistence/persistent_event.hpp>

#include "measure.hpp"
#include "persist_workloads.hpp"
#include "raw_sqlite.hpp"

namespace orrery::bench::raw_sqlite {

namespace {

std::string text_of(sqlite3_stmt* rows, int column) {
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(rows, column));
  return std::string(bytes == nullptr ? "" : bytes,
                     static_cast<std::size_t>(sqlite3_column_bytes(rows, column)));
}

void bind_id(sqlite3_stmt* statement, const std::string& id) {
  sqlite3_bind_text(statement, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
}

}  // namespace

double journal_replay(const ReplayFixture& fixture) {
  Connection c(fixture.file(), true);
  Statement highest(c, "SELECT sequence_nr FROM highest WHERE persistence_id = ?1");
  Statement page(c,
                 "SELECT ordering, persistence_id, sequence_nr, manifest, version, payload, "
                 "timestamp_ms, writer, tags FROM events WHERE persistence_id = ?1 AND "
                 "sequence_nr BETWEEN ?2 AND ?3 ORDER BY sequence_nr LIMIT ?4");
  const std::string id = entity_id(0);
  std::uint64_t folded = 0;
  std::uint64_t payload_bytes = 0;
  const Stopwatch stopwatch;
  bind_id(highest.get(), id);
  c.check(highest.step(), "reading the highest sequence number", SQLITE_ROW);
  const std::int64_t target = sqlite3_column_int64(highest.get(), 0);
  highest.reset();
  std::int64_t reached = 0;
  std::vector<persistence::PersistentEvent> events;
  while (reached < target) {
    bind_id(page.get(), id);
    sqlite3_bind_int64(page.get(), 2, reached + 1);
    sqlite3_bind_int64(page.get(), 3, target);
    sqlite3_bind_int64(page.get(), 4, static_cast<std::int64_t>(replay_page_events));
    events.clear();
    int rc = SQLITE_ROW;
    while ((rc = page.step()) == SQLITE_ROW) {
      sqlite3_stmt* row = page.get();
      persistence::PersistentEvent event;
      event.persistence_id = text_of(row, 1);
      event.sequence_nr = sqlite3_column_int64(row, 2);
      event.manifest = text_of(row, 3);
      event.version = static_cast<std::uint32_t>(sqlite3_column_int64(row, 4));
      event.payload = text_of(row, 5);
      event.timestamp_ms = sqlite3_column_int64(row, 6);
      event.writer = text_of(row, 7);
      ORRERY_ASSERT(sqlite3_column_bytes(row, 8) == 0, "the fixture's events have no tags");
      ORRERY_ASSERT(event.sequence_nr == reached + 1 + static_cast<std::int64_t>(events.size()),
                    "the rows follow each other");
      events.push_back(std::move(event));
    }
    c.check(rc, "reading a page", SQLITE_DONE);
    page.reset();
    ORRERY_ASSERT(!events.empty(), "a page below the highest sequence number holds events");
    // The fold: what an event handler would see of each event.
    for (const persistence::PersistentEvent& event : events) {
      payload_bytes += event.payload.size();
      ++folded;
    }
    reached = events.back().sequence_nr;
  }
  const double seconds = stopwatch.elapsed_s();
  ORRERY_ASSERT(folded == fixture.events() && payload_bytes == 100 * folded,
                "the peer read every event");
  return static_cast<double>(folded) / seconds;
}

}  // namespace orrery::bench::raw_sqlite
