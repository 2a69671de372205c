// Every benchmark orrery-bench knows, in report order.
#include "benchmark.hpp"

namespace orrery::bench {

std::vector<Benchmark> all_benchmarks() {
  return runtime_benchmarks();
}

}  // namespace orrery::bench
