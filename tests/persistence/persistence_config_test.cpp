// The [persistence] configuration tables: every key read into the stores' options, errors that
// name the file, the line and the key, and open_stores() opening the store they choose.
#include <support/sim_harness.hpp>

#include <catch2/catch.hpp>

#include <orrery/persistence/persistence_config.hpp>
#include <orrery/sim/sim_disk.hpp>

namespace orrery::persistence {
namespace {

using namespace std::chrono_literals;

Result<PersistenceConfig> load(std::string_view text) {
  auto document = ConfigDocument::parse(text, "node.toml");
  REQUIRE(document.ok());
  auto config = load_persistence_config(*document);
  if (config.ok()) REQUIRE(document->check_all_used().ok());
  return config;
}

std::string error_of(std::string_view text) {
  auto config = load(text);
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code == Errc::invalid_argument);
  return config.error().message;
}

TEST_CASE("persistence config: every key is read into the store's options",
          "[persistence][config]") {
  auto config = load(R"(
[persistence]
store = "memory"
[persistence.memory]
event-bytes-max = "64KiB"
[persistence.sqlite]
path = "orders/journal.db"
owner = "orders@10.0.0.1:2552"
synchronous = "normal"
event-bytes-max = "2MiB"
batch-writes-max = 32
wal-autocheckpoint-pages = 64
reopen-on-failure = false
[persistence.postgres]
connection = "host=127.0.0.1 dbname=orders"
schema = "orders"
event-bytes-max = "4MiB"
group-writes-max = 10
)");
  REQUIRE(config.ok());
  CHECK(config->store == StoreKind::memory);
  CHECK(config->memory.event_bytes_max == 64 * 1024);
  CHECK(config->sqlite.path == "orders/journal.db");
  CHECK(config->sqlite.owner == "orders@10.0.0.1:2552");
  CHECK(config->sqlite.synchronous == sqlite::Synchronous::normal);
  CHECK(config->sqlite.event_bytes_max == 2 * 1024 * 1024);
  CHECK(config->sqlite.batch_writes_max == 32);
  CHECK(config->sqlite.wal_autocheckpoint_pages == 64);
  CHECK_FALSE(config->sqlite.reopen_on_failure);
  CHECK(config->postgres.connection == "host=127.0.0.1 dbname=orders");
  CHECK(config->postgres.schema == "orders");
  CHECK(config->postgres.event_bytes_max == 4 * 1024 * 1024);
  CHECK(config->postgres.group_writes_max == 10);
}

TEST_CASE("persistence config: an empty file gives the defaults", "[persistence][config]") {
  auto config = load("");
  REQUIRE(config.ok());
  const PersistenceConfig defaults;
  CHECK(config->store == StoreKind::sqlite);
  CHECK(config->sqlite.path == defaults.sqlite.path);
  CHECK(config->sqlite.batch_writes_max == defaults.sqlite.batch_writes_max);
  CHECK(config->sqlite.reopen_on_failure);
}

TEST_CASE("persistence config: errors name the file, the line and the key",
          "[persistence][config]") {
  CHECK(error_of("[persistence.sqlite]\nbatch-writes-max = 0\n") ==
        "node.toml:2: key 'persistence.sqlite.batch-writes-max': 0 is outside [1, 1000000]");
  CHECK(error_of("[persistence.sqlite]\n\nsynchronous = \"off\"\n") ==
        "node.toml:3: key 'persistence.sqlite.synchronous': 'off' is not one of: full, normal");
  CHECK(error_of("[persistence]\nstore = \"redis\"\n") ==
        "node.toml:2: key 'persistence.store': 'redis' is not one of: sqlite, memory, postgres");
  CHECK_THAT(error_of("[persistence.sqlite]\npaht = \"x.db\"\n"),
             Catch::StartsWith("node.toml:2: unknown key 'persistence.sqlite.paht' (known in "
                               "[persistence.sqlite]: path, owner, synchronous"));
  CHECK(error_of("[persistence.memory]\nevent-bytes-max = 1024\n") ==
        "node.toml:2: key 'persistence.memory.event-bytes-max': 1024 has no unit: write a "
        "string such as \"64KiB\"");
  CHECK_THAT(error_of("[persistence.sqlite]\npath = \"../outside.db\"\n"),
             Catch::StartsWith("node.toml:2: key 'persistence.sqlite.path': "));
  CHECK(error_of("[persistence.sqlite]\nreopen-on-failure = \"yes\"\n") ==
        "node.toml:2: key 'persistence.sqlite.reopen-on-failure': expected a boolean (true or "
        "false), got a string (yes)");
  // A table no schema has, inside [persistence].
  CHECK_THAT(error_of("[persistence.sqlight]\npath = \"x.db\"\n"),
             Catch::StartsWith("node.toml:1: unknown key 'persistence.sqlight' (known in "
                               "[persistence]: store)"));
  CHECK(error_of("[persistence]\nsqlite = 5\n") ==
        "node.toml:2: 'persistence.sqlite' must be a table ([persistence.sqlite]), not an "
        "integer");
  // What the chosen store needs.
  CHECK(error_of("# node\n[persistence]\nstore = \"postgres\"\n") ==
        "node.toml:3: key 'persistence.store': \"postgres\" needs [persistence.postgres] "
        "connection (a libpq connection string)");
}

TEST_CASE("persistence config: open_stores opens the configured SQLite store",
          "[persistence][config][sqlite]") {
  test::SimHarness h;
  auto config = load(
      "[persistence.sqlite]\npath = \"configured/journal.db\"\n"
      "batch-writes-max = 4\n");
  REQUIRE(config.ok());
  auto stores = open_stores(h.env(), *config);
  if (!stores.ok()) FAIL(stores.error().message);
  auto* sqlite = dynamic_cast<SqliteStore*>(stores->journal.get());
  REQUIRE(sqlite != nullptr);
  CHECK(sqlite->options().path == "configured/journal.db");
  CHECK(sqlite->options().batch_writes_max == 4);
  PersistentEvent event;
  event.persistence_id = "p";
  event.sequence_nr = 1;
  event.manifest = "test.Event";
  event.payload = "x";
  Future<Done> written = stores->journal->write(AtomicWrite{"p", {event}});
  REQUIRE(h.run_until([&] { return written.ready(); }, 10s));
  REQUIRE(written.take().ok());
  CHECK(h.node().disk().exists("configured/journal.db").value());
}

TEST_CASE("persistence config: open_stores opens the memory store, and names a failed open",
          "[persistence][config]") {
  test::SimHarness h;
  auto memory = load("[persistence]\nstore = \"memory\"\n");
  REQUIRE(memory.ok());
  auto stores = open_stores(h.env(), *memory);
  REQUIRE(stores.ok());
  CHECK(dynamic_cast<MemoryStore*>(stores->journal.get()) != nullptr);
  // A file that is not a database: the error names it.
  auto file = h.node().disk().open("junk.db", OpenMode::create);
  REQUIRE(file.ok());
  const std::string junk(4096, 'j');
  REQUIRE((*file)->write_at(0, std::as_bytes(std::span(junk))).ok());
  REQUIRE((*file)->sync().ok());
  auto broken = load("[persistence.sqlite]\npath = \"junk.db\"\n");
  REQUIRE(broken.ok());
  auto refused = open_stores(h.env(), *broken);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::Contains("junk.db"));
}

}  // namespace
}  // namespace orrery::persistence
