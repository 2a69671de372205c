#pragma once
// ProductionHarness: the runtime's test bodies on the production seam parts, in real time: the
// system clock, the timer service's thread, the thread pool and the OS-seeded random, so every
// test also exercises real concurrency (and runs under TSan in `make test-tsan`). Transport and
// storage stay null: the runtime tests need neither (tests/conformance covers the real ones).

#include <chrono>
#include <support/harness.hpp>
#include <thread>

#include <orrery/env/production/os_random.hpp>
#include <orrery/env/production/system_clock.hpp>
#include <orrery/env/production/thread_pool_executor.hpp>
#include <orrery/env/production/timer_service.hpp>

namespace orrery::test {

class LockedLog final : public LogSink {
 public:
  void write(LogLevel, std::string_view, std::string_view) override {}
  LogLevel threshold() const noexcept override { return LogLevel::error; }
};

class ProductionHarness final : public Harness {
 public:
  ProductionHarness() : pool_(ThreadPoolConfig{.workers = 2}), timers_(clock_) {}
  ~ProductionHarness() override = default;
  Env& env() override { return env_; }
  bool run_until(const std::function<bool()>& done, Duration limit) override {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
  }
  void pass(Duration duration) override { std::this_thread::sleep_for(duration); }
  const char* name() const override { return "production"; }
  bool threaded() const override { return true; }

 private:
  SystemClock clock_;
  // The timers go before the pool (reverse order), as in ProductionEnv: a timer task that fires
  // during teardown schedules onto the pool, which must still be there.
  ThreadPoolExecutor pool_;
  TimerService timers_;
  OsRandom random_;
  NullTransport transport_;
  NullStorage storage_;
  LockedLog log_;
  Env env_{clock_, timers_, pool_, random_, transport_, storage_, log_};
};

}  // namespace orrery::test
