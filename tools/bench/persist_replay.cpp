// journal.replay on Orrery: one entity's recovery (snapshot lookup, highest sequence number,
// pages of events folded by the event handler) from a file SqliteStore wrote.
#include <vector>

#include <orrery/persistence/sqlite_store.hpp>

#include "bench_env.hpp"
#include "persist_entity.hpp"
#include "persist_workloads.hpp"

namespace orrery::bench {

using persistence::AtomicWrite;
using persistence::PersistentEvent;
using persistence::SqliteStore;
using persistence::Stores;

namespace {

/// A node over an existing storage root, its system terminated first.
struct ReplayNode {
  explicit ReplayNode(const std::string& root)
      : bench_env(BenchEnvConfig{.workers = 2, .park_at_once = true, .storage_root = root}) {
    register_blob(*system);
  }
  ~ReplayNode() {
    system->terminate();
    ORRERY_ASSERT(system->when_terminated().get().ok(), "the benchmark's system terminates");
  }
  BenchEnv bench_env;
  ActorSystemPtr system = ActorSystem::create(bench_env.env(), {.name = "bench"});
};

constexpr std::uint64_t fixture_write_events = 10'000;

}  // namespace

ReplayFixture::ReplayFixture(std::uint64_t events)
    : directory_(std::make_unique<ScratchDirectory>()), events_(events) {
  ORRERY_ASSERT(events > 0, "a replay needs events");
  ReplayNode node(directory());
  // NORMAL only makes writing the fixture faster; the file is the same.
  auto store = SqliteStore::open(node.bench_env.env(),
                                 {.path = "journal.db",
                                  .owner = "bench-replay-fixture",
                                  .synchronous = persistence::sqlite::Synchronous::normal});
  ORRERY_ASSERT(store.ok(), "the replay fixture's store opens");
  auto encoded = node.system->serialization().encode(blob_of_size(*node.system, 100),
                                                     node.system->ref_context());
  ORRERY_ASSERT(encoded.ok() && encoded->manifest == blob_manifest, "the fixture's event encodes");
  const std::string id = entity_id(0);
  for (std::uint64_t first = 1; first <= events; first += fixture_write_events) {
    AtomicWrite write{id, {}};
    for (std::uint64_t nr = first; nr < first + fixture_write_events && nr <= events; ++nr) {
      write.events.push_back(PersistentEvent{.persistence_id = id,
                                             .sequence_nr = static_cast<std::int64_t>(nr),
                                             .manifest = encoded->manifest,
                                             .version = 1,
                                             .payload = encoded->payload,
                                             .tags = {},
                                             .timestamp_ms = 1'700'000'000'000,
                                             .writer = "/user/" + id + "#00000000000000ff"});
    }
    ORRERY_ASSERT((*store)->write(std::move(write)).get().ok(), "the fixture's write commits");
  }
}

ReplayFixture::~ReplayFixture() = default;

const std::string& ReplayFixture::directory() const noexcept {
  return directory_->path();
}

namespace ours {

double journal_replay(const ReplayFixture& fixture) {
  ReplayNode node(fixture.directory());
  auto store =
      SqliteStore::open(node.bench_env.env(), {.path = "journal.db", .owner = "bench-replay"});
  ORRERY_ASSERT(store.ok(), "the replay's store opens");
  auto blob = std::make_shared<const Blob>(Blob{});
  EntitySlot idle;
  CountDown recovered(1);
  CountDown never(1);
  std::int64_t reached = 0;
  const Stopwatch stopwatch;
  auto entity = node.system->spawn(persisting_entity(Stores::of(*store), entity_id(0), blob, &idle,
                                                     &recovered, &never, &reached),
                                   entity_id(0));
  recovered.wait();
  const double seconds = stopwatch.elapsed_s();
  ORRERY_ASSERT(reached == static_cast<std::int64_t>(fixture.events()),
                "recovery folded every event");
  return static_cast<double>(fixture.events()) / seconds;
}

}  // namespace ours
}  // namespace orrery::bench
