// Files that are not ours: random bytes, a database cut short, another program's SQLite
// database, one from a newer schema version. Opening each is a clear error naming the file, and
// nothing in it is overwritten.
#include <catch2/catch.hpp>

#include <orrery/env/random.hpp>

#include "sqlite_test_support.hpp"

namespace orrery::persistence::sqlite::test {
namespace {

constexpr std::int32_t our_application_id = 0x4f525259;

DatabaseOptions ours(std::int32_t version = 1) {
  return DatabaseOptions{.application_id = our_application_id, .schema_version = version};
}

/// A database of ours, `rows` rows of 1 KiB, closed.
void make_database(EnvVfs& vfs, const std::string& path, int rows) {
  auto database = open_database(vfs, path, ours());
  REQUIRE(database->exec("BEGIN").ok());
  REQUIRE(database->write_schema_version(1).ok());
  REQUIRE(database->exec("CREATE TABLE t(x BLOB)").ok());
  REQUIRE(database
              ->exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                     std::to_string(rows) + ") INSERT INTO t SELECT randomblob(1024) FROM n")
              .ok());
  REQUIRE(database->exec("COMMIT").ok());
}

Error open_fails(EnvVfs& vfs, const std::string& path, DatabaseOptions options) {
  auto database = Database::open(vfs, path, options);
  REQUIRE_FALSE(database.ok());
  CHECK_THAT(database.error().message, Catch::Contains(path));
  return database.error();
}

TEST_CASE("a file of random bytes is refused as corrupt and left as it was", "[sqlite][corrupt]") {
  PosixParts parts;
  auto vfs = make_vfs("orrery:test:random-bytes", parts.vfs_env());
  SeededRandom random(3);
  std::string garbage(3 * 4096, '\0');
  for (char& c : garbage)
    c = static_cast<char>(random.next());
  write_file(parts.dir.path() / "noise.db", garbage);
  const Error error = open_fails(*vfs, "noise.db", ours());
  CHECK(error.code == Errc::corrupt);
  CHECK(read_file(parts.dir.path() / "noise.db") == garbage);
  CHECK_FALSE(std::filesystem::exists(parts.dir.path() / "noise.db-wal"));
}

TEST_CASE("a database cut short is refused as corrupt and left as it was", "[sqlite][corrupt]") {
  PosixParts parts;
  auto vfs = make_vfs("orrery:test:truncated", parts.vfs_env());
  make_database(*vfs, "cut.db", 300);
  const std::string whole = read_file(parts.dir.path() / "cut.db");
  REQUIRE(whole.size() > 100 * 4096);
  for (std::size_t keep : {std::size_t{50}, std::size_t{4096}, whole.size() / 2}) {
    INFO("kept " << keep << " of " << whole.size() << " bytes");
    const std::string cut = whole.substr(0, keep);
    write_file(parts.dir.path() / "cut.db", cut);
    const Error error = open_fails(*vfs, "cut.db", ours());
    CHECK(error.code == Errc::corrupt);
    CHECK(read_file(parts.dir.path() / "cut.db") == cut);
  }
}

TEST_CASE("another program's SQLite database is refused as foreign and left as it was",
          "[sqlite][corrupt]") {
  PosixParts parts;
  auto vfs = make_vfs("orrery:test:foreign", parts.vfs_env());
  {
    auto other = open_database(*vfs, "other.db");  // no application id: any program
    REQUIRE(other->exec("CREATE TABLE photos(id INTEGER PRIMARY KEY, name TEXT)").ok());
    REQUIRE(other->exec("INSERT INTO photos(name) VALUES ('cat.jpg')").ok());
  }
  const std::string before = read_file(parts.dir.path() / "other.db");
  const Error error = open_fails(*vfs, "other.db", ours());
  CHECK(error.code == Errc::corrupt);
  CHECK_THAT(error.message, Catch::Contains("another program"));
  CHECK(read_file(parts.dir.path() / "other.db") == before);
}

TEST_CASE("a database written by a newer schema version is refused", "[sqlite][corrupt]") {
  PosixParts parts;
  auto vfs = make_vfs("orrery:test:newer", parts.vfs_env());
  {
    auto database = open_database(*vfs, "newer.db", ours(5));
    REQUIRE(database->exec("BEGIN; CREATE TABLE t(x)").ok());
    REQUIRE(database->write_schema_version(5).ok());
    REQUIRE(database->exec("COMMIT").ok());
  }
  const std::string before = read_file(parts.dir.path() / "newer.db");
  const Error error = open_fails(*vfs, "newer.db", ours(4));
  CHECK(error.code == Errc::unsupported);
  CHECK_THAT(error.message, Catch::Contains("newer schema version (5"));
  CHECK(read_file(parts.dir.path() / "newer.db") == before);
  // The build that wrote it still opens it.
  auto database = open_database(*vfs, "newer.db", ours(5));
  CHECK(database->stored_schema_version() == 5);
}

TEST_CASE("a missing database is not_found when creation is off", "[sqlite][corrupt]") {
  PosixParts parts;
  auto vfs = make_vfs("orrery:test:missing", parts.vfs_env());
  DatabaseOptions options = ours();
  options.create = false;
  const Error error = open_fails(*vfs, "missing.db", options);
  CHECK(error.code == Errc::not_found);
}

}  // namespace
}  // namespace orrery::persistence::sqlite::test
