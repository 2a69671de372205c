// TimerService beyond the shared contract: stale ids after slot reuse, pending tasks dropped
// unrun at destruction, and a million pending timers.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <sys/resource.h>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <orrery/env/production/system_clock.hpp>
#include <orrery/env/production/timer_service.hpp>

namespace {

using namespace std::chrono_literals;
using orrery::SystemClock;
using orrery::TimerId;
using orrery::TimerService;

/// Counts destructions of the tasks that captured it (and runs, when a task runs).
struct TaskCounter {
  std::atomic<int> runs{0};
  std::atomic<int> destroyed{0};
};

class CountedTask {
 public:
  explicit CountedTask(TaskCounter& counter) : counter_(&counter) {}
  CountedTask(CountedTask&& other) noexcept : counter_(std::exchange(other.counter_, nullptr)) {}
  CountedTask& operator=(CountedTask&&) = delete;
  ~CountedTask() {
    if (counter_ != nullptr) counter_->destroyed.fetch_add(1);
  }
  void operator()() { counter_->runs.fetch_add(1); }

 private:
  TaskCounter* counter_;
};

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(200us);
  }
  return true;
}

}  // namespace

TEST_CASE("timer service: an id stays dead after its slot is reused", "[production][timers]") {
  SystemClock clock;
  TimerService timers(clock);
  TaskCounter counter;
  const TimerId first = timers.schedule_at(clock.now() + 1h, CountedTask(counter));
  REQUIRE(timers.cancel(first));
  const TimerId second = timers.schedule_at(clock.now() + 1h, CountedTask(counter));
  CHECK(second != first);
  CHECK((second.value & UINT32_MAX) == (first.value & UINT32_MAX));  // the same slot, reused
  CHECK_FALSE(timers.cancel(first));
  CHECK(timers.pending() == 1);
  CHECK(timers.cancel(second));
  CHECK(timers.pending() == 0);
  CHECK(counter.runs.load() == 0);
  CHECK(counter.destroyed.load() == 2);
}

TEST_CASE("timer service: destruction drops pending tasks without running them",
          "[production][timers]") {
  SystemClock clock;
  TaskCounter counter;
  {
    TimerService timers(clock);
    for (int index = 0; index < 100; ++index) {
      timers.schedule_at(clock.now() + 1h, CountedTask(counter));
    }
    timers.schedule_at(clock.now(), CountedTask(counter));
    REQUIRE(wait_for([&] { return counter.runs.load() == 1; }, 5000ms));
    CHECK(timers.pending() == 100);
  }
  CHECK(counter.runs.load() == 1);
  CHECK(counter.destroyed.load() == 101);
}

TEST_CASE("timer service: an earlier timer wakes the thread from a later wait",
          "[production][timers]") {
  SystemClock clock;
  TimerService timers(clock);
  TaskCounter counter;
  timers.schedule_at(clock.now() + 1h, CountedTask(counter));
  std::this_thread::sleep_for(5ms);  // the thread now waits for the timer an hour away
  const auto start = clock.now();
  timers.schedule_at(clock.now() + 2ms, CountedTask(counter));
  REQUIRE(wait_for([&] { return counter.runs.load() == 1; }, 5000ms));
  CHECK(clock.now() - start < 1s);
}

TEST_CASE("timer service: a timer due at Instant::max() waits quietly", "[production][timers]") {
  SystemClock clock;
  TimerService timers(clock);
  TaskCounter counter;
  timers.schedule_at(orrery::Instant::max(), CountedTask(counter));
  auto cpu_time = [] {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return std::chrono::seconds(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           std::chrono::microseconds(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
  };
  const auto cpu_before = cpu_time();
  std::this_thread::sleep_for(100ms);
  // A wait that overflowed would return at once and spin a whole core.
  CHECK(cpu_time() - cpu_before < 50ms);
  timers.schedule_at(clock.now(), CountedTask(counter));
  REQUIRE(wait_for([&] { return counter.runs.load() == 1; }, 5000ms));
  CHECK(timers.pending() == 1);
}

TEST_CASE("timer service: a million pending timers, cancelled in random order",
          "[production][timers][scale]") {
  SystemClock clock;
  TimerService timers(clock);
  TaskCounter counter;
  constexpr int timers_count = 1'000'000;
  std::vector<TimerId> ids;
  ids.reserve(timers_count);
  const auto base = clock.now() + 1h;
  const auto schedule_start = std::chrono::steady_clock::now();
  for (int index = 0; index < timers_count; ++index) {
    // Spread over an hour, in an order that is not sorted (a multiplicative scramble).
    const auto offset = std::chrono::microseconds((index * 2'654'435'761ULL) % 3'600'000'000ULL);
    ids.push_back(timers.schedule_at(base + offset, CountedTask(counter)));
  }
  const auto scheduled = std::chrono::steady_clock::now();
  CHECK(timers.pending() == timers_count);
  // Cancel every other one in a scrambled order, then the rest.
  std::size_t cancelled = 0;
  for (std::size_t step = 0; step < ids.size(); ++step) {
    const std::size_t index = (step * 7'919) % ids.size();
    if (index % 2 == 0) cancelled += timers.cancel(ids[index]) ? 1 : 0;
  }
  CHECK(cancelled == timers_count / 2);
  CHECK(timers.pending() == timers_count / 2);
  for (std::size_t index = 1; index < ids.size(); index += 2) {
    REQUIRE(timers.cancel(ids[index]));
  }
  const auto cancelled_all = std::chrono::steady_clock::now();
  CHECK(timers.pending() == 0);
  CHECK(counter.runs.load() == 0);
  CHECK(counter.destroyed.load() == timers_count);
  using std::chrono::duration_cast;
  using std::chrono::nanoseconds;
  WARN("schedule: " << duration_cast<nanoseconds>(scheduled - schedule_start).count() / timers_count
                    << " ns/timer, cancel: "
                    << duration_cast<nanoseconds>(cancelled_all - scheduled).count() / timers_count
                    << " ns/timer");
}

TEST_CASE("timer service: concurrent schedulers and cancellers", "[production][timers]") {
  SystemClock clock;
  TimerService timers(clock);
  TaskCounter counter;
  constexpr int threads_count = 4;
  constexpr int timers_per_thread = 2000;
  std::atomic<int> cancelled{0};
  std::vector<std::thread> threads;
  for (int thread = 0; thread < threads_count; ++thread) {
    threads.emplace_back([&, thread] {
      for (int index = 0; index < timers_per_thread; ++index) {
        const auto due = clock.now() + std::chrono::microseconds((index * 37 + thread) % 3000);
        const TimerId id = timers.schedule_at(due, CountedTask(counter));
        if (index % 3 == 0 && timers.cancel(id)) cancelled.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  constexpr int total = threads_count * timers_per_thread;
  REQUIRE(wait_for([&] { return counter.runs.load() + cancelled.load() == total; }, 10'000ms));
  CHECK(wait_for([&] { return counter.destroyed.load() == total; }, 1000ms));
  CHECK(timers.pending() == 0);
}
