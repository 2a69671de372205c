// The SQLite store on SimDisk, crashed at a storage operation drawn from the seed (inside a
// group commit, a checkpoint, an open): after a restart on the same disk every acknowledged write
// is there, in order, with no gap, and a write that failed is there whole or not at all.
#include <catch2/catch.hpp>

#include <orrery/persistence/sqlite_store.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>
#include <orrery/testkit/seeds.hpp>

#include "crashing_storage.hpp"

namespace orrery::persistence {
namespace {

using namespace std::chrono_literals;

constexpr int entities = 5;
constexpr int rounds = 30;
constexpr std::int64_t operations_max = 900;

std::string payload_of(int entity, SequenceNr nr) {
  return std::string(static_cast<std::size_t>((nr * 97 + entity * 31) % 700 + 1),
                     static_cast<char>('a' + (nr + entity) % 26));
}

AtomicWrite write_of(int entity, SequenceNr first, SequenceNr count) {
  const std::string id = "entity-" + std::to_string(entity);
  AtomicWrite write{id, {}};
  for (SequenceNr nr = first; nr < first + count; ++nr) {
    PersistentEvent event;
    event.persistence_id = id;
    event.sequence_nr = nr;
    event.manifest = "test.Event";
    event.payload = payload_of(entity, nr);
    event.tags = {"all"};
    write.events.push_back(std::move(event));
  }
  return write;
}

struct Entity {
  SequenceNr acknowledged = 0;
  SequenceNr maybe_up_to = 0;  // a failed write's last event, which may be there
};

/// Rounds of concurrent writes (one per entity, grouped), until the store fails or all done.
void write_until_failure(sim::World& world, SqliteStore& store, std::vector<Entity>& state,
                         Random& random) {
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::pair<int, Future<Done>>> writes;
    std::vector<SequenceNr> counts(entities, 0);
    for (int entity = 0; entity < entities; ++entity) {
      if (!chance(random, 3, 4)) continue;
      counts[entity] = uniform_int(random, 1, 3);
      const SequenceNr first = state[entity].acknowledged + 1;
      writes.emplace_back(entity, store.write(write_of(entity, first, counts[entity])));
    }
    REQUIRE(world.await(
        [&] {
          return std::all_of(writes.begin(), writes.end(),
                             [](auto& w) { return w.second.ready(); });
        },
        60s));
    bool failed = false;
    for (auto& [entity, future] : writes) {
      if (future.take().ok()) {
        state[entity].acknowledged += counts[entity];
      } else {
        state[entity].maybe_up_to = state[entity].acknowledged + counts[entity];
        failed = true;
      }
    }
    if (failed) return;
  }
}

void check_recovered(sim::World& world, SqliteStore& store, const std::vector<Entity>& state) {
  for (int entity = 0; entity < entities; ++entity) {
    const std::string id = "entity-" + std::to_string(entity);
    INFO(id << ": acknowledged " << state[entity].acknowledged);
    auto replay = store.replay(id, 1, max_sequence_nr, 1000);
    REQUIRE(world.await([&] { return replay.ready(); }, 60s));
    auto events = replay.take();
    if (!events.ok()) FAIL(events.error().message);
    const auto last = static_cast<SequenceNr>(events->size());
    CHECK((last == state[entity].acknowledged || last == state[entity].maybe_up_to));
    for (std::size_t i = 0; i < events->size(); ++i) {
      const PersistentEvent& event = (*events)[i];
      REQUIRE(event.sequence_nr == static_cast<SequenceNr>(i + 1));
      CHECK(event.payload == payload_of(entity, event.sequence_nr));
      CHECK(event.tags == std::vector<std::string>{"all"});
    }
  }
}

TEST_CASE("the SQLite store loses no acknowledged write to a crash at any storage operation",
          "[sqlite][store][crash][sim]") {
  int crashed_inside = 0;
  for (std::uint64_t seed : test_seeds(40)) {
    ORRERY_SEED_INFO(seed);
    sim::World world(seed);
    sim::Node& node = world.add_node("node", {.remoting = false});
    SeededRandom random(world.derive_seed("store crash"));
    const auto crash_at = static_cast<std::uint64_t>(uniform_int(random, 1, operations_max));
    INFO("crash at storage operation " << crash_at);
    sqlite::test::CrashingStorage crashing(node.env().storage, crash_at,
                                           [&] { node.disk().crash(); });
    Env& real = node.env();
    Env env{real.clock,     real.timers, real.executor, real.random,
            real.transport, crashing,    real.log,      real.buggify};
    std::vector<Entity> state(entities);
    if (auto store = SqliteStore::open(env, {.wal_autocheckpoint_pages = 16}); store.ok()) {
      write_until_failure(world, **store, state, random);
    } else {
      REQUIRE(crashing.crashed());
    }
    if (crashing.crashed()) {
      ++crashed_inside;
    } else {
      node.disk().crash();
    }
    auto store = SqliteStore::open(real, {.wal_autocheckpoint_pages = 16});
    if (!store.ok()) FAIL(store.error().message);
    check_recovered(world, **store, state);
  }
  if (test_seeds(40).size() > 1) CHECK(crashed_inside > 30);
}

}  // namespace
}  // namespace orrery::persistence
