// EnvVfs and Database on both Storages: a database written through the VFS reads back after a
// reopen, in WAL mode with exclusive locking, with time, randomness and sleep from the Env, and
// the VFS registered per owner, never the default, and gone with its owner.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>

#include "sqlite_test_support.hpp"

namespace orrery::persistence::sqlite::test {
namespace {

void write_and_read_back(EnvVfs& vfs, const std::string& path) {
  {
    auto database = open_database(vfs, path);
    CHECK(query_one(*database, "PRAGMA journal_mode") == "wal");
    CHECK(query_one(*database, "PRAGMA locking_mode") == "exclusive");
    CHECK(query_one(*database, "PRAGMA synchronous") == "2");  // FULL
    CHECK(query_one(*database, "PRAGMA temp_store") == "2");   // MEMORY
    REQUIRE(database->exec("CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB)").ok());
    auto insert = database->prepare("INSERT INTO t(body) VALUES (?1)");
    REQUIRE(insert.ok());
    for (int i = 0; i < 200; ++i) {
      REQUIRE(insert->bind_blob(1, std::string(static_cast<std::size_t>(i * 20), 'x')).ok());
      REQUIRE(insert->run().ok());
    }
  }
  CHECK(vfs.open_files() == 0);
  auto database = open_database(vfs, path);
  CHECK(query_one(*database, "SELECT count(*) FROM t") == "200");
  CHECK(query_one(*database, "SELECT sum(length(body)) FROM t") == std::to_string(20 * 199 * 100));
  CHECK(query_one(*database, "PRAGMA integrity_check") == "ok");
  CHECK(vfs.stats().syncs > 0);
  CHECK(vfs.stats().directory_syncs > 0);
  CHECK(vfs.stats().sleeps == 0);
}

TEST_CASE("a database through the EnvVfs on PosixStorage reads back after a reopen",
          "[sqlite][vfs]") {
  PosixParts parts;
  auto vfs = make_vfs("orrery:test:posix", parts.vfs_env());
  write_and_read_back(*vfs, "data/journal.db");
  // The file is a real SQLite database: plain sqlite3 reads it.
  CHECK(plain_integrity_check(parts.dir.path() / "data/journal.db") == "ok");
}

TEST_CASE("a database through the EnvVfs on a simulated node's SimDisk reads back after a reopen",
          "[sqlite][vfs][sim]") {
  sim::World world(7);
  sim::Node& node = world.add_node("a", {.remoting = false});
  auto vfs = make_vfs(EnvVfs::vfs_name("a", "journal.db"), VfsEnv::from(node.env()));
  write_and_read_back(*vfs, "journal.db");
  // Closed cleanly: the WAL was checkpointed and removed, and the file is durable.
  CHECK(node.disk().durable_contents("journal.db").has_value());
  CHECK_FALSE(node.disk().exists("journal.db-wal").value());
}

TEST_CASE("an EnvVfs is registered under its own name, never as the default, and only once",
          "[sqlite][vfs]") {
  PosixParts parts;
  sqlite3_vfs* default_before = sqlite3_vfs_find(nullptr);
  const std::string name = EnvVfs::vfs_name("orders@host:2552", "journal.db");
  CHECK(name == "orrery:orders@host:2552:journal.db");
  {
    auto vfs = make_vfs(name, parts.vfs_env());
    CHECK(sqlite3_vfs_find(name.c_str()) != nullptr);
    CHECK(sqlite3_vfs_find(nullptr) == default_before);
    auto again = EnvVfs::create(name, parts.vfs_env());
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().code == Errc::already_exists);
    CHECK_THAT(again.error().message, Catch::Contains(name));
  }
  CHECK(sqlite3_vfs_find(name.c_str()) == nullptr);
  // The name is free again for the owner's next incarnation.
  auto vfs = make_vfs(name, parts.vfs_env());
  CHECK(sqlite3_vfs_find(name.c_str()) != nullptr);
}

TEST_CASE("two worlds in one process each reach only their own node's disk", "[sqlite][vfs][sim]") {
  sim::World first(1);
  sim::World second(1);
  sim::Node& a = first.add_node("a", {.remoting = false});
  sim::Node& b = second.add_node("b", {.remoting = false});
  auto vfs_a = make_vfs(EnvVfs::vfs_name("a", "db"), VfsEnv::from(a.env()));
  auto vfs_b = make_vfs(EnvVfs::vfs_name("b", "db"), VfsEnv::from(b.env()));
  {
    auto db_a = open_database(*vfs_a, "db");
    auto db_b = open_database(*vfs_b, "db");
    REQUIRE(db_a->exec("CREATE TABLE only_in_a(x); INSERT INTO only_in_a VALUES (1)").ok());
    CHECK(query_one(*db_b, "SELECT count(*) FROM sqlite_schema") == "0");
  }
  auto db_b = open_database(*vfs_b, "db");
  CHECK(query_one(*db_b, "SELECT count(*) FROM sqlite_schema") == "0");
  CHECK(a.disk().contents("db").has_value());
  // The same owner name in another world is refused, not silently shared.
  auto clash = EnvVfs::create(EnvVfs::vfs_name("a", "db"), VfsEnv::from(b.env()));
  REQUIRE_FALSE(clash.ok());
  CHECK(clash.error().code == Errc::already_exists);
}

TEST_CASE("SQLite's time of day is the Env's wall clock", "[sqlite][vfs]") {
  PosixParts parts;
  parts.clock.set(Instant{std::chrono::seconds(1'000'000'000)});
  auto vfs = make_vfs("orrery:test:clock", parts.vfs_env());
  auto database = open_database(*vfs, "clock.db");
  CHECK(query_one(*database, "SELECT strftime('%s', 'now')") == "1000000000");
  parts.clock.set(Instant{std::chrono::seconds(2'000'000'000)});
  CHECK(query_one(*database, "SELECT strftime('%s', 'now')") == "2000000000");
}

std::string random_blob_after_open(std::uint64_t seed) {
  PosixParts parts(seed);
  auto vfs = make_vfs("orrery:test:random", parts.vfs_env());
  auto database = open_database(*vfs, "random.db");
  return query_one(*database, "SELECT hex(randomblob(16))");
}

TEST_CASE("opening a database reseeds SQLite's PRNG from the Env's Random", "[sqlite][vfs]") {
  const std::string first = random_blob_after_open(11);
  // Whatever happened in between (SQLite's own PRNG drawn on, reset to the OS's seed)...
  unsigned char noise[64];
  sqlite3_randomness(sizeof noise, noise);
  sqlite3_randomness(0, nullptr);
  sqlite3_randomness(sizeof noise, noise);
  // ...the same seed gives the same bytes, and another seed others.
  CHECK(random_blob_after_open(11) == first);
  CHECK(random_blob_after_open(12) != first);
}

TEST_CASE("a second connection to an open database is refused at once, without sleeping",
          "[sqlite][vfs]") {
  PosixParts parts;
  auto vfs = make_vfs("orrery:test:busy", parts.vfs_env());
  auto database = open_database(*vfs, "busy.db");
  REQUIRE(database->exec("CREATE TABLE t(x)").ok());
  sqlite3* second = nullptr;
  REQUIRE(sqlite3_open_v2("busy.db", &second, SQLITE_OPEN_READWRITE, vfs->name().c_str()) ==
          SQLITE_OK);
  // A busy timeout makes SQLite call xSleep between retries; the VFS returns at once.
  sqlite3_busy_timeout(second, 60'000);
  const int rc = sqlite3_exec(second, "SELECT count(*) FROM t", nullptr, nullptr, nullptr);
  CHECK(rc == SQLITE_BUSY);
  sqlite3_close_v2(second);
  CHECK(vfs->stats().sleeps > 0);
  CHECK(query_one(*database, "SELECT count(*) FROM t") == "0");
}

TEST_CASE("temporary tables and sorts stay in memory, never in Storage", "[sqlite][vfs]") {
  PosixParts parts;
  auto vfs = make_vfs("orrery:test:temp", parts.vfs_env());
  auto database = open_database(*vfs, "temp.db");
  REQUIRE(database
              ->exec("CREATE TEMP TABLE scratch(x); "
                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
                     "20000) INSERT INTO scratch SELECT randomblob(100) FROM n")
              .ok());
  CHECK(query_one(*database, "SELECT count(*) FROM (SELECT x FROM scratch ORDER BY x)") == "20000");
  auto files = parts.storage->list("");
  REQUIRE(files.ok());
  for (const std::string& file : *files) {
    CHECK((file == "temp.db" || file == "temp.db-wal"));
  }
}

}  // namespace
}  // namespace orrery::persistence::sqlite::test
