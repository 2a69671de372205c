// The integrity sweep: the crash property's world over a range of seeds, and after every crash
// (before the node restarts) every file the crash left on SimDisk, the database and its WAL,
// written out to real files and opened with plain sqlite3 (the default VFS, as an operator's
// tools would): PRAGMA integrity_check is "ok", and every event acknowledged before the crash is
// a row of the journal, with no sequence number twice. The store-level sweep in
// sqlite_vfs_crash_test.cpp does the same for raw transactions; this one crashes entities.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <orrery/testkit/seeds.hpp>

#include "crash_rig.hpp"
#include "sqlite_test_support.hpp"

namespace orrery::persistence::test {
namespace {

/// The first column of the first row of `sql` through plain sqlite3, as text (or an error).
std::string plain_query(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* handle = nullptr;
  std::string result;
  if (sqlite3_open_v2(path.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    result = std::string("open failed: ") + sqlite3_errmsg(handle);
  } else {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      result = std::string("prepare failed: ") + sqlite3_errmsg(handle);
    } else if (sqlite3_step(statement) == SQLITE_ROW) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    } else {
      result = std::string("no row: ") + sqlite3_errmsg(handle);
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close_v2(handle);
  return result;
}

struct ImageStats {
  std::uint64_t images = 0;
  std::uint64_t with_wal = 0;
  std::uint64_t acked_rows = 0;
};

/// The checks on one crash image: integrity, and the acked events' rows.
std::string check_image(CrashRig& rig, ImageStats& stats) {
  sqlite::test::TempDir exported;
  const std::vector<std::string> files =
      sqlite::test::export_disk(rig.node().disk(), exported.path());
  const std::filesystem::path db = exported.path() / CrashRig::database;
  ++stats.images;
  bool acked_any = false;
  for (const auto& [entity, sequence_nrs] : rig.seen().acked_sequence_nrs)
    acked_any = acked_any || !sequence_nrs.empty();
  if (!std::filesystem::exists(db)) return acked_any ? "acked events, but no database file" : "";
  for (const std::string& file : files)
    if (file.ends_with("-wal")) ++stats.with_wal;
  if (std::string verdict = sqlite::test::plain_integrity_check(db); verdict != "ok")
    return "integrity_check: " + verdict;
  const std::string duplicates =
      plain_query(db,
                  "SELECT count(*) FROM (SELECT 1 FROM events GROUP BY persistence_id, sequence_nr "
                  "HAVING count(*) > 1)");
  if (duplicates != "0") return "sequence numbers stored twice: " + duplicates;
  for (const auto& [entity, sequence_nrs] : rig.seen().acked_sequence_nrs) {
    if (sequence_nrs.empty()) continue;
    // Acked up to n: rows 1..n are all there (an ack implies every earlier event is durable).
    const std::int64_t n = *std::max_element(sequence_nrs.begin(), sequence_nrs.end());
    const std::string rows =
        plain_query(db, fmt::format("SELECT count(*) FROM events WHERE persistence_id = '{}' AND "
                                    "sequence_nr BETWEEN 1 AND {}",
                                    ledger::persistence_id(entity), n));
    if (rows != std::to_string(n))
      return fmt::format("{}: acked up to {}, but plain sqlite3 finds {} of those rows",
                         ledger::persistence_id(entity), n, rows);
    stats.acked_rows += static_cast<std::uint64_t>(n);
  }
  return {};
}

TEST_CASE("every crash image of the entity sweep opens with plain sqlite3, sound and with its acks",
          "[persistence][crash][integrity][sim]") {
  ImageStats stats;
  for (std::uint64_t seed : test_seeds(40, 5000)) {
    ORRERY_SEED_INFO(seed);
    CrashRig rig(seed);
    const std::string problem = rig.run([&](CrashRig& r) { return check_image(r, stats); });
    INFO(problem);
    REQUIRE(problem.empty());
  }
  INFO("images " << stats.images << ", with a WAL " << stats.with_wal << ", acked rows "
                 << stats.acked_rows);
  if (test_seeds(40).size() > 1) {
    CHECK(stats.images > 40);  // most phases end in a crash
    CHECK(stats.with_wal > 20);
    CHECK(stats.acked_rows > 500);
  }
}

}  // namespace
}  // namespace orrery::persistence::test
