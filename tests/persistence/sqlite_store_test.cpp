// The SQLite store beyond the SPI's conformance: group commit (counted through stats()), a
// refusal alone inside a group, an I/O error that fails its transaction's writes and the calls
// made before it while the next call reopens the store (or, without reopen_on_failure, the store
// until reopen()), offsets never reused, recovery-side checks that name the entity and sequence
// number, and files that are not the store's refused.
#include <support/sim_harness.hpp>

#include <catch2/catch.hpp>

#include <orrery/persistence/sqlite_store.hpp>
#include <orrery/sim/sim_disk.hpp>

#include "sqlite_test_support.hpp"

namespace orrery::persistence {
namespace {

using namespace std::chrono_literals;
using sqlite::test::open_database;
using sqlite::test::query_one;

template <class T>
Result<T> wait(test::Harness& h, Future<T> future) {
  REQUIRE(h.run_until([&] { return future.ready(); }, 10s));
  return future.take();
}

PersistentEvent event(const std::string& id, SequenceNr nr, std::vector<std::string> tags = {}) {
  PersistentEvent e;
  e.persistence_id = id;
  e.sequence_nr = nr;
  e.manifest = "test.Event";
  e.payload = id + "#" + std::to_string(nr);
  e.tags = std::move(tags);
  e.writer = "w";
  return e;
}

AtomicWrite write_of(const std::string& id, SequenceNr first, SequenceNr count = 1) {
  AtomicWrite w{id, {}};
  for (SequenceNr nr = first; nr < first + count; ++nr)
    w.events.push_back(event(id, nr));
  return w;
}

struct SimStore {
  explicit SimStore(SqliteStoreOptions options = {}) : options(std::move(options)) { open(); }
  void open() {
    auto opened = SqliteStore::open(h.env(), options);
    if (!opened.ok()) FAIL(opened.error().message);
    store = std::move(*opened);
  }
  sim::SimDisk& disk() { return h.world().node("node").disk(); }
  test::SimHarness h;
  SqliteStoreOptions options;
  std::shared_ptr<SqliteStore> store;
};

TEST_CASE("writes made while the store is busy are committed in one transaction",
          "[sqlite][store][group-commit]") {
  SimStore s;
  std::vector<Future<Done>> writes;
  for (int entity = 0; entity < 20; ++entity)
    writes.push_back(s.store->write(write_of("e" + std::to_string(entity), 1, 2)));
  for (auto& written : writes)
    REQUIRE(wait(s.h, std::move(written)).ok());
  CHECK(s.store->stats().transactions == 1);
  CHECK(s.store->stats().batch_writes_largest == 20);
  CHECK(s.store->stats().writes == 20);
  CHECK(s.store->stats().events == 40);
  // One at a time, each its own transaction.
  for (int entity = 0; entity < 3; ++entity)
    REQUIRE(wait(s.h, s.store->write(write_of("e" + std::to_string(entity), 3))).ok());
  CHECK(s.store->stats().transactions == 4);
}

TEST_CASE("a group commit holds at most batch_writes_max writes", "[sqlite][store][group-commit]") {
  SimStore s(SqliteStoreOptions{.batch_writes_max = 8});
  std::vector<Future<Done>> writes;
  for (int entity = 0; entity < 20; ++entity)
    writes.push_back(s.store->write(write_of("e" + std::to_string(entity), 1)));
  for (auto& written : writes)
    REQUIRE(wait(s.h, std::move(written)).ok());
  CHECK(s.store->stats().transactions == 3);  // 8 + 8 + 4
  CHECK(s.store->stats().batch_writes_largest == 8);
  // The sizes themselves, which orrery-bench's raw SQLite peer replays.
  const std::map<std::uint64_t, std::uint64_t> sizes{{4, 1}, {8, 2}};
  CHECK(s.store->stats().transactions_by_writes == sizes);
}

TEST_CASE("a read between writes keeps them in call order, out of one group",
          "[sqlite][store][group-commit]") {
  SimStore s;
  Future<Done> first = s.store->write(write_of("p", 1));
  Future<std::vector<PersistentEvent>> between = s.store->replay("p", 1, max_sequence_nr, 10);
  Future<Done> second = s.store->write(write_of("p", 2));
  REQUIRE(wait(s.h, std::move(first)).ok());
  // The replay sees the write made before it and not the one made after.
  CHECK(wait(s.h, std::move(between)).value().size() == 1);
  REQUIRE(wait(s.h, std::move(second)).ok());
  CHECK(s.store->stats().transactions == 2);
}

TEST_CASE("a refused write in a group fails alone and the others commit",
          "[sqlite][store][group-commit]") {
  SimStore s(SqliteStoreOptions{.event_bytes_max = 100});
  Future<Done> good = s.store->write(write_of("a", 1));
  AtomicWrite big = write_of("b", 1, 2);
  big.events[1].payload = std::string(101, 'x');
  Future<Done> refused = s.store->write(std::move(big));
  Future<Done> gap = s.store->write(write_of("c", 2));
  Future<Done> also_good = s.store->write(write_of("a", 2));
  REQUIRE(wait(s.h, std::move(good)).ok());
  auto big_result = wait(s.h, std::move(refused));
  REQUIRE(big_result.error().code == Errc::refused);
  CHECK_THAT(big_result.error().message, Catch::Contains("above the limit of 100"));
  CHECK(wait(s.h, std::move(gap)).error().code == Errc::already_exists);
  REQUIRE(wait(s.h, std::move(also_good)).ok());
  CHECK(s.store->stats().transactions == 1);
  CHECK(s.store->stats().writes_refused == 2);
  CHECK(wait(s.h, s.store->highest_sequence_nr("a", 0)).value() == 2);
  CHECK(wait(s.h, s.store->highest_sequence_nr("b", 0)).value() == 0);
  CHECK_FALSE(s.store->failed());
}

TEST_CASE("without reopen_on_failure an I/O error fails the store until reopen()",
          "[sqlite][store][io-error]") {
  SimStore s(SqliteStoreOptions{.reopen_on_failure = false});
  REQUIRE(wait(s.h, s.store->write(write_of("p", 1))).ok());
  s.disk().set_config(sim::DiskConfig{.sync_error_ppm = 1'000'000});
  Future<Done> a = s.store->write(write_of("p", 2));
  Future<Done> b = s.store->write(write_of("q", 1));
  auto failed_a = wait(s.h, std::move(a));
  auto failed_b = wait(s.h, std::move(b));
  s.disk().set_config(sim::DiskConfig{});
  REQUIRE_FALSE(failed_a.ok());
  CHECK(failed_a.error().code == Errc::io_error);
  CHECK_THAT(failed_a.error().message, Catch::Contains("sync"));
  REQUIRE_FALSE(failed_b.ok());
  CHECK(failed_b.error().code == Errc::io_error);
  CHECK(s.store->failed());
  CHECK(s.store->stats().batches_failed == 1);
  // Failed: everything is refused, reads too, though the disk works again.
  auto refused = wait(s.h, s.store->write(write_of("p", 2)));
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::Contains("reopen"));
  CHECK(wait(s.h, s.store->replay("p", 1, max_sequence_nr, 10)).error().code == Errc::io_error);
  CHECK(s.store->failed());
  CHECK(s.store->stats().reopens == 0);
  REQUIRE(wait(s.h, s.store->reopen()).ok());
  CHECK_FALSE(s.store->failed());
  CHECK(s.store->stats().reopens == 1);
  // What was acknowledged is there; what failed may or may not be (here: never durable).
  const SequenceNr highest = wait(s.h, s.store->highest_sequence_nr("p", 0)).value();
  CHECK((highest == 1 || highest == 2));
  REQUIRE(wait(s.h, s.store->write(write_of("p", highest + 1))).ok());
  s.disk().crash();
  s.store.reset();
  s.open();
  CHECK(wait(s.h, s.store->highest_sequence_nr("p", 0)).value() == highest + 1);
}

TEST_CASE("after an I/O error the calls made before it fail and the next call reopens the store",
          "[sqlite][store][io-error][recovery]") {
  SimStore s;
  REQUIRE(wait(s.h, s.store->write(write_of("p", 1))).ok());
  s.disk().set_config(sim::DiskConfig{.sync_error_ppm = 1'000'000});
  // All made before the first one runs: a read between the writes keeps them in two groups.
  Future<Done> a = s.store->write(write_of("p", 2));
  Future<SequenceNr> between = s.store->highest_sequence_nr("p", 0);
  Future<Done> b = s.store->write(write_of("q", 1));
  REQUIRE(s.h.run_until([&] { return s.store->failed(); }, 10s));
  s.disk().set_config(sim::DiskConfig{});
  auto failed_a = wait(s.h, std::move(a));
  REQUIRE_FALSE(failed_a.ok());
  CHECK(failed_a.error().code == Errc::io_error);
  CHECK_THAT(failed_a.error().message, Catch::Contains("sync"));
  // Made before the failure: they fail with it, though the disk works again, and no reopen.
  auto failed_between = wait(s.h, std::move(between));
  REQUIRE_FALSE(failed_between.ok());
  CHECK(failed_between.error().code == Errc::io_error);
  CHECK_THAT(failed_between.error().message, Catch::Contains("made before the failure"));
  auto failed_b = wait(s.h, std::move(b));
  REQUIRE_FALSE(failed_b.ok());
  CHECK(failed_b.error().code == Errc::io_error);
  CHECK(s.store->stats().batches_failed == 1);
  CHECK(s.store->stats().reopens == 0);
  CHECK(s.store->failed());
  // The first call made after the failure reopens the database and reads what it holds.
  const SequenceNr highest = wait(s.h, s.store->highest_sequence_nr("p", 0)).value();
  CHECK((highest == 1 || highest == 2));
  CHECK_FALSE(s.store->failed());
  CHECK(s.store->stats().reopens == 1);
  CHECK(s.store->stats().reopens_failed == 0);
  REQUIRE(wait(s.h, s.store->write(write_of("p", highest + 1))).ok());
  REQUIRE(wait(s.h, s.store->write(write_of("q", 1))).ok());
  CHECK(s.store->stats().reopens == 1);
  s.disk().crash();
  s.store.reset();
  s.open();
  CHECK(wait(s.h, s.store->highest_sequence_nr("p", 0)).value() == highest + 1);
  CHECK(wait(s.h, s.store->highest_sequence_nr("q", 0)).value() == 1);
}

TEST_CASE("a reopen that fails is the caller's error, once per call, and a later call recovers",
          "[sqlite][store][io-error][recovery]") {
  SimStore s;
  REQUIRE(wait(s.h, s.store->write(write_of("p", 1))).ok());
  s.disk().set_config(sim::DiskConfig{.sync_error_ppm = 1'000'000});
  REQUIRE_FALSE(wait(s.h, s.store->write(write_of("p", 2))).ok());
  // A disk that fails every read: the reopen fails, and stays an error to the caller.
  s.disk().set_config(sim::DiskConfig{
      .read_error_ppm = 1'000'000, .write_error_ppm = 1'000'000, .sync_error_ppm = 1'000'000});
  auto first = wait(s.h, s.store->replay("p", 1, max_sequence_nr, 10));
  REQUIRE_FALSE(first.ok());
  CHECK(first.error().code == Errc::io_error);
  CHECK(s.store->stats().reopens_failed == 1);
  CHECK(s.store->failed());
  // Three calls made together: the first tries to reopen; the two made before that attempt
  // failed fail with it, without an attempt of their own (no reopen storm on a dead disk).
  std::vector<Future<SequenceNr>> calls;
  for (int i = 0; i < 3; ++i)
    calls.push_back(s.store->highest_sequence_nr("p", 0));
  for (auto& call : calls)
    CHECK_FALSE(wait(s.h, std::move(call)).ok());
  CHECK(s.store->stats().reopens_failed == 2);
  CHECK(s.store->stats().reopens == 0);
  s.disk().set_config(sim::DiskConfig{});
  const SequenceNr highest = wait(s.h, s.store->highest_sequence_nr("p", 0)).value();
  CHECK((highest == 1 || highest == 2));
  CHECK(s.store->stats().reopens == 1);
  CHECK(s.store->stats().reopens_failed == 2);
  CHECK_FALSE(s.store->failed());
  REQUIRE(wait(s.h, s.store->write(write_of("p", highest + 1))).ok());
}

TEST_CASE("offsets keep increasing after the newest events are deleted and the store reopens",
          "[sqlite][store][query]") {
  SimStore s;
  PersistentEvent tagged = event("p", 1, {"t"});
  REQUIRE(wait(s.h, s.store->write(AtomicWrite{"p", {tagged, event("p", 2, {"t"})}})).ok());
  const Offset before = wait(s.h, s.store->latest_offset()).value();
  REQUIRE(wait(s.h, s.store->delete_up_to("p", 2)).ok());
  CHECK(wait(s.h, s.store->events_by_tag("t", 0, 10)).value().empty());
  s.store.reset();
  s.open();
  CHECK(wait(s.h, s.store->latest_offset()).value() == before);
  REQUIRE(wait(s.h, s.store->write(AtomicWrite{"p", {event("p", 3, {"t"})}})).ok());
  auto after = wait(s.h, s.store->events_by_tag("t", 0, 10)).value();
  REQUIRE(after.size() == 1);
  CHECK(after[0].offset > before);
  CHECK(wait(s.h, s.store->highest_sequence_nr("p", 0)).value() == 3);
}

TEST_CASE("a replay that finds a gap reports corrupt, naming the entity and sequence number",
          "[sqlite][store][corrupt]") {
  SimStore s;
  REQUIRE(wait(s.h, s.store->write(write_of("p", 1, 5))).ok());
  REQUIRE(wait(s.h, s.store->write(write_of("q", 1, 2))).ok());
  s.store.reset();
  {
    // Damage the file behind the store's back, as a bad disk or a bad hand would.
    auto vfs = sqlite::test::make_vfs("orrery:test:damage", sqlite::VfsEnv::from(s.h.env()));
    auto database =
        open_database(*vfs, s.options.path, {.application_id = 0x4f525259, .schema_version = 1});
    REQUIRE(
        database->exec("DELETE FROM events WHERE persistence_id = 'p' AND sequence_nr = 3").ok());
  }
  s.open();
  auto replayed = wait(s.h, s.store->replay("p", 1, max_sequence_nr, 100));
  REQUIRE_FALSE(replayed.ok());
  CHECK(replayed.error().code == Errc::corrupt);
  CHECK_THAT(replayed.error().message, Catch::Contains("'p' event 4 follows 2 (a gap)"));
  // Other entities go on.
  CHECK(wait(s.h, s.store->replay("q", 1, max_sequence_nr, 100)).value().size() == 2);
  CHECK_FALSE(s.store->failed());
}

TEST_CASE("the store refuses a database of a newer schema, or of another program",
          "[sqlite][store][corrupt]") {
  test::SimHarness h;
  {
    auto vfs = sqlite::test::make_vfs("orrery:test:setup", sqlite::VfsEnv::from(h.env()));
    auto newer =
        open_database(*vfs, "newer.db", {.application_id = 0x4f525259, .schema_version = 99});
    REQUIRE(newer->exec("BEGIN; CREATE TABLE events(x)").ok());
    REQUIRE(newer->write_schema_version(99).ok());
    REQUIRE(newer->exec("COMMIT").ok());
    auto foreign = open_database(*vfs, "foreign.db");
    REQUIRE(foreign->exec("CREATE TABLE invoices(x)").ok());
  }
  auto newer = SqliteStore::open(h.env(), {.path = "newer.db"});
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.error().code == Errc::unsupported);
  CHECK_THAT(newer.error().message, Catch::Contains("newer.db"));
  auto foreign = SqliteStore::open(h.env(), {.path = "foreign.db"});
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.error().code == Errc::corrupt);
  CHECK_THAT(foreign.error().message, Catch::Contains("another program"));
}

TEST_CASE("two stores of one owner and path in one process are refused, not shared",
          "[sqlite][store]") {
  SimStore s;
  auto second = SqliteStore::open(s.h.env(), s.options);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == Errc::already_exists);
  // Gone, the name is free for the next incarnation.
  s.store.reset();
  s.open();
  CHECK(s.store);
}

}  // namespace
}  // namespace orrery::persistence
