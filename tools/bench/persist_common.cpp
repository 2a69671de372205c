// What the persistence benchmarks share: entity names, the fdatasync probe, batch summaries.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include <orrery/core/assert.hpp>

#include "measure.hpp"
#include "persist_workloads.hpp"

namespace orrery::bench {

std::string entity_id(std::uint32_t index) {
  return fmt::format("bench-{:06}", index);
}

double fdatasync_seconds(const std::string& directory, std::uint32_t count) {
  ORRERY_ASSERT(count > 0, "the probe syncs at least once");
  const std::string path = directory + "/fdatasync-probe";
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
  ORRERY_ASSERT(fd >= 0, "the fdatasync probe opens its file");
  const std::vector<char> page(4096, 'p');
  std::vector<double> seconds;
  // Appending grows the file, as a WAL's commits do before it wraps: the size is metadata that
  // the sync must write too.
  for (std::uint32_t i = 0; i < count; ++i) {
    const Stopwatch stopwatch;
    const ssize_t wrote = ::pwrite(fd, page.data(), page.size(), static_cast<off_t>(i) * 4096);
    const int synced = ::fdatasync(fd);
    seconds.push_back(stopwatch.elapsed_s());
    ORRERY_ASSERT(wrote == static_cast<ssize_t>(page.size()) && synced == 0,
                  "the fdatasync probe writes and syncs");
  }
  ::close(fd);
  ::unlink(path.c_str());
  return median(seconds);
}

std::string describe_batches(const std::map<std::uint64_t, std::uint64_t>& transactions_by_writes) {
  std::uint64_t transactions = 0;
  std::uint64_t writes = 0;
  std::uint64_t largest = 0;
  for (const auto& [size, count] : transactions_by_writes) {
    transactions += count;
    writes += size * count;
    largest = std::max(largest, size);
  }
  if (transactions == 0) return "no transactions";
  return fmt::format("{} transactions, {:.1f} writes each on average, {} at most", transactions,
                     static_cast<double>(writes) / static_cast<double>(transactions), largest);
}

}  // namespace orrery::bench
