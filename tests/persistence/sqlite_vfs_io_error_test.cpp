// Injected I/O errors (reads, writes, syncs) under SQLite through the EnvVfs: each surfaces as an
// error naming the file and the Storage's message, never a crash; the database reopens, and no
// acknowledged commit is lost, even across a crash after a failed sync (fsyncgate: the VFS
// refuses to go on with a file whose sync failed, and a reopen rewrites what it sees durably).
#include <catch2/catch.hpp>

#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>
#include <orrery/testkit/seeds.hpp>

#include "sqlite_test_support.hpp"
#include "sqlite_workload.hpp"

namespace orrery::persistence::sqlite::test {
namespace {

constexpr std::int64_t transactions = 60;
constexpr int attempts_max = 200;

const sim::DiskConfig faulty{
    .read_error_ppm = 2'000, .write_error_ppm = 2'000, .sync_error_ppm = 30'000};

struct Tally {
  std::uint64_t failures = 0;
  std::uint64_t sync_failures = 0;
};

void run_with_faults(std::uint64_t seed, Tally& tally) {
  sim::World world(seed);
  sim::Node& node = world.add_node("a", {.remoting = false});
  auto vfs = make_vfs(EnvVfs::vfs_name("a", "faulty.db"), VfsEnv::from(node.env()));
  std::set<std::int64_t> acknowledged;
  std::set<std::int64_t> maybe;
  std::int64_t next = 0;
  for (int attempt = 0; next < transactions && attempt < attempts_max; ++attempt) {
    node.disk().set_config(faulty);
    WorkloadResult run = run_workload(*vfs, "faulty.db", next, transactions - next);
    node.disk().set_config(sim::DiskConfig{});
    acknowledged.insert(run.acknowledged.begin(), run.acknowledged.end());
    next += static_cast<std::int64_t>(run.acknowledged.size());
    if (run.failure) {
      ++tally.failures;
      const Error& error = *run.failure;
      INFO(error.message);
      CHECK_THAT(error.message, Catch::Contains("faulty.db"));
      // An injected fault is an I/O error (a failed open of a half-written file may show as
      // corrupt only if something were wrong: it must not).
      CHECK(error.code == Errc::io_error);
      if (error.message.find("sync") != std::string::npos) ++tally.sync_failures;
      maybe.insert(*run.in_flight);
      next = *run.in_flight + 1;
    }
    CHECK(vfs->open_files() == 0);
    auto database = open_database(*vfs, "faulty.db", workload_options());
    check_recovered(*database, acknowledged, maybe);
  }
  CHECK(next >= transactions);
  // What was acknowledged is on the disk itself, not only in a cache a failed sync left behind.
  node.disk().crash();
  auto database = open_database(*vfs, "faulty.db", workload_options());
  check_recovered(*database, acknowledged, maybe);
}

TEST_CASE("injected I/O errors fail SQLite operations cleanly and lose no acknowledged commit",
          "[sqlite][io-error][sim]") {
  Tally tally;
  for (std::uint64_t seed : test_seeds(30)) {
    ORRERY_SEED_INFO(seed);
    run_with_faults(seed, tally);
  }
  if (test_seeds(30).size() > 1) {
    CHECK(tally.failures > 30);
    CHECK(tally.sync_failures > 5);
  }
}

TEST_CASE("after a failed sync the VFS refuses the file until the database is reopened",
          "[sqlite][io-error][sim]") {
  sim::World world(5);
  sim::Node& node = world.add_node("a", {.remoting = false});
  auto vfs = make_vfs(EnvVfs::vfs_name("a", "gate.db"), VfsEnv::from(node.env()));
  auto database = open_database(*vfs, "gate.db");
  REQUIRE(database->exec("CREATE TABLE t(x)").ok());
  node.disk().set_config(sim::DiskConfig{.sync_error_ppm = 1'000'000});
  const Status failed = database->exec("INSERT INTO t VALUES (1)");
  node.disk().set_config(sim::DiskConfig{});
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code == Errc::io_error);
  CHECK_THAT(failed.error().message, Catch::Contains("storage: sync gate.db-wal"));
  // The disk would sync now, but what the failed sync dropped is gone: the connection must not
  // write on top of it as if it were durable.
  const Status after = database->exec("INSERT INTO t VALUES (2)");
  REQUIRE_FALSE(after.ok());
  CHECK_THAT(after.error().message, Catch::Contains("failed sync"));
  database.reset();
  database = open_database(*vfs, "gate.db");
  REQUIRE(database->exec("INSERT INTO t VALUES (3)").ok());
  node.disk().crash();
  database.reset();
  database = open_database(*vfs, "gate.db");
  const std::string rows = query_one(*database, "SELECT group_concat(x) FROM t");
  CHECK((rows == "3" || rows == "1,3"));  // 1 was never acknowledged; 3 was
  CHECK(vfs->stats().io_errors >= 2);
}

}  // namespace
}  // namespace orrery::persistence::sqlite::test
