// Delta debugging over a failing run's fault plan and workload.

#include <algorithm>
#include <shrink.hpp>

#include <fmt/format.h>

namespace orrery::scenarios {

namespace {

Duration fault_time(const sim::FaultPlan& plan) {
  Duration total{0};
  for (const sim::FaultAction& action : plan.actions)
    total += action.duration;
  return total;
}

class Shrinker {
 public:
  Shrinker(const Scenario& scenario, const ShrinkOptions& options)
      : scenario_(scenario), options_(options) {}

  /// Runs `candidate`; true (and it becomes the best) when it fails the same invariant.
  bool fails(const ReplayFile& candidate) {
    if (out_of_budget()) return false;
    ++runs_;
    const ScenarioResult result = scenario_.run(candidate.seed, options_of(candidate));
    if (result.passed || result.invariant != invariant_) return false;
    best_ = replay_file_of(result, candidate.build);
    best_.add_generated = false;
    if (options_.progress) options_.progress(best_, runs_);
    return true;
  }

  bool out_of_budget() {
    if (runs_ >= options_.max_runs) stopped_ = true;
    if (!stopped_ && options_.keep_going && !options_.keep_going()) stopped_ = true;
    return stopped_;
  }

  /// ddmin over the plan's actions: tries dropping chunks, then complements, at finer and finer
  /// granularity, keeping any smaller plan that still fails.
  bool drop_actions() {
    // Many failures need no fault at all (a logic bug the workload alone hits): try that first.
    if (!best_.plan.actions.empty()) {
      ReplayFile none = best_;
      none.plan.actions.clear();
      if (fails(none)) return true;
    }
    bool changed = false;
    std::size_t chunks = 2;
    while (best_.plan.actions.size() >= 1 && !stopped_) {
      const std::vector<sim::FaultAction> actions = best_.plan.actions;
      const std::size_t n = actions.size();
      chunks = std::min(chunks, n);
      bool reduced = false;
      // Each chunk removed (the complement kept).
      for (std::size_t c = 0; c < chunks && !reduced; ++c) {
        const std::size_t from = c * n / chunks;
        const std::size_t to = (c + 1) * n / chunks;
        ReplayFile candidate = best_;
        candidate.plan.actions.clear();
        for (std::size_t i = 0; i < n; ++i) {
          if (i < from || i >= to) candidate.plan.actions.push_back(actions[i]);
        }
        if (fails(candidate)) {
          reduced = true;
          chunks = std::max<std::size_t>(chunks - 1, 2);
        }
      }
      // Each chunk alone.
      for (std::size_t c = 0; c < chunks && !reduced && (chunks > 2 || n == 2); ++c) {
        const std::size_t from = c * n / chunks;
        const std::size_t to = (c + 1) * n / chunks;
        ReplayFile candidate = best_;
        candidate.plan.actions.assign(actions.begin() + static_cast<std::ptrdiff_t>(from),
                                      actions.begin() + static_cast<std::ptrdiff_t>(to));
        if (fails(candidate)) {
          reduced = true;
          chunks = 2;
        }
      }
      if (reduced) {
        changed = true;
        continue;
      }
      if (chunks >= n) break;
      chunks = std::min(n, chunks * 2);
    }
    return changed;
  }

  /// Halves each fault's window (and a jump's delta, a drift's or loss's ppm) while it still
  /// fails.
  bool shorten_windows() {
    bool changed = false;
    for (std::size_t i = 0; i < best_.plan.actions.size() && !stopped_; ++i) {
      for (int attempt = 0; attempt < 8 && !stopped_; ++attempt) {
        ReplayFile candidate = best_;
        sim::FaultAction& action = candidate.plan.actions[i];
        bool smaller = false;
        if (action.duration > std::chrono::milliseconds(1)) {
          // Never down to 0: for a crash that means "stays down", a bigger fault, not a shorter
          // one.
          action.duration = std::max<Duration>(
              std::chrono::milliseconds(1),
              std::chrono::duration_cast<std::chrono::milliseconds>(action.duration / 2));
          smaller = true;
        }
        if (action.delta.count() != 0 &&
            std::chrono::abs(action.delta) > std::chrono::milliseconds(1)) {
          action.delta = std::chrono::duration_cast<std::chrono::milliseconds>(action.delta / 2);
          smaller = true;
        }
        if (action.ppm > 1 || action.ppm < -1) {
          action.ppm /= 2;
          smaller = true;
        }
        if (!smaller || !fails(candidate)) break;
        changed = true;
      }
    }
    return changed;
  }

  /// Halves the workload's operations while it still fails, then bisects between the last
  /// failing and the first passing count.
  bool fewer_operations() {
    if (!best_.operations || *best_.operations <= 1) return false;
    bool changed = false;
    std::uint32_t failing = *best_.operations;
    std::uint32_t passing = 0;
    while (failing - passing > std::max<std::uint32_t>(1, failing / 16) && !stopped_) {
      const std::uint32_t middle = passing + (failing - passing) / 2;
      ReplayFile candidate = best_;
      candidate.operations = middle;
      if (fails(candidate)) {
        failing = *best_.operations;
        changed = true;
      } else {
        passing = middle;
      }
    }
    return changed;
  }

  /// Ends the safety phase soon after the last fault does.
  bool shorter_until() {
    if (!best_.until) return false;
    Duration last_end{0};
    for (const sim::FaultAction& action : best_.plan.actions)
      last_end = std::max(last_end, action.at + action.duration);
    const Duration target =
        std::max<Duration>(last_end + std::chrono::seconds(1), std::chrono::seconds(1));
    if (target >= *best_.until) return false;
    ReplayFile candidate = best_;
    candidate.until = target;
    return fails(candidate);
  }

  Result<ShrinkResult> run(const ReplayFile& failing) {
    ScenarioResult first = scenario_.run(failing.seed, options_of(failing));
    ++runs_;
    if (first.passed)
      return make_error(Errc::invalid_argument,
                        fmt::format("{} seed {} passes: there is nothing to shrink",
                                    failing.scenario, failing.seed));
    invariant_ = first.invariant;
    best_ = replay_file_of(first, failing.build);
    ShrinkResult out;
    out.invariant = invariant_;
    out.actions_before = best_.plan.actions.size();
    out.operations_before = best_.operations.value_or(0);
    out.until_before = best_.until.value_or(Duration{0});
    out.fault_time_before = fault_time(best_.plan);
    for (int pass = 0; pass < 8 && !stopped_; ++pass) {
      bool changed = drop_actions();
      changed = shorten_windows() || changed;
      changed = fewer_operations() || changed;
      changed = shorter_until() || changed;
      if (!changed) {
        out.complete = !stopped_;
        break;
      }
    }
    out.shrunk = best_;
    out.runs = runs_;
    out.actions_after = best_.plan.actions.size();
    out.operations_after = best_.operations.value_or(0);
    out.until_after = best_.until.value_or(Duration{0});
    out.fault_time_after = fault_time(best_.plan);
    return out;
  }

 private:
  const Scenario& scenario_;
  const ShrinkOptions& options_;
  std::string invariant_;
  ReplayFile best_;
  std::size_t runs_ = 0;
  bool stopped_ = false;
};

}  // namespace

Result<ShrinkResult> shrink(const Scenario& scenario, const ReplayFile& failing,
                            const ShrinkOptions& options) {
  if (failing.scenario != scenario.name)
    return make_error(Errc::invalid_argument, fmt::format("the file is of scenario '{}', not '{}'",
                                                          failing.scenario, scenario.name));
  Shrinker shrinker(scenario, options);
  return shrinker.run(failing);
}

}  // namespace orrery::scenarios
