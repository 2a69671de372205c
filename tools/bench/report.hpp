#pragma once
// Running benchmarks (median of repetitions) and printing what they gave: a table for people,
// a JSON array for scripts.

#include <cstdint>
#include <string>
#include <vector>

#include "benchmark.hpp"

namespace orrery::bench {

struct Outcome {
  const Benchmark* benchmark = nullptr;
  Measurement ours;
  Measurement peer;
  std::vector<std::pair<std::string, Measurement>> asides;
  /// How many times better ours is than the peer: >1 is better.
  double ratio = 0;
  /// Non-empty: the benchmark did not run, and why (Benchmark::skip_reason).
  std::string skipped;
};

/// Runs each side `repetitions` times (or the benchmark's own count) and keeps the median run.
Outcome run(const Benchmark& benchmark, const RunScale& scale, std::uint32_t repetitions);

/// How many times better `ours` is than `peer` in the direction `better`.
double ratio_of(double ours, double peer, Better better);

void print_table_header(std::uint32_t repetitions, const RunScale& scale);
/// One row, printed (and flushed) as soon as its benchmark has run.
void print_table_row(const Outcome& outcome);
std::string to_json(const std::vector<Outcome>& outcomes);

}  // namespace orrery::bench
