#pragma once
// Shrinking: cuts a failing run down to a smaller one that still breaks the same invariant, by
// delta debugging over what the replay file holds (Zeller's ddmin over the fault actions, then
// each remaining fault's window halved, then the workload's operation count halved, the safety
// phase cut to end soon after the last fault), repeated until a whole pass changes nothing. Every
// trial is a full deterministic run of the scenario with the same seed, so a shrunk file replays
// exactly as the shrinker saw it fail.
//
//   auto shrunk = shrink(*find_scenario("bank"), failing, {.keep_going = before_deadline});
//   fmt::print("{} -> {} fault actions in {} runs\n", shrunk->actions_before,
//              shrunk->actions_after, shrunk->runs);
#include <cstddef>
#include <functional>
#include <registry.hpp>
#include <replay_file.hpp>
#include <string>

#include <orrery/core/result.hpp>

namespace orrery::scenarios {

struct ShrinkOptions {
  /// Asked before every trial run; false stops the shrink with the smallest failure so far (the
  /// caller's wall-clock budget: the library itself reads no clock).
  std::function<bool()> keep_going;
  /// At most this many trial runs.
  std::size_t max_runs = 2000;
  /// Told after each trial that kept failing (a smaller failure found), for progress output.
  std::function<void(const ReplayFile& smaller, std::size_t runs)> progress;
};

struct ShrinkResult {
  ReplayFile shrunk;  // with its expected verdict and hash, as the last failing trial ran
  std::string invariant;
  std::size_t runs = 0;
  bool complete = false;  // false: a limit stopped it before a fixpoint
  std::size_t actions_before = 0;
  std::size_t actions_after = 0;
  std::uint32_t operations_before = 0;
  std::uint32_t operations_after = 0;
  Duration until_before{0};
  Duration until_after{0};
  Duration fault_time_before{0};  // the plan's summed fault windows
  Duration fault_time_after{0};
};

/// Shrinks `failing` (a replay file of `scenario` whose run fails). An error when it does not
/// fail when rerun, or names another scenario.
Result<ShrinkResult> shrink(const Scenario& scenario, const ReplayFile& failing,
                            const ShrinkOptions& options = {});

}  // namespace orrery::scenarios
