// The benchmarks' persistent entity: blobs in, an int64 tally as state.
#include "persist_entity.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace orrery::bench {

using persistence::Effect;
using persistence::EventSourcedBehavior;
using persistence::PersistenceSignal;
using persistence::RecoveryCompleted;

void register_blob(ActorSystem& system) {
  const Status registered = system.serialization().register_type<Blob>(blob_manifest);
  ORRERY_ASSERT(registered.ok(), "the benchmark's event registers");
}

Blob blob_of_size(ActorSystem& system, std::uint32_t payload_bytes) {
  // The encoding adds a field tag and a length in front of the bytes: shrink until it fits.
  for (std::uint32_t size = payload_bytes; size > 0; --size) {
    Blob blob{std::string(size, 'x')};
    auto encoded = system.serialization().encode(blob, system.ref_context());
    ORRERY_ASSERT(encoded.ok(), "the benchmark's event encodes");
    if (encoded->payload.size() == payload_bytes) return blob;
  }
  const std::string message = fmt::format("no Blob encodes to {} bytes", payload_bytes);
  ORRERY_UNREACHABLE(message.c_str());
}

Behavior<Step> persisting_entity(persistence::Stores stores, std::string persistence_id,
                                 std::shared_ptr<const Blob> blob, EntitySlot* slot,
                                 CountDown* recovered, CountDown* done,
                                 std::int64_t* recovered_at) {
  using Behavior = EventSourcedBehavior<Step, Blob, Tally>;
  auto on_step = [blob, slot, done](ActorContext<Step>& ctx, const Tally&,
                                    Step&) -> Effect<Blob, Tally> {
    slot->started = std::chrono::steady_clock::now();
    return Effect<Blob, Tally>::persist(*blob).then_run(
        [slot, done, self = ctx.self()](const Tally&) {
          const auto waited = std::chrono::steady_clock::now() - slot->started;
          slot->latencies_ns.push_back(
              static_cast<float>(std::chrono::duration<double, std::nano>(waited).count()));
          if (--slot->left == 0) {
            done->count_down();
          } else {
            self.tell(Step{});
          }
        });
  };
  auto fold = [](Tally& tally, const Blob&) {
    ++tally.events;
  };
  return Behavior(std::move(stores), std::move(persistence_id), Tally{}, on_step, fold)
      .on_signal([recovered, recovered_at](ActorContext<Step>&, const Tally& tally,
                                           const PersistenceSignal& signal) {
        if (!std::holds_alternative<RecoveryCompleted>(signal)) return;
        ORRERY_ASSERT(std::get<RecoveryCompleted>(signal).sequence_nr == tally.events,
                      "recovery folded every event it reached");
        if (recovered_at != nullptr) *recovered_at = tally.events;
        recovered->count_down();
      })
      .behavior();
}

}  // namespace orrery::bench

namespace orrery::bench {

EntityRun run_entities(ActorSystem& system, const persistence::Stores& stores, std::uint32_t actors,
                       std::uint32_t events_per_actor, std::uint32_t payload_bytes) {
  ORRERY_ASSERT(actors > 0 && events_per_actor > 0, "a run persists something");
  auto blob = std::make_shared<const Blob>(blob_of_size(system, payload_bytes));
  std::vector<EntitySlot> slots(actors);
  for (EntitySlot& slot : slots) {
    slot.latencies_ns.reserve(events_per_actor);
    slot.left = events_per_actor;
  }
  CountDown recovered(actors);
  CountDown done(actors);
  std::vector<ActorRef<Step>> entities;
  entities.reserve(actors);
  for (std::uint32_t i = 0; i < actors; ++i) {
    entities.push_back(system.spawn(
        persisting_entity(stores, entity_id(i), blob, &slots[i], &recovered, &done), entity_id(i)));
  }
  recovered.wait();
  const double cpu_before = process_cpu_seconds();
  const Stopwatch stopwatch;
  for (const ActorRef<Step>& entity : entities)
    entity.tell(Step{});
  done.wait();
  EntityRun run;
  run.seconds = stopwatch.elapsed_s();
  run.cpu_seconds = process_cpu_seconds() - cpu_before;
  run.latencies_ns.reserve(std::uint64_t{actors} * events_per_actor);
  for (const EntitySlot& slot : slots) {
    ORRERY_ASSERT(slot.latencies_ns.size() == events_per_actor, "every persist was acknowledged");
    run.latencies_ns.insert(run.latencies_ns.end(), slot.latencies_ns.begin(),
                            slot.latencies_ns.end());
  }
  std::sort(run.latencies_ns.begin(), run.latencies_ns.end());
  return run;
}

}  // namespace orrery::bench
