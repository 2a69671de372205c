// SQLite's process-wide state (its PRNG above all, which picks WAL salts) must not leak between
// runs: the same simulated scenario twice in one process writes the same bytes and gives the
// same trace hash, whatever SQLite did in between.
#include <map>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>

#include "sqlite_test_support.hpp"
#include "sqlite_workload.hpp"

namespace orrery::persistence::sqlite::test {
namespace {

using namespace std::chrono_literals;

struct RunImage {
  std::map<std::string, std::string> files;
  std::uint64_t trace_hash = 0;
};

RunImage run_scenario(std::uint64_t seed) {
  sim::World world(seed);
  sim::NodeConfig config{.disk = {.latency_min = 10us, .latency_max = 200us}, .remoting = false};
  sim::Node& node = world.add_node("a", config);
  {
    auto vfs = make_vfs(EnvVfs::vfs_name("a", "determinism.db"), VfsEnv::from(node.env()));
    const WorkloadResult first = run_workload(*vfs, "determinism.db", 0, 25, 7);
    REQUIRE_FALSE(first.failure);
    // Leave the last transactions' WAL in place (no close), crash, and recover.
    auto database = open_database(*vfs, "determinism.db", workload_options());
    REQUIRE(database->exec("INSERT INTO rows VALUES (100, 0, randomblob(3000))").ok());
    node.disk().crash();
    database.reset();
    const WorkloadResult second = run_workload(*vfs, "determinism.db", 200, 10);
    REQUIRE_FALSE(second.failure);
    database = open_database(*vfs, "determinism.db", workload_options());
    REQUIRE(database->exec("BEGIN; INSERT INTO rows VALUES (300, 0, randomblob(100))").ok());
  }
  RunImage image;
  auto paths = node.disk().list("");
  REQUIRE(paths.ok());
  for (const std::string& path : *paths)
    image.files[path] = node.disk().contents(path).value();
  image.trace_hash = world.trace().hash();
  return image;
}

void disturb_sqlite() {
  // What an earlier run, or another library in the process, may leave in SQLite's PRNG.
  unsigned char noise[97];
  sqlite3_randomness(sizeof noise, noise);
  sqlite3_randomness(0, nullptr);
  sqlite3_randomness(sizeof noise, noise);
}

TEST_CASE("the same SQLite scenario twice in one process writes the same bytes and trace",
          "[sqlite][determinism][sim]") {
  const RunImage first = run_scenario(42);
  disturb_sqlite();
  const RunImage second = run_scenario(42);
  REQUIRE(first.files.size() == second.files.size());
  for (const auto& [path, bytes] : first.files) {
    INFO(path);
    REQUIRE(second.files.count(path) == 1);
    CHECK(second.files.at(path) == bytes);
  }
  CHECK(first.trace_hash == second.trace_hash);
  // The bytes depend on the seed (WAL salts and randomblob come from the node's Random).
  const RunImage other = run_scenario(43);
  CHECK(other.files != first.files);
}

}  // namespace
}  // namespace orrery::persistence::sqlite::test
