#pragma once
// What the linearizability checker takes and answers (see linearizability.hpp).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace orrery::testkit::check {

template <class Op>
struct TimedOp {
  Op op;
  std::uint64_t call = 0;
  /// indeterminate (from history.hpp) when nobody knows whether or when it took effect.
  std::uint64_t ret = 0;
};

struct CheckLimits {
  /// Search steps at most (0: no bound). A step tries or undoes one operation.
  std::uint64_t max_steps = 0;
  /// The memo's bytes at most (an estimate: entries times their size).
  std::uint64_t max_memory_bytes = std::uint64_t{2} << 30;
  /// Asked every few thousand steps; true stops the search with unknown (a deadline, a cancel).
  std::function<bool()> stop;
  /// Whether a non-linearizable answer also searches for a minimal failing set of operations.
  bool minimize = true;
};

enum class Verdict { linearizable, not_linearizable, unknown };

const char* to_string(Verdict verdict) noexcept;

struct CheckResult {
  Verdict verdict = Verdict::linearizable;
  /// When not linearizable: indices (into the checked span) of a failing set of operations, in
  /// call order. It is the shortest failing prefix of the history, cut down (delta debugging)
  /// until removing any one operation makes it linearizable, when the budget allowed.
  std::vector<std::size_t> failing;
  /// Whether `failing` is 1-minimal (false: the budget ran out while cutting it down).
  bool failing_minimal = false;
  /// When unknown: which limit ("steps", "memory", "stopped").
  std::string limit;
  std::uint64_t steps = 0;
  std::uint64_t memo_entries_peak = 0;
  std::uint64_t memo_bytes_peak = 0;
};

}  // namespace orrery::testkit::check
