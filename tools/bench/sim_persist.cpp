// sim.persist: persistent entities inside the simulator, on SqliteStore over each node's
// SimDisk (through the EnvVfs), under a generated fault plan that crashes, pauses and skews the
// nodes; the world runs a fixed simulated span and the wall clock measures it.
#include <memory>
#include <string>
#include <vector>

#include <orrery/persistence/sqlite_store.hpp>
#include <orrery/sim/fault_plan.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/world.hpp>

#include "measure.hpp"
#include "persist_entity.hpp"
#include "persist_workloads.hpp"

namespace orrery::bench::simulated {

using namespace std::chrono_literals;
using persistence::Effect;
using persistence::EventSourcedBehavior;
using persistence::SqliteStore;
using persistence::Stores;

namespace {

/// An entity that persists one event every `interval` of simulated time (commands that come
/// while a write is in flight wait in its stash) and counts every acknowledged event.
Behavior<Step> ticking_entity(Stores stores, std::string id, std::shared_ptr<const Blob> blob,
                              std::shared_ptr<std::uint64_t> acknowledged, Duration interval) {
  auto on_step = [blob, acknowledged](ActorContext<Step>&, const Tally&,
                                      Step&) -> Effect<Blob, Tally> {
    return Effect<Blob, Tally>::persist(*blob).then_run(
        [acknowledged](const Tally&) { ++*acknowledged; });
  };
  auto fold = [](Tally& tally, const Blob&) {
    ++tally.events;
  };
  Behavior<Step> entity = EventSourcedBehavior<Step, Blob, Tally>(std::move(stores), std::move(id),
                                                                  Tally{}, on_step, fold)
                              .behavior();
  return behaviors::setup<Step>([entity, interval](ActorContext<Step>& ctx) {
    ctx.timers().start_timer_at_fixed_rate("persist", Step{}, interval);
    return entity;
  });
}

}  // namespace

SimPersistFigures persist_under_faults(const SimPersistSpec& spec) {
  sim::World world(spec.seed);
  auto acknowledged = std::make_shared<std::uint64_t>(0);
  auto restarts = std::make_shared<std::uint64_t>(0);
  std::vector<std::string> names;
  for (std::uint32_t n = 0; n < spec.nodes; ++n)
    names.push_back("node-" + std::to_string(n));
  for (std::uint32_t n = 0; n < spec.nodes; ++n) {
    sim::NodeConfig config;
    config.remoting = false;  // each node journals alone; the plan's network faults touch no one
    config.log_threshold = LogLevel::error;
    config.disk.latency_min = spec.disk_latency_min;
    config.disk.latency_max = spec.disk_latency_max;
    // The node's share of the entities: every node starts (and restarts) its own.
    const std::uint32_t first = spec.entities * n / spec.nodes;
    const std::uint32_t last = spec.entities * (n + 1) / spec.nodes;
    config.on_start = [first, last, restarts, acknowledged, payload_bytes = spec.payload_bytes,
                       interval = spec.interval](sim::Node& node) {
      if (node.incarnation() > 0) ++*restarts;
      register_blob(node.system());
      auto store = SqliteStore::open(node.env(), {.path = "journal.db", .owner = node.name()});
      ORRERY_ASSERT(store.ok(), "a simulated node's SqliteStore opens, after a crash too");
      auto blob = std::make_shared<const Blob>(blob_of_size(node.system(), payload_bytes));
      for (std::uint32_t i = first; i < last; ++i) {
        node.system().spawn(
            ticking_entity(Stores::of(*store), entity_id(i), blob, acknowledged, interval),
            entity_id(i));
      }
    };
    world.add_node(names[n], config);
  }
  world.run_for(1s);  // start, open, recover: outside the span
  SeededRandom plan_random(world.derive_seed("bench-persist-plan"));
  const sim::FaultPlan plan = sim::generate(plan_random, names, spec.span, sim::FaultMix{});
  ORRERY_ASSERT(sim::apply(world, plan).ok(), "a generated plan applies");
  const std::uint64_t acknowledged_before = *acknowledged;
  const std::uint64_t steps_before = world.steps();
  const double cpu_before = process_cpu_seconds();
  const Stopwatch stopwatch;
  world.run_for(spec.span);
  const double wall = stopwatch.elapsed_s();
  const double cpu_seconds = process_cpu_seconds() - cpu_before;
  SimPersistFigures figures;
  figures.events = *acknowledged - acknowledged_before;
  figures.steps = world.steps() - steps_before;
  figures.restarts = *restarts;
  figures.events_per_wall_s = static_cast<double>(figures.events) / wall;
  figures.sim_per_wall = std::chrono::duration<double>(spec.span).count() / wall;
  ORRERY_ASSERT(figures.events > 0, "the entities persisted under the plan");
  figures.cpu_us_per_event = cpu_seconds * 1e6 / static_cast<double>(figures.events);
  return figures;
}

}  // namespace orrery::bench::simulated
