#pragma once
// The `remoting` scenario: nodes a, b and c of one actor system. b and c each run a server; a
// runs a client that asks both every 50 ms and watches them (remote death watch). A generated
// fault plan (partitions, one-way cuts, crashes with restarts of b and c, pauses, clock jumps and
// drift, clogged and lossy links) runs for a minute; then the script heals everything and
// checks, in order:
//   ordering       replies from each server arrive in request order, none twice (at most once,
//                  ordered per pair), throughout the run;
//   liveness       after healing, both servers answer again;
//   death watch    crashing c tells a's client Terminated for c's server;
//   quarantine     after c restarts, a quarantines c's old incarnation and reaches the new one;
//   stale refused  a message addressed to c's old server incarnation is refused, not delivered.
#include <registry.hpp>

namespace orrery::scenarios {

/// The scenario as the registry lists it.
Scenario remoting_scenario();

ScenarioResult run_remoting_scenario(std::uint64_t seed, const ScenarioOptions& options);

}  // namespace orrery::scenarios
