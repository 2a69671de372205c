#pragma once
// The built-in scenarios: ready-made systems under test, each with a workload, a fault mix and
// its invariants, run by name (`orrery sim run NAME --seed S`). A run is a pure function of the
// seed and the options: the same seed, plan, bug and workload give the same verdict and trace
// hash, which is what replay files (replay_file.hpp) and shrinking (shrink.hpp) rely on.
//
// A scenario runs in two phases: safety (the workload under faults, invariants checked as it
// goes) and liveness (every fault healed; the system must finish its work within a stated
// bound). Each scenario ships planted bugs, switched on by name, that a sweep must find.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <orrery/core/time.hpp>
#include <orrery/sim/fault_plan.hpp>

namespace orrery::sim {
class World;
}

namespace orrery::scenarios {

struct ScenarioOptions {
  /// Inject the scenario's generated fault plan (off: the workload alone, or `plan` alone).
  bool faults = true;
  /// Run this plan (a shrunk or hand-written one) instead of generating one from the seed.
  std::optional<sim::FaultPlan> plan;
  /// With `plan`: also add the seed's generated faults, each one that does not conflict with the
  /// scripted plan (scripted faults mixed with seeded ones).
  bool add_generated = false;
  /// The planted bug to switch on (empty: none). Must be one of the scenario's `bugs`.
  std::string bug;
  /// How long the safety phase (workload under faults) lasts; empty: the scenario's default.
  std::optional<Duration> until;
  /// At most this many workload operations (shrinking lowers it); empty: the scenario's default.
  std::optional<std::uint32_t> operations;
  /// Receives the trace as JSON lines.
  std::function<void(std::string_view)> trace_sink;
  /// Print the nodes' log lines to stderr as they are written.
  bool echo_log = false;
};

struct ScenarioResult {
  std::string scenario;
  std::uint64_t seed = 0;
  std::string bug;
  bool passed = false;
  /// The invariant that failed, or "all" when every one held.
  std::string invariant = "all";
  /// Why it failed (with the world's report), empty on success.
  std::string detail;
  Duration sim_time{0};
  std::uint64_t events = 0;
  std::uint64_t trace_hash = 0;
  /// The fault plan that ran, as data (for replay files and shrinking).
  sim::FaultPlan realized_plan;
  /// The same, one action per line.
  std::string plan;
  /// The safety phase's length and the workload operations issued, as run.
  Duration until{0};
  std::uint32_t operations = 0;

  /// {"scenario", "seed", "verdict", "invariant", "sim_time_ns", "events", "trace_hash", ...}
  std::string to_json() const;
  std::string to_text() const;
  /// The command line that reruns this result's seed (with its bug, if any).
  std::string replay_command() const;
};

/// An invariant as `orrery sim list` shows it: its name (as a failing result's `invariant`), the
/// phase it is checked in ("safety" or "liveness") and what it promises.
struct InvariantInfo {
  std::string_view name;
  std::string_view phase;
  std::string_view summary;
};

/// A planted bug: a deliberate defect a sweep must find, switched on with `--bug NAME`.
struct BugInfo {
  std::string_view name;
  std::string_view summary;
};

struct Scenario {
  std::string_view name;
  std::string_view summary;
  std::vector<InvariantInfo> invariants;
  std::vector<BugInfo> bugs;
  /// The default length of the safety phase.
  Duration default_until{0};
  ScenarioResult (*run)(std::uint64_t seed, const ScenarioOptions& options);

  bool has_bug(std::string_view bug) const noexcept;
};

/// Every built-in scenario, in name order.
std::vector<Scenario> all_scenarios();
std::optional<Scenario> find_scenario(std::string_view name);

// ---- for the scenarios' own code ----

/// The plan a run uses: `options.plan` (plus the non-conflicting generated actions when
/// `add_generated`), else the plan generated from the world's "fault-plan" stream over `span`
/// (when `options.faults`), else none.
sim::FaultPlan choose_plan(const ScenarioOptions& options, sim::World& world,
                           const std::vector<std::string>& node_names, Duration span,
                           const sim::FaultMix& mix);

/// Fills the run's outcome into `result`: verdict, invariant and detail (with the world's last
/// log lines on failure), virtual time, events and trace hash.
void finish_result(ScenarioResult& result, sim::World& world, const Status& outcome,
                   const std::string& invariant);

}  // namespace orrery::scenarios
