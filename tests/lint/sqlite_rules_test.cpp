// orrery-lint's sqlite family over planted trees: a database opened on the default VFS, and
// SQLite's process-wide state (configuration, VFS list, PRNG, heap limits, directories), are
// flagged in the libraries; a database opened over a named VFS passes, and so does an escaped
// line of the EnvVfs.

#include <catch2/catch.hpp>

#include "planted_tree.hpp"

namespace orrery::test {
namespace {

TEST_CASE("lint: SQLite databases opened on the default VFS are flagged", "[lint]") {
  PlantedTree tree;
  tree.plant("persistence/src/open.cpp", R"(#include <sqlite3.h>
void a(sqlite3** db) { sqlite3_open("x.db", db); }
void b(sqlite3** db) { sqlite3_open16(u"x.db", db); }
void c(sqlite3** db) { sqlite3_open_v2("x.db", db, SQLITE_OPEN_READWRITE, nullptr); }
void d(sqlite3** db) {
  sqlite3_open_v2("x.db", db, SQLITE_OPEN_READWRITE,
                  NULL);
}
void e(sqlite3** db, EnvVfs& vfs) {
  sqlite3_open_v2("x.db", db, SQLITE_OPEN_READWRITE, vfs.name().c_str());
}
void f(Database& database) { database.sqlite3_open("x.db", nullptr); }
)");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "persistence/src/open.cpp:2: sqlite\n"
        "persistence/src/open.cpp:3: sqlite\n"
        "persistence/src/open.cpp:4: sqlite\n"
        "persistence/src/open.cpp:6: sqlite\n");
  CHECK(run.output.starts_with(
      "persistence/src/open.cpp:2: sqlite: sqlite3_open() opens a database on the default VFS; "
      "open databases with sqlite::Database::open over an EnvVfs"));
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: SQLite's process-wide state is flagged outside an escaped line", "[lint]") {
  PlantedTree tree;
  tree.plant("runtime/src/global_sqlite.cpp", R"(#include <sqlite3.h>
void a() { sqlite3_config(SQLITE_CONFIG_SINGLETHREAD); }
void b(sqlite3_vfs* vfs) { sqlite3_vfs_register(vfs, 1); }
void c(sqlite3_vfs* vfs) { sqlite3_vfs_unregister(vfs); }
void d() { sqlite3_test_control(SQLITE_TESTCTRL_PRNG_RESET); }
void e(char* out) { sqlite3_randomness(8, out); }
void f() { sqlite3_soft_heap_limit64(1 << 20); }
void g() { sqlite3_temp_directory = nullptr; }
void h(sqlite3_vfs* vfs) {
  sqlite3_vfs_register(vfs, 0);  // orrery-lint: allow(sqlite) the EnvVfs registers itself
}
sqlite3_vfs* i(const char* name) { return sqlite3_vfs_find(name); }
void j() { sqlite3_mutex_enter(sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_APP1)); }
)");
  // In sim/ and tests, which are not held to the seam, none of it is flagged.
  tree.plant("sim/src/sqlite_ok.cpp", "void a() { sqlite3_config(SQLITE_CONFIG_SINGLETHREAD); }\n");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "runtime/src/global_sqlite.cpp:2: sqlite\n"
        "runtime/src/global_sqlite.cpp:3: sqlite\n"
        "runtime/src/global_sqlite.cpp:4: sqlite\n"
        "runtime/src/global_sqlite.cpp:5: sqlite\n"
        "runtime/src/global_sqlite.cpp:6: sqlite\n"
        "runtime/src/global_sqlite.cpp:7: sqlite\n"
        "runtime/src/global_sqlite.cpp:8: sqlite\n"
        "runtime/src/global_sqlite.cpp:13: sqlite\n");
  CHECK(run.exit_code == 1);
}

}  // namespace
}  // namespace orrery::test
