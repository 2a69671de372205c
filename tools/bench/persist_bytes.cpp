// persist.bytes: resident bytes per idle persistent entity once recovered (its state an int64,
// one event in the journal), beside a plain actor holding the same int64. Both are spawned under
// the same names into a system that is otherwise idle; freed heap is trimmed before and after,
// so the delta counts what stays alive.
#include <vector>

#include <orrery/persistence/sqlite_store.hpp>

#include "bench_env.hpp"
#include "persist_entity.hpp"
#include "persist_workloads.hpp"

namespace orrery::bench::ours {

using persistence::AtomicWrite;
using persistence::PersistentEvent;
using persistence::SqliteStore;
using persistence::Stores;

namespace {

struct Node {
  Node() { register_blob(*system); }
  ~Node() {
    system->terminate();
    ORRERY_ASSERT(system->when_terminated().get().ok(), "the benchmark's system terminates");
  }
  BenchEnv bench_env{BenchEnvConfig{.workers = 2, .park_at_once = true}};
  ActorSystemPtr system = ActorSystem::create(bench_env.env(), {.name = "bench"});
};

/// The plain actor: the same int64 of state, the same command type.
struct PlainTally {
  std::int64_t events = 0;
  void on_message(ActorContext<Step>&, Step&) { ++events; }
};

/// One event for each of `entities`, written through the store (group commits), so that each
/// recovery folds one.
void write_one_event_each(Node& node, SqliteStore& store, std::uint32_t entities) {
  auto encoded = node.system->serialization().encode(blob_of_size(*node.system, 100),
                                                     node.system->ref_context());
  ORRERY_ASSERT(encoded.ok(), "the benchmark's event encodes");
  std::vector<Future<Done>> written;
  written.reserve(entities);
  for (std::uint32_t i = 0; i < entities; ++i) {
    const std::string id = entity_id(i);
    written.push_back(store.write(AtomicWrite{id,
                                              {PersistentEvent{.persistence_id = id,
                                                               .sequence_nr = 1,
                                                               .manifest = encoded->manifest,
                                                               .payload = encoded->payload}}}));
  }
  for (Future<Done>& write : written)
    ORRERY_ASSERT(write.get().ok(), "the benchmark's setup write commits");
}

}  // namespace

ActorBytes persistent_actor_bytes(std::uint32_t entities) {
  Node node;
  auto store =
      SqliteStore::open(node.bench_env.env(), {.path = "bytes.db", .owner = "bench-bytes"});
  ORRERY_ASSERT(store.ok(), "the benchmark's SqliteStore opens");
  write_one_event_each(node, **store, entities);
  const Stores stores = Stores::of(*store);
  auto blob = std::make_shared<const Blob>(Blob{});
  EntitySlot idle;  // never stepped
  CountDown recovered(entities);
  CountDown never(1);
  std::vector<ActorRef<Step>> refs;
  refs.reserve(entities);
  release_free_memory();
  const std::uint64_t before = resident_bytes();
  const std::uint64_t heap_before = heap_bytes_in_use();
  for (std::uint32_t i = 0; i < entities; ++i) {
    refs.push_back(node.system->spawn(
        persisting_entity(stores, entity_id(i), blob, &idle, &recovered, &never), entity_id(i)));
  }
  recovered.wait();
  release_free_memory();
  const std::uint64_t after = resident_bytes();
  const std::uint64_t heap_after = heap_bytes_in_use();
  ORRERY_ASSERT((*store)->stats().writes == entities, "recovery wrote nothing");
  return ActorBytes{static_cast<double>(after - before) / static_cast<double>(entities),
                    static_cast<double>(heap_after - heap_before) / static_cast<double>(entities)};
}

ActorBytes plain_actor_bytes(std::uint32_t actors) {
  Node node;
  std::vector<ActorRef<Step>> refs;
  refs.reserve(actors);
  // Counted once each has started, as the persistent ones are once recovered.
  CountDown started(actors);
  release_free_memory();
  const std::uint64_t before = resident_bytes();
  const std::uint64_t heap_before = heap_bytes_in_use();
  for (std::uint32_t i = 0; i < actors; ++i) {
    refs.push_back(node.system->spawn(behaviors::setup<Step>([&started](ActorContext<Step>&) {
                                        started.count_down();
                                        return behaviors::of<Step, PlainTally>(PlainTally{});
                                      }),
                                      entity_id(i)));
  }
  started.wait();
  release_free_memory();
  const std::uint64_t after = resident_bytes();
  const std::uint64_t heap_after = heap_bytes_in_use();
  return ActorBytes{static_cast<double>(after - before) / static_cast<double>(actors),
                    static_cast<double>(heap_after - heap_before) / static_cast<double>(actors)};
}

}  // namespace orrery::bench::ours
