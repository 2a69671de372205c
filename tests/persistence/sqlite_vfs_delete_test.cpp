// A file the EnvVfs deletes stays deleted through a crash: SQLite deletes the WAL when its last
// connection closes without asking for a directory sync, and a crash that brought the old WAL
// back would replay its frames over a database that moved on (the persist scenario, seed 30,
// ended with a file failing integrity_check that way).
#include <catch2/catch.hpp>

#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>
#include <orrery/testkit/seeds.hpp>

#include "sqlite_test_support.hpp"
#include "sqlite_workload.hpp"

namespace orrery::persistence::sqlite::test {
namespace {

TEST_CASE("the WAL that SQLite deletes on close does not come back after a crash",
          "[sqlite][crash][sim]") {
  for (std::uint64_t seed : test_seeds(20, 300)) {
    ORRERY_SEED_INFO(seed);
    sim::World world(seed);
    sim::Node& node = world.add_node("a", {.remoting = false});
    auto vfs = make_vfs(EnvVfs::vfs_name("a", "deleted.db"), VfsEnv::from(node.env()));
    const WorkloadResult run = run_workload(*vfs, "deleted.db", 0, 5, 100);
    REQUIRE_FALSE(run.failure);
    {
      // Opened and closed again after the workload's connection closed: the checkpoint on open
      // leaves a WAL, and this close deletes it.
      auto database = open_database(*vfs, "deleted.db", workload_options());
      REQUIRE(database->exec("INSERT INTO rows VALUES (99, 0, 'x')").ok());
    }
    REQUIRE_FALSE(node.disk().exists("deleted.db-wal").value());
    node.disk().crash();
    CHECK_FALSE(node.disk().exists("deleted.db-wal").value());
    auto database = open_database(*vfs, "deleted.db", workload_options());
    CHECK(query_one(*database, "PRAGMA integrity_check") == "ok");
    CHECK(query_one(*database, "SELECT count(*) FROM rows WHERE txn = 99") == "1");
  }
}

}  // namespace
}  // namespace orrery::persistence::sqlite::test
