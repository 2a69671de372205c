#pragma once
// The built-in scenarios: ready-made systems under test, each with a workload, a fault mix and
// its invariants, run by name (`orrery sim run NAME --seed S`). A run is a pure function of the
// seed (and the options): the same seed gives the same verdict and trace hash.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <orrery/core/time.hpp>
#include <orrery/sim/fault_plan.hpp>

namespace orrery::scenarios {

struct ScenarioOptions {
  /// Inject the scenario's generated fault plan (off: the workload alone).
  bool faults = true;
  /// Replay this plan instead of generating one (a shrunk or hand-written plan).
  std::optional<sim::FaultPlan> plan;
  /// Receives the trace as JSON lines.
  std::function<void(std::string_view)> trace_sink;
  /// Print the nodes' log lines to stderr as they are written.
  bool echo_log = false;
};

struct ScenarioResult {
  std::string scenario;
  std::uint64_t seed = 0;
  bool passed = false;
  /// The invariant that failed, or "all" when every one held.
  std::string invariant = "all";
  /// Why it failed (with the world's report), empty on success.
  std::string detail;
  Duration sim_time{0};
  std::uint64_t events = 0;
  std::uint64_t trace_hash = 0;
  /// The fault plan that ran, one action per line.
  std::string plan;

  /// {"scenario", "seed", "verdict", "invariant", "sim_time_ns", "events", "trace_hash", ...}
  std::string to_json() const;
  std::string to_text() const;
};

struct Scenario {
  std::string_view name;
  std::string_view summary;
  ScenarioResult (*run)(std::uint64_t seed, const ScenarioOptions& options);
};

/// Every built-in scenario, in name order.
std::vector<Scenario> all_scenarios();
std::optional<Scenario> find_scenario(std::string_view name);

}  // namespace orrery::scenarios
