#pragma once
// Measuring helpers shared by every benchmark: a stopwatch on the steady clock, the resident
// set size of this process, and a latch that counts completions across threads.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

namespace orrery::bench {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double elapsed_ns() const {
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start_)
        .count();
  }
  double elapsed_s() const { return elapsed_ns() / 1e9; }

 private:
  std::chrono::steady_clock::time_point start_;
};

/// The median of `values` (the mean of the middle two for an even count); values is sorted.
double median(std::vector<double>& values);

/// The value at fraction `q` (0..1) of sorted `values`, nearest rank.
double quantile(const std::vector<double>& sorted_values, double q);

/// CPU seconds this process used so far, user and system, every thread (getrusage): beside a
/// wall-clock figure it says whether a run waited or worked (on a shared machine, both).
double process_cpu_seconds();

/// Resident bytes of this process, from /proc/self/statm.
std::uint64_t resident_bytes();

/// Bytes malloc has handed out and not had back (mallinfo2's uordblks): live heap, without
/// the free pages and fragments a resident-set delta also counts.
std::uint64_t heap_bytes_in_use();

/// Hands freed heap pages back to the OS (malloc_trim), so that a following resident_bytes()
/// delta counts new pages rather than reused ones.
void release_free_memory();

/// Counts down from `count`; wait() blocks until zero. For completions reported from actor
/// threads to the measuring thread, which must not spin: on two cores it would take a worker's.
class CountDown {
 public:
  explicit CountDown(std::uint64_t count) : remaining_(count) {}
  void count_down() noexcept {
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) remaining_.notify_all();
  }
  bool done() const noexcept { return remaining_.load(std::memory_order_acquire) == 0; }
  void wait() const noexcept;

 private:
  std::atomic<std::uint64_t> remaining_;
};

}  // namespace orrery::bench
