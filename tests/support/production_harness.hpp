#pragma once
// ProductionHarness: the runtime's test bodies on the production thread pool, in real time.
// The clock and timer thread here are test doubles of the production seam parts (simple and
// obviously right); the pool is the real one, so every test also exercises real concurrency
// (and runs under TSan in `make test-tsan`).

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <orrery/env/production/thread_pool_executor.hpp>
#include <support/harness.hpp>
#include <thread>

namespace orrery::test {

class RealClock final : public Clock {
 public:
  Instant now() const noexcept override {
    return Instant{std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch())};
  }
  WallTime wall_now() const noexcept override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
};

/// Timers on one thread: tasks run outside the lock, in due order.
class TimerThread final : public Timers {
 public:
  explicit TimerThread(const Clock& clock) : clock_(clock), thread_([this] { loop(); }) {}
  ~TimerThread() override {
    {
      std::lock_guard guard(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  TimerId schedule_at(Instant when, TimerTask task) override {
    std::lock_guard guard(mutex_);
    const TimerId id{++next_id_};
    pending_.emplace(std::make_pair(when, id.value), std::move(task));
    wake_.notify_all();
    return id;
  }
  bool cancel(TimerId id) noexcept override {
    TimerTask dropped;
    std::lock_guard guard(mutex_);
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (it->first.second == id.value) {
        dropped = std::move(it->second);
        pending_.erase(it);
        return true;
      }
    }
    return false;
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      if (pending_.empty()) {
        wake_.wait(lock);
        continue;
      }
      const Instant due = pending_.begin()->first.first;
      const Instant now = clock_.now();
      if (due > now) {
        wake_.wait_for(lock, due - now);
        continue;
      }
      TimerTask task = std::move(pending_.begin()->second);
      pending_.erase(pending_.begin());
      lock.unlock();
      task();
      task.reset();
      lock.lock();
    }
  }

  const Clock& clock_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::pair<Instant, std::uint64_t>, TimerTask> pending_;
  std::uint64_t next_id_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

class LockedRandom final : public Random {
 public:
  std::uint64_t next() override {
    std::lock_guard guard(mutex_);
    return generator_.next();
  }

 private:
  std::mutex mutex_;
  Xoshiro256 generator_{42};
};

class LockedLog final : public LogSink {
 public:
  void write(LogLevel, std::string_view, std::string_view) override {}
  LogLevel threshold() const noexcept override { return LogLevel::error; }
};

class ProductionHarness final : public Harness {
 public:
  ProductionHarness() : timers_(clock_), pool_(ThreadPoolConfig{.workers = 2}) {}
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
  RealClock clock_;
  TimerThread timers_;
  ThreadPoolExecutor pool_;
  LockedRandom random_;
  NullTransport transport_;
  NullStorage storage_;
  LockedLog log_;
  Env env_{clock_, timers_, pool_, random_, transport_, storage_, log_};
};

}  // namespace orrery::test
