#pragma once
// BenchEnv: an Env for orrery-bench on real threads, until ProductionEnv lands in runtime/env.
// The executor is the production thread pool; the clock, timers and random are the simplest
// correct production-shaped parts (tools may use the OS). The transport is a null one unless
// the caller brings its own (the remote benchmarks bring GrpcTransport).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <orrery/core/prng.hpp>
#include <orrery/env/env.hpp>
#include <orrery/env/production/thread_pool_executor.hpp>

namespace orrery::bench {

class SteadyClock final : public Clock {
 public:
  Instant now() const noexcept override {
    return Instant{
        std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch())};
  }
  WallTime wall_now() const noexcept override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
};

/// Timers on one thread. The thread is woken only when a new timer is due before the instant it
/// already sleeps until: an ask schedules and cancels a timeout per request, and waking the
/// timer thread for each would put a futex wake-up (and, on two cores, a context switch) into
/// every round trip.
class TimerThread final : public Timers {
 public:
  explicit TimerThread(const Clock& clock);
  ~TimerThread() override;
  TimerId schedule_at(Instant when, TimerTask task) override;
  bool cancel(TimerId id) noexcept override;

 private:
  void loop();

  const Clock& clock_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::pair<Instant, std::uint64_t>, TimerTask> pending_;
  std::map<std::uint64_t, Instant> due_by_id_;
  std::uint64_t next_id_ = 0;
  Instant sleeping_until_ = Instant::max();
  bool stopping_ = false;
  std::thread thread_;
};

class LockedRandom final : public Random {
 public:
  LockedRandom() : generator_(std::random_device{}()) {}
  std::uint64_t next() override {
    std::lock_guard guard(mutex_);
    return generator_.next();
  }

 private:
  std::mutex mutex_;
  Xoshiro256 generator_;
};

/// Errors only, to stderr: a benchmark's output is its table.
class StderrLog final : public LogSink {
 public:
  void write(LogLevel level, std::string_view source, std::string_view message) override;
  LogLevel threshold() const noexcept override { return LogLevel::error; }
};

class NoTransport final : public Transport {
 public:
  const NodeAddress& local_address() const noexcept override { return address_; }
  void attach(FrameSink&) override {}
  void detach() noexcept override {}
  SendStatus send(const NodeAddress&, Frame) override { return SendStatus::closed; }
  void disconnect(const NodeAddress&) override {}

 private:
  NodeAddress address_{"bench", "localhost", 0};
};

class NoStorage final : public Storage {
 public:
  Result<std::unique_ptr<File>> open(std::string_view, OpenMode) override { return unsupported(); }
  Status remove(std::string_view) override { return unsupported(); }
  Result<bool> exists(std::string_view) override { return unsupported(); }
  Result<std::vector<std::string>> list(std::string_view) override { return unsupported(); }

 private:
  static Error unsupported() {
    return make_error(Errc::unsupported, "orrery-bench has no storage");
  }
};

struct BenchEnvConfig {
  std::uint32_t workers = 2;
  /// Null: no transport (local benchmarks).
  Transport* transport = nullptr;
};

/// Owns every part; destroy it only after the ActorSystem built over env() is gone.
class BenchEnv {
 public:
  explicit BenchEnv(BenchEnvConfig config);
  Env& env() noexcept { return env_; }
  ThreadPoolExecutor& pool() noexcept { return pool_; }

 private:
  SteadyClock clock_;
  TimerThread timers_;
  ThreadPoolExecutor pool_;
  LockedRandom random_;
  NoTransport no_transport_;
  NoStorage storage_;
  StderrLog log_;
  Env env_;
};

}  // namespace orrery::bench
