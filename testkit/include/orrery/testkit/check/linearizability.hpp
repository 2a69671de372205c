#pragma once
// A linearizability checker: is there an order of the operations, each taking effect at one
// instant between its call and its return, that a sequential model accepts? Wing and Gong's
// search with Lowe's just-in-time linearization and memoisation of (linearized set, model state),
// the algorithm of Porcupine and Knossos' "linear" checker.
//
// A model is a small C++ type:
//
//   struct Counter {
//     using State = std::int64_t;
//     struct Op { bool add; std::int64_t value; std::optional<std::int64_t> seen; };
//     static State init() { return 0; }
//     // The state after `op`, or nullopt if `op` cannot happen in `state`. An indeterminate
//     // operation's output is unknown: step() must accept any output then.
//     static std::optional<State> step(const State& state, const Op& op, bool determinate);
//     static std::uint64_t hash(const State& state);   // stable, for the memo
//   };                                                 // State needs operator==
//
// Indeterminate operations (ret == indeterminate) may take effect at any instant after their
// call, or never. Bounds: the search is exponential in the worst case (concurrency, not length,
// drives it); CheckLimits caps its steps and the memo's bytes, and stop() lets a caller impose a
// time limit. Hitting one answers unknown, never a guess.
#include <span>

#include <orrery/testkit/check/check_result.hpp>
#include <orrery/testkit/check/detail/linear_search.hpp>

namespace orrery::testkit::check {

/// Checks `ops` against model M. Times are positions: an operation precedes another in real time
/// when its ret is below the other's call (equal positions count as concurrent).
template <class M>
CheckResult check_linearizable(std::span<const TimedOp<typename M::Op>> ops,
                               const CheckLimits& limits = {}) {
  detail::LinearSearch<M> search(ops, limits);
  return search.run();
}

}  // namespace orrery::testkit::check
