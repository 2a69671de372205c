// The SQLite store's query side: events by tag in offset order, persistence ids in sorted
// order, and the newest offset. Each sees committed transactions only (the one connection runs
// them between transactions).
#include <algorithm>
#include <limits>

#include "store_core.hpp"

namespace orrery::persistence::sqlite {

namespace {

std::int64_t limit_of(std::uint64_t max) {
  return static_cast<std::int64_t>(
      std::min<std::uint64_t>(max, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace

Result<std::vector<EventEnvelope>> StoreCore::events_by_tag(const std::string& tag, Offset after,
                                                            std::uint64_t max) {
  if (Status ready = usable(); !ready.ok()) return ready.error();
  auto rows = statement(
      "SELECT e.ordering, e.persistence_id, e.sequence_nr, e.manifest, e.version, e.payload, "
      "e.timestamp_ms, e.writer, e.tags FROM event_tags t JOIN events e ON e.ordering = "
      "t.ordering WHERE t.tag = ?1 AND t.ordering > ?2 ORDER BY t.ordering LIMIT ?3");
  if (!rows.ok()) return rows.error();
  Statement& query = **rows;
  Status status = query.bind_text(1, tag);
  if (status.ok()) status = query.bind(2, after);
  if (status.ok()) status = query.bind(3, limit_of(max));
  if (!status.ok()) return status.error();
  return collect(query, nullptr, 0);
}

Result<std::vector<std::string>> StoreCore::persistence_ids(const std::string& after,
                                                            std::uint64_t max) {
  if (Status ready = usable(); !ready.ok()) return ready.error();
  auto rows = statement(
      "SELECT persistence_id FROM highest WHERE persistence_id > ?1 ORDER BY persistence_id "
      "LIMIT ?2");
  if (!rows.ok()) return rows.error();
  Statement& query = **rows;
  Status status = query.bind_text(1, after);
  if (status.ok()) status = query.bind(2, limit_of(max));
  if (!status.ok()) return status.error();
  std::vector<std::string> ids;
  while (true) {
    auto row = query.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    ids.emplace_back(query.column_text(0));
  }
  query.reset();
  return ids;
}

Result<Offset> StoreCore::latest_offset() {
  if (Status ready = usable(); !ready.ok()) return ready.error();
  // AUTOINCREMENT's counter: the newest offset ever given, even when its event was deleted.
  auto rows = statement("SELECT seq FROM sqlite_sequence WHERE name = 'events'");
  if (!rows.ok()) return rows.error();
  auto row = (*rows)->step();
  if (!row.ok()) return row.error();
  const Offset latest = *row ? (*rows)->column_int64(0) : 0;
  (*rows)->reset();
  return latest;
}

}  // namespace orrery::persistence::sqlite
