#pragma once
// The `register` scenario: one register kept by a durable-state actor on node a (SQLite on
// SimDisk), read, written and compare-and-set by four clients on nodes b and c over remoting.
// Each client records its history as Jepsen does (invoke, then ok, fail, or info when the answer
// did not come within 500 ms; a client that gave up on an operation goes on as a new process).
// Under crashes and restarts of a, disk faults, partitions, loss and clock jumps; then everything
// heals and the script checks:
//   liveness      every client writes and reads the register within 30 s of healing;
//   linearizable  the recorded history is linearizable for a cas-register, with the testkit's
//                 checker; an operation left indeterminate is settled from the world's own record
//                 of what the register handed to its store (never handed over: it took no
//                 effect), which no outside checker could know.
#include <registry.hpp>

namespace orrery::scenarios {

/// The scenario as the registry lists it.
Scenario register_scenario();

ScenarioResult run_register_scenario(std::uint64_t seed, const ScenarioOptions& options);

}  // namespace orrery::scenarios
