// The simulator's benchmarks: its speed beside CAF's production runtime, beside a bare
// discrete-event loop, against the wall clock, and its cost per event as the world grows.
#include "benchmark.hpp"
#include "sim_workloads.hpp"
#include "workloads.hpp"

namespace orrery::bench {
namespace {

std::uint64_t pick(const RunScale& scale, std::uint64_t full, std::uint64_t quick) {
  return scale.quick ? quick : full;
}

}  // namespace

std::vector<Benchmark> sim_benchmarks() {
  std::vector<Benchmark> list;
  list.push_back(
      {"sim.pingpong.1", "deliveries/s", Better::higher,
       "one local ping-pong pair inside the simulator, beside CAF's runtime on one worker",
       [](const RunScale& s) {
         return Measurement{simulated::ping_pong_rate(1, pick(s, 4'000'000, 200'000)), {}};
       },
       caf_peer::name(),
       [](const RunScale& s) {
         const double ns = caf_peer::ping_pong({pick(s, 1'000'000, 100'000), false});
         return Measurement{1e9 / ns, {}};
       }});
  list.push_back(
      {"sim.pingpong.1000", "deliveries/s", Better::higher,
       "1,000 ping-pong pairs in flight inside the simulator, beside a bare (time, sequence) heap "
       "loop",
       [](const RunScale& s) {
         return Measurement{simulated::ping_pong_rate(1000, pick(s, 4'000'000, 200'000)), {}};
       },
       "bare-event-loop",
       [](const RunScale& s) {
         return Measurement{simulated::bare_loop_rate(1000, pick(s, 20'000'000, 1'000'000)), {}};
       }});
  list.push_back(
      {"sim.idle_cluster", "sim-s/wall-s", Better::higher,
       "5 nodes, 100 actors each on 1 s periodic timers: simulated seconds per wall second (peer: "
       "real time)",
       [](const RunScale& s) {
         return Measurement{
             simulated::idle_cluster_speed(5, static_cast<std::uint32_t>(pick(s, 600, 30))), {}};
       },
       "real-time",
       [](const RunScale&) {
         return Measurement{1.0, "1 simulated second per wall second"};
       }});
  list.push_back(
      {"sim.scale", "ns/event", Better::lower,
       "cost per event at 100 nodes (ours) against 5 nodes (peer): cost follows events, not "
       "topology",
       [](const RunScale& s) {
         double ns = 0;
         simulated::idle_cluster_speed(100, static_cast<std::uint32_t>(pick(s, 60, 5)), &ns);
         return Measurement{ns, {}};
       },
       "sim-5-nodes",
       [](const RunScale& s) {
         double ns = 0;
         simulated::idle_cluster_speed(5, static_cast<std::uint32_t>(pick(s, 600, 30)), &ns);
         return Measurement{ns, {}};
       }});
  list.push_back(
      {"sim.faulty_cluster", "sim-s/wall-s", Better::higher,
       "5 nodes, 1,000 actors messaging across nodes over remoting under a mixed fault plan (peer: "
       "real time)",
       [](const RunScale& s) {
         return Measurement{
             simulated::faulty_cluster_speed(static_cast<std::uint32_t>(pick(s, 120, 10))), {}};
       },
       "real-time",
       [](const RunScale&) {
         return Measurement{1.0, "1 simulated second per wall second"};
       }});
  return list;
}

}  // namespace orrery::bench
