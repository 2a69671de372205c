// Measuring helpers: median, resident set size, the count-down latch.
#include "measure.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <orrery/core/assert.hpp>

namespace orrery::bench {

double median(std::vector<double>& values) {
  ORRERY_ASSERT(!values.empty(), "the median of no values");
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) return values[middle];
  return (values[middle - 1] + values[middle]) / 2;
}

double quantile(const std::vector<double>& sorted_values, double q) {
  ORRERY_ASSERT(!sorted_values.empty(), "a quantile of no values");
  ORRERY_ASSERT(q >= 0 && q <= 1, "a quantile is a fraction");
  const double rank = std::ceil(q * static_cast<double>(sorted_values.size()));
  const std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return sorted_values[std::min(index, sorted_values.size() - 1)];
}

std::uint64_t resident_bytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  ORRERY_ASSERT(statm != nullptr, "/proc/self/statm is needed to measure memory");
  unsigned long size_pages = 0, resident_pages = 0;
  const int read = std::fscanf(statm, "%lu %lu", &size_pages, &resident_pages);
  std::fclose(statm);
  ORRERY_ASSERT(read == 2, "/proc/self/statm did not parse");
  return static_cast<std::uint64_t>(resident_pages) *
         static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

double process_cpu_seconds() {
  rusage usage{};
  ORRERY_ASSERT(getrusage(RUSAGE_SELF, &usage) == 0, "getrusage answers");
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::uint64_t heap_bytes_in_use() {
  return static_cast<std::uint64_t>(mallinfo2().uordblks);
}

void release_free_memory() {
  malloc_trim(0);
}

void CountDown::wait() const noexcept {
  for (std::uint64_t seen = remaining_.load(std::memory_order_acquire); seen != 0;
       seen = remaining_.load(std::memory_order_acquire)) {
    remaining_.wait(seen, std::memory_order_acquire);
  }
}

}  // namespace orrery::bench
