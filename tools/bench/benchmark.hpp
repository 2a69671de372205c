#pragma once
// A benchmark: one workload measured on Orrery ("ours") and on a peer in the same invocation,
// in one unit, with a direction. The runner repeats each side and keeps the median; the ratio
// says how many times better ours is (>1 is better, whichever way the unit points).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace orrery::bench {

enum class Better : std::uint8_t { lower, higher };

/// How much work a run does: --quick shrinks every workload (the smoke test).
struct RunScale {
  bool quick = false;
};

/// One run's figure, in the benchmark's unit, and anything worth printing beside it (p99, ...).
struct Measurement {
  double value = 0;
  std::string detail;
};

using Measure = std::function<Measurement(const RunScale&)>;

/// A figure shown beside the comparison but not in the ratio (e.g. CAF next to raw gRPC).
struct Aside {
  std::string who;
  Measure measure;
};

struct Benchmark {
  std::string name;
  std::string unit;
  Better better = Better::lower;
  /// What the workload is, for --list.
  std::string summary;
  Measure ours;
  std::string peer_name;
  Measure peer;
  std::vector<Aside> asides;
  /// Repetitions of each side (the median is kept); 0 means the runner's default.
  std::uint32_t repetitions = 0;
  /// Why the benchmark cannot run on this machine (empty: it can), asked before running it: a
  /// skipped benchmark prints a loud "skipped: <why>" row instead of figures, and never fails.
  std::function<std::string()> skip_reason;
};

/// Every benchmark, in report order.
std::vector<Benchmark> all_benchmarks();
std::vector<Benchmark> runtime_benchmarks();
std::vector<Benchmark> remote_benchmarks();
std::vector<Benchmark> sim_benchmarks();
std::vector<Benchmark> persist_benchmarks();

}  // namespace orrery::bench
