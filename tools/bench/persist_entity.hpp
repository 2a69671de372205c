#pragma once
// The persistent entity every persistence benchmark runs: its events are opaque blobs of a fixed
// size, its state an int64 (the events it has folded). A Step command persists one event and,
// once it is durable (then_run), records the latency and steps again until its quota is done.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <orrery/actor.hpp>
#include <orrery/persistence/event_sourced_behavior.hpp>
#include <orrery/remote/wire.hpp>

#include "measure.hpp"
#include "persist_workloads.hpp"

namespace bench_persist {
struct Blob {
  std::string bytes;
};
}  // namespace bench_persist
ORRERY_FIELDS(bench_persist::Blob, &bench_persist::Blob::bytes);

namespace orrery::bench {

using bench_persist::Blob;

/// The command: persist one event (or, for an idle entity, nothing ever comes).
struct Step {};

/// The state: an int64, the events folded so far.
struct Tally {
  std::int64_t events = 0;
};

/// "bench.Blob": the event's manifest.
inline constexpr const char* blob_manifest = "bench.Blob";

/// Registers the event with `system`'s serialization (the journal stores it by manifest).
void register_blob(ActorSystem& system);

/// The Blob whose serialized payload is exactly `payload_bytes` long (asserted).
Blob blob_of_size(ActorSystem& system, std::uint32_t payload_bytes);

/// One entity's side of the measurement, written only by that entity's turns.
struct EntitySlot {
  std::chrono::steady_clock::time_point started;
  std::vector<float> latencies_ns;  // reserved to the quota beforehand
  std::uint32_t left = 0;
};

/// Counts down `recovered` on RecoveryCompleted; each Step persists `blob` and then steps again
/// until `slot->left` reaches 0, when it counts down `done`. `recovered_at` (optional) receives
/// the sequence number recovery reached.
Behavior<Step> persisting_entity(persistence::Stores stores, std::string persistence_id,
                                 std::shared_ptr<const Blob> blob, EntitySlot* slot,
                                 CountDown* recovered, CountDown* done,
                                 std::int64_t* recovered_at = nullptr);

}  // namespace orrery::bench

namespace orrery::bench {

/// One run of persisting entities: the measured span and every persist's latency.
struct EntityRun {
  double seconds = 0;
  double cpu_seconds = 0;           // the process's, in the span
  std::vector<float> latencies_ns;  // sorted
};

/// Spawns `actors` persisting entities on `system` (which has register_blob'd), waits for their
/// recovery (outside the span), then measures from the first Step told to the last ack.
EntityRun run_entities(ActorSystem& system, const persistence::Stores& stores, std::uint32_t actors,
                       std::uint32_t events_per_actor, std::uint32_t payload_bytes);

}  // namespace orrery::bench
