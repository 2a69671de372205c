#pragma once
// The `persist` scenario: 100 event-sourced counters spread over nodes a, b and c, each node with
// a SqliteStore on its own SimDisk. A workload adds to random counters (every Add acknowledged
// once durable) while a generated fault plan crashes and restarts nodes (the disk loses or tears
// what was not synced), makes disks fail reads, writes and syncs (entities fail and restart with
// backoff; each node's keeper reopens a failed store), pauses nodes and moves their clocks. Then
// the script heals everything and checks, in order:
//   recovery   every node's store opens (or reopens) on its healed disk;
//   liveness   one more Add to every counter is acknowledged;
//   durability every acknowledged event is in its counter's journal, in ack order, once, with
//              sequence numbers 1..n and nothing that was never sent;
//   fold       every counter's state equals the fold of its journal.
#include <registry.hpp>

namespace orrery::scenarios {

/// The scenario as the registry lists it.
Scenario persist_scenario();

ScenarioResult run_persist_scenario(std::uint64_t seed, const ScenarioOptions& options);

}  // namespace orrery::scenarios
