#pragma once
// The simulator's workloads (sim_benchmarks.cpp registers them): ours inside a World, and the
// bare discrete-event loop the simulator's core is measured against.

#include <cstdint>

namespace orrery::bench::simulated {

/// Deliveries per wall second of `pairs` local ping-pong pairs inside one simulated node,
/// `deliveries` in all.
double ping_pong_rate(std::uint32_t pairs, std::uint64_t deliveries);
/// Events per wall second of a bare loop: a binary heap of (time, sequence) events, each calling
/// a plain function that schedules the next, `pairs` chains in flight, `events` in all.
double bare_loop_rate(std::uint32_t pairs, std::uint64_t events);
/// Simulated seconds per wall second of `nodes` nodes with 100 actors each on 1 s periodic
/// timers, over `simulated_seconds`. `ns_per_event` (optional) receives the cost per event.
double idle_cluster_speed(std::uint32_t nodes, std::uint32_t simulated_seconds,
                          double* ns_per_event = nullptr);
/// Simulated seconds per wall second of 5 nodes, 1,000 actors exchanging messages across nodes
/// over remoting under a generated mixed fault plan: each actor starts a message every simulated
/// second that travels two hops to actors on the next nodes (about 2,000 remote messages per
/// simulated second, plus heartbeats and handshakes).
double faulty_cluster_speed(std::uint32_t simulated_seconds);

}  // namespace orrery::bench::simulated
