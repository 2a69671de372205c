// Every benchmark orrery-bench knows, in report order.
#include "benchmark.hpp"

namespace orrery::bench {

std::vector<Benchmark> all_benchmarks() {
  std::vector<Benchmark> list = runtime_benchmarks();
  for (Benchmark& remote : remote_benchmarks())
    list.push_back(std::move(remote));
  for (Benchmark& simulated : sim_benchmarks())
    list.push_back(std::move(simulated));
  for (Benchmark& persistent : persist_benchmarks())
    list.push_back(std::move(persistent));
  return list;
}

}  // namespace orrery::bench
