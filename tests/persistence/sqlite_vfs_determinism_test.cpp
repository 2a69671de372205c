// SQLite's process-wide state (its PRNG above all, which picks WAL salts) must not leak between
// runs: the same simulated scenario twice in one process writes the same bytes and gives the
// same trace hash, whatever SQLite did in between (another thread drawing from its PRNG too).
// Both for SQLite under the EnvVfs and for the SqliteStore crashed mid-write and restarted.
#include <map>
#include <thread>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <orrery/persistence/sqlite_store.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>

#include "crashing_storage.hpp"
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

struct CrashImage {
  std::map<std::string, std::string> crashed_files;  // what the crash left (WAL salts included)
  std::map<std::string, std::string> files;          // after the restart, its replay and close
  std::uint64_t trace_hash = 0;
  std::uint64_t crash_at = 0;
  std::vector<std::string> recovered;  // every entity's events after the restart, in order
};

std::map<std::string, std::string> disk_files(sim::SimDisk& disk) {
  std::map<std::string, std::string> files;
  auto paths = disk.list("");
  REQUIRE(paths.ok());
  for (const std::string& path : *paths)
    files[path] = disk.contents(path).value();
  return files;
}

AtomicWrite crash_write(int entity, SequenceNr first, std::uint64_t word) {
  AtomicWrite write{"e" + std::to_string(entity), {}};
  for (SequenceNr nr = first; nr < first + 2; ++nr) {
    PersistentEvent event;
    event.persistence_id = write.persistence_id;
    event.sequence_nr = nr;
    event.manifest = "test.Event";
    event.payload = std::string(static_cast<std::size_t>(word % 900 + 1), 'p');
    event.tags = {"all"};
    write.events.push_back(std::move(event));
  }
  return write;
}

/// A SqliteStore on a node whose disk crashes at a storage operation drawn from the seed, in
/// rounds of grouped writes; then a restart on the same disk and a replay of every entity.
CrashImage run_store_crash(std::uint64_t seed) {
  constexpr int entities = 4;
  sim::World world(seed);
  sim::Node& node = world.add_node("node", {.remoting = false});
  CrashImage image;
  image.crash_at = static_cast<std::uint64_t>(uniform_int(node.env().random, 40, 400));
  CrashingStorage crashing(node.env().storage, image.crash_at, [&] { node.disk().crash(); });
  Env& real = node.env();
  Env env{real.clock,     real.timers, real.executor, real.random,
          real.transport, crashing,    real.log,      real.buggify};
  std::vector<SequenceNr> next(entities, 1);
  if (auto store = SqliteStore::open(env, {.wal_autocheckpoint_pages = 8}); store.ok()) {
    for (int round = 0; round < 40 && !crashing.crashed(); ++round) {
      std::vector<Future<Done>> writes;
      for (int entity = 0; entity < entities; ++entity)
        writes.push_back((*store)->write(crash_write(entity, next[entity], real.random.next())));
      REQUIRE(world.await(
          [&] {
            return std::all_of(writes.begin(), writes.end(), [](auto& w) { return w.ready(); });
          },
          60s));
      for (int entity = 0; entity < entities; ++entity)
        next[entity] += writes[entity].take().ok() ? 2 : 0;
    }
  }
  if (!crashing.crashed()) node.disk().crash();  // the rounds ended first: crash after them
  image.crashed_files = disk_files(node.disk());
  auto store = SqliteStore::open(real, {.wal_autocheckpoint_pages = 8});
  if (!store.ok()) FAIL(store.error().message);
  for (int entity = 0; entity < entities; ++entity) {
    auto replay = (*store)->replay("e" + std::to_string(entity), 1, max_sequence_nr, 1000);
    REQUIRE(world.await([&] { return replay.ready(); }, 60s));
    auto events = replay.take();
    if (!events.ok()) FAIL(events.error().message);
    std::string line;
    for (const PersistentEvent& event : *events)
      line += std::to_string(event.sequence_nr) + ":" + std::to_string(event.payload.size()) + " ";
    image.recovered.push_back(std::move(line));
  }
  store->reset();
  image.files = disk_files(node.disk());
  image.trace_hash = world.trace().hash();
  return image;
}

TEST_CASE("the same SqliteStore crash twice in one process gives the same files, events and trace",
          "[sqlite][determinism][crash][sim]") {
  for (std::uint64_t seed : {7ULL, 8ULL, 9ULL}) {
    INFO("seed " << seed);
    const CrashImage first = run_store_crash(seed);
    // What an earlier run, another library or another node's thread leaves in SQLite's PRNG.
    disturb_sqlite();
    std::thread other([] { disturb_sqlite(); });
    other.join();
    const CrashImage second = run_store_crash(seed);
    CHECK(first.crash_at == second.crash_at);
    CHECK(first.recovered == second.recovered);
    CHECK(first.crashed_files == second.crashed_files);
    CHECK(first.files == second.files);
    CHECK(first.trace_hash == second.trace_hash);
  }
  CHECK(run_store_crash(10).crashed_files != run_store_crash(11).crashed_files);
}

}  // namespace
}  // namespace orrery::persistence::sqlite::test
