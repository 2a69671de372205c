#pragma once
// The production seam parts as a conformance factory (see factories.hpp for the contract):
// SystemClock, TimerService, a two-worker ThreadPoolExecutor, OsRandom, and a PosixStorage
// under a fresh temporary directory that is removed afterwards.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdlib.h>
#include <string>
#include <thread>

#include <orrery/core/assert.hpp>
#include <orrery/env/production/os_random.hpp>
#include <orrery/env/production/posix_storage.hpp>
#include <orrery/env/production/system_clock.hpp>
#include <orrery/env/production/thread_pool_executor.hpp>
#include <orrery/env/production/timer_service.hpp>

namespace orrery::conformance {

/// A directory under the system's temporary directory, removed with everything in it.
class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "orrery-conformance-XXXXXX").string();
    const char* made = ::mkdtemp(pattern.data());
    ORRERY_ASSERT(made != nullptr, "mkdtemp failed");
    path_ = pattern;
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

class ProductionParts {
 public:
  ProductionParts() : executor_(two_workers()), timers_(clock_) {
    auto storage = PosixStorage::open_root(directory_.path() + "/root");
    ORRERY_ASSERT(storage.ok(), "cannot open the conformance storage root");
    storage_ = std::move(storage).value();
  }

  Clock& clock() noexcept { return clock_; }
  Timers& timers() noexcept { return timers_; }
  Executor& executor() noexcept { return executor_; }
  Storage& storage() noexcept { return *storage_; }
  std::unique_ptr<Random> make_random() { return std::make_unique<OsRandom>(); }

  bool run_until(const std::function<bool()>& done, Duration limit) {
    const Instant deadline = clock_.now() + limit;
    while (!done()) {
      if (clock_.now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
  }
  void pass(Duration duration) { std::this_thread::sleep_for(duration); }

 private:
  static ThreadPoolConfig two_workers() {
    ThreadPoolConfig config;
    config.workers = 2;
    return config;
  }

  // Declared so that destruction stops the timer thread before the pool, and both before the
  // storage and its directory go.
  TemporaryDirectory directory_;
  std::unique_ptr<PosixStorage> storage_;
  SystemClock clock_;
  ThreadPoolExecutor executor_;
  TimerService timers_;
};

}  // namespace orrery::conformance
