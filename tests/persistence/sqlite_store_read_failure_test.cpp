// A read's I/O error fails the SQLite store as a write's does, so that whoever watches failed()
// reopens it: a file poisoned by a failed sync (in a checkpoint after a commit that succeeded)
// fails every later read until the database is reopened, and a store that did not count that as
// a failure stayed broken while it looked healthy (found by the crash property, seed 120732 of
// RC_PARAMS="max_success=2000 seed=777").
#include <catch2/catch.hpp>

#include <orrery/persistence/sqlite_store.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::persistence {
namespace {

using namespace std::chrono_literals;

AtomicWrite events_of(const std::string& id, SequenceNr first, SequenceNr count) {
  AtomicWrite write{id, {}};
  for (SequenceNr nr = first; nr < first + count; ++nr) {
    PersistentEvent event;
    event.persistence_id = id;
    event.sequence_nr = nr;
    event.manifest = "test.Event";
    event.payload = std::string(3000, static_cast<char>('a' + nr % 26));
    write.events.push_back(std::move(event));
  }
  return write;
}

template <class T>
Result<T> wait(sim::World& world, Future<T> future) {
  REQUIRE(world.await([&] { return future.ready(); }, 10s));
  return future.take();
}

TEST_CASE("a read that meets an I/O error fails the SQLite store until reopen()",
          "[sqlite][store][failure][sim]") {
  sim::World world(7);
  sim::Node& node = world.add_node("n", {.remoting = false});
  {
    auto store = SqliteStore::open(node.env(), {.path = "reads.db"});
    REQUIRE(store.ok());
    REQUIRE(wait(world, (*store)->write(events_of("e", 1, 20))).ok());
  }
  // A fresh connection has nothing of the events in its cache: the replay reads the disk.
  auto opened = SqliteStore::open(node.env(), {.path = "reads.db"});
  REQUIRE(opened.ok());
  std::shared_ptr<SqliteStore> store = *opened;
  REQUIRE_FALSE(store->failed());
  node.disk().set_config({.read_error_ppm = 1'000'000});
  auto failed = wait(world, store->replay("e", 1, max_sequence_nr, 100));
  REQUIRE_FALSE(failed.ok());
  REQUIRE(failed.error().code == Errc::io_error);
  REQUIRE(store->failed());
  // Healthy again only through reopen(), which then reads everything.
  node.disk().set_config({});
  REQUIRE(wait(world, store->reopen()).ok());
  REQUIRE_FALSE(store->failed());
  auto events = wait(world, store->replay("e", 1, max_sequence_nr, 100));
  REQUIRE(events.ok());
  REQUIRE(events->size() == 20);
}

}  // namespace
}  // namespace orrery::persistence
