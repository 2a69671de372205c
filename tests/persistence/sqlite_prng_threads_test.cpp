// SQLite's PRNG is process-wide: two nodes opening databases on two threads (production) reseed
// it while the other's connection draws from it (WAL salts, randomblob). The reseed holds
// SQLite's mutexes, so this runs clean under TSan, and every database still works.
#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "sqlite_test_support.hpp"

namespace orrery::persistence::sqlite::test {
namespace {

constexpr int opens_per_thread = 40;

/// Opens the node's database again and again, each time writing a row that draws from the PRNG.
/// No Catch assertion here: Catch is not thread-safe, so the thread only counts.
void open_repeatedly(const std::string& owner, PosixParts& parts, std::atomic<int>& failures,
                     std::atomic<int>& rows) {
  auto vfs = EnvVfs::create(EnvVfs::vfs_name(owner, "prng.db"), parts.vfs_env());
  if (!vfs.ok()) {
    ++failures;
    return;
  }
  for (int i = 0; i < opens_per_thread; ++i) {
    auto database = Database::open(**vfs, "prng.db", DatabaseOptions{});
    if (!database.ok()) {
      ++failures;
      continue;
    }
    Status status = (*database)->exec("CREATE TABLE IF NOT EXISTS t(x BLOB)");
    if (status.ok()) status = (*database)->exec("INSERT INTO t VALUES (randomblob(16))");
    if (!status.ok()) {
      ++failures;
      continue;
    }
    auto count = (*database)->prepare("SELECT count(*) FROM t");
    if (!count.ok()) {
      ++failures;
      continue;
    }
    auto row = count->step();
    if (row.ok() && *row && count->column_int64(0) == i + 1) ++rows;
  }
}

TEST_CASE("two nodes reseeding SQLite's PRNG on two threads do not race",
          "[sqlite][prng][threads]") {
  std::atomic<int> failures{0};
  std::atomic<int> rows{0};
  PosixParts one(1);
  PosixParts two(2);
  std::thread first(open_repeatedly, "node-1", std::ref(one), std::ref(failures), std::ref(rows));
  std::thread second(open_repeatedly, "node-2", std::ref(two), std::ref(failures), std::ref(rows));
  first.join();
  second.join();
  CHECK(failures.load() == 0);
  CHECK(rows.load() == 2 * opens_per_thread);
}

}  // namespace
}  // namespace orrery::persistence::sqlite::test
