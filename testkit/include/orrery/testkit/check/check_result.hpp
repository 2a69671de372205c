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
  /// Whether a non-linearizable answer also narrows the failing operations down (see failing).
  bool minimize = true;
};

enum class Verdict { linearizable, not_linearizable, unknown };

const char* to_string(Verdict verdict) noexcept;

struct CheckResult {
  Verdict verdict = Verdict::linearizable;
  /// When not linearizable: indices (into the checked span) of the operations that show it, in
  /// call order: the shortest failing prefix of the history (up to the return at which no order
  /// works any more), narrowed, for a model with an unknown() state, to the latest quiet instant
  /// (no determinate operation in flight) from which it still fails whatever the state was then.
  /// Operations before that instant are summed up by "some state", so leaving them out cannot
  /// make a violation up; indeterminate ones called earlier stay (they may act inside it).
  std::vector<std::size_t> failing;
  /// Whether `failing` is that shortest window (false: a limit was hit while narrowing it).
  bool failing_minimal = false;
  /// When unknown: which limit ("steps", "memory", "stopped").
  std::string limit;
  std::uint64_t steps = 0;
  std::uint64_t memo_entries_peak = 0;
  std::uint64_t memo_bytes_peak = 0;
};

}  // namespace orrery::testkit::check
