// SQLite through the EnvVfs on SimDisk, crashed at every kind of point: inside a write, before
// or after a sync, in a checkpoint, while a WAL restarts. Each crash loses or tears the unsynced
// writes (per the seed); after it, every transaction whose COMMIT returned (synchronous=FULL) is
// there whole, nothing else is but the one in flight, and the files, written out to real files,
// pass plain sqlite3's integrity check.
#include <catch2/catch.hpp>

#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>
#include <orrery/testkit/seeds.hpp>

#include "crashing_storage.hpp"
#include "sqlite_test_support.hpp"
#include "sqlite_workload.hpp"

namespace orrery::persistence::sqlite::test {
namespace {

constexpr std::int64_t transactions = 40;
// A run of the workload makes about this many Storage calls; crash points are drawn below it.
constexpr std::int64_t operations_max = 1000;

struct CrashOutcome {
  bool crashed_inside = false;
  std::size_t acknowledged = 0;
};

CrashOutcome crash_once(std::uint64_t seed) {
  sim::World world(seed);
  sim::Node& node = world.add_node("a", {.remoting = false});
  SeededRandom draw(world.derive_seed("crash point"));
  const auto crash_at = static_cast<std::uint64_t>(uniform_int(draw, 1, operations_max));
  INFO("crash at storage operation " << crash_at);
  CrashingStorage crashing(node.env().storage, crash_at, [&] { node.disk().crash(); });
  VfsEnv env = VfsEnv::from(node.env());
  env.storage = crashing;
  WorkloadResult run;
  {
    auto vfs =
        make_vfs(EnvVfs::vfs_name("a", "crash.db"), {crashing, env.clock, env.random, env.log});
    run = run_workload(*vfs, "crash.db", 0, transactions);
  }
  const bool crashed_inside = crashing.crashed();
  // No fault but the crash: nothing fails before it (a crash in the final close fails nothing).
  if (run.failure) REQUIRE(crashed_inside);
  if (!crashed_inside) node.disk().crash();  // crash after the last commit instead
  // Restart on the same disk: a new VFS of the same owner, over what survived.
  auto vfs = make_vfs(EnvVfs::vfs_name("a", "crash.db"), VfsEnv::from(node.env()));
  {
    auto database = open_database(*vfs, "crash.db", workload_options());
    check_recovered(*database, run);
  }
  // What the disk holds after recovery, written out, is a sound SQLite database for any tool.
  TempDir exported;
  for (const std::string& path : export_disk(node.disk(), exported.path())) {
    if (path.ends_with("-wal") || path.ends_with("-journal")) continue;
    INFO(path);
    CHECK(plain_integrity_check(exported.path() / path) == "ok");
  }
  return {crashed_inside, run.acknowledged.size()};
}

TEST_CASE("a crash at any storage operation loses no acknowledged SQLite commit",
          "[sqlite][crash][sim]") {
  int inside = 0;
  int partway = 0;
  for (std::uint64_t seed : test_seeds(60)) {
    ORRERY_SEED_INFO(seed);
    const CrashOutcome outcome = crash_once(seed);
    if (outcome.crashed_inside) ++inside;
    if (outcome.acknowledged > 0 && outcome.acknowledged < transactions) ++partway;
  }
  if (test_seeds(60).size() > 1) {
    CHECK(inside > 45);   // the crash points really land inside the run...
    CHECK(partway > 40);  // ...and after some commits but before others
  }
}

/// The files a crash leaves, before any recovery, are themselves sound for plain sqlite3 (it
/// replays the WAL as our VFS would).
TEST_CASE("the files a crash leaves on SimDisk open with plain sqlite3 and pass integrity_check",
          "[sqlite][crash][sim]") {
  for (std::uint64_t seed : test_seeds(30, 1000)) {
    ORRERY_SEED_INFO(seed);
    sim::World world(seed);
    sim::Node& node = world.add_node("a", {.remoting = false});
    SeededRandom draw(world.derive_seed("crash point"));
    const auto crash_at = static_cast<std::uint64_t>(uniform_int(draw, 1, operations_max));
    CrashingStorage crashing(node.env().storage, crash_at, [&] { node.disk().crash(); });
    VfsEnv env = VfsEnv::from(node.env());
    WorkloadResult run;
    {
      auto vfs = make_vfs("orrery:a:raw.db", {crashing, env.clock, env.random, env.log});
      run = run_workload(*vfs, "raw.db", 0, transactions);
    }
    if (!crashing.crashed()) node.disk().crash();
    TempDir exported;
    export_disk(node.disk(), exported.path());
    if (!std::filesystem::exists(exported.path() / "raw.db")) {
      CHECK(run.acknowledged.empty());
      continue;
    }
    CHECK(plain_integrity_check(exported.path() / "raw.db") == "ok");
  }
}

}  // namespace
}  // namespace orrery::persistence::sqlite::test
