#pragma once
// ManualEnv: a single-threaded Env with manual time for unit tests of the runtime: a FIFO
// executor on a FiberHost, timers fired by advance(), a seeded Random, and a log that keeps its
// lines. (The simulator is the full version of this; this one has no faults and no network.)

#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <orrery/env/env.hpp>
#include <orrery/fiber/fiber_host.hpp>

namespace orrery::test {

class ManualClock final : public Clock {
 public:
  Instant now() const noexcept override { return now_; }
  WallTime wall_now() const noexcept override { return WallTime{now_.time_since_epoch()}; }
  void set(Instant t) { now_ = t; }

 private:
  Instant now_{std::chrono::seconds(1)};
};

class ManualTimers final : public Timers {
 public:
  TimerId schedule_at(Instant when, TimerTask task) override {
    const TimerId id{++next_id_};
    pending_.emplace(std::make_pair(when, id.value), std::move(task));
    return id;
  }
  bool cancel(TimerId id) noexcept override {
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (it->first.second == id.value) {
        pending_.erase(it);
        return true;
      }
    }
    return false;
  }
  /// The earliest due timer at or before `limit`, removed; false when none.
  bool pop_due(Instant limit, Instant& when, TimerTask& task) {
    if (pending_.empty() || pending_.begin()->first.first > limit) return false;
    auto first = pending_.begin();
    when = first->first.first;
    task = std::move(first->second);
    pending_.erase(first);
    return true;
  }
  std::size_t size() const { return pending_.size(); }

 private:
  std::uint64_t next_id_ = 0;
  std::map<std::pair<Instant, std::uint64_t>, TimerTask> pending_;
};

/// Runs ready work in arrival order, or, with a seed, in an order drawn from it (so that property
/// tests explore interleavings). Its timers fire when the test advances the clock, or when
/// something drives it (drive_until: a system dropped while live terminates gracefully).
class FifoExecutor final : public Executor {
 public:
  FifoExecutor(ManualClock& clock, ManualTimers& timers)
      : clock_(clock), timers_(timers), host_(FiberConfig{}, [this] { return step(); }) {}
  FifoExecutor(ManualClock& clock, ManualTimers& timers, std::uint64_t shuffle_seed)
      : clock_(clock),
        timers_(timers),
        shuffle_(shuffle_seed),
        shuffled_(true),
        host_(FiberConfig{}, [this] { return step(); }) {}
  void schedule(Runnable& runnable) override { ready_.push_back(&runnable); }
  std::uint32_t concurrency() const noexcept override { return 1; }
  bool supports_blocking_wait() const noexcept override { return false; }
  /// Runs ready work and fires timers, jumping the clock to each, until `done`, nothing is left
  /// before `limit`, or the limit. Refused (false) from inside its own loop.
  bool drive_until(const std::function<bool()>& done, Duration limit) override {
    if (draining_) return false;
    const Instant deadline = clock_.now() + limit;
    drain();
    Instant when;
    TimerTask task;
    while (!done() && timers_.pop_due(deadline, when, task)) {
      if (when > clock_.now()) clock_.set(when);
      task();
      task.reset();
      drain();
    }
    return true;
  }
  /// Runs until nothing is ready.
  void drain() {
    ORRERY_ASSERT(!draining_, "FifoExecutor::drain from inside its own loop");
    draining_ = true;
    host_.run();
    draining_ = false;
  }
  bool idle() const { return ready_.empty(); }
  FiberHost& host() { return host_; }
  ~FifoExecutor() override {
    for (Runnable* r : ready_)
      r->discard();
  }

 private:
  bool step() {
    if (ready_.empty()) return false;
    std::size_t index = 0;
    if (shuffled_) index = static_cast<std::size_t>(uniform_below(shuffle_, ready_.size()));
    Runnable* runnable = ready_[index];
    ready_.erase(ready_.begin() + static_cast<std::ptrdiff_t>(index));
    runnable->run(host_);
    return true;
  }
  ManualClock& clock_;
  ManualTimers& timers_;
  std::deque<Runnable*> ready_;
  SeededRandom shuffle_{0};
  bool shuffled_ = false;
  bool draining_ = false;
  FiberHost host_;
};

class NullTransport final : public Transport {
 public:
  const NodeAddress& local_address() const noexcept override { return address_; }
  void attach(FrameSink&) override {}
  void detach() noexcept override {}
  SendStatus send(const NodeAddress&, Frame) override { return SendStatus::closed; }
  void disconnect(const NodeAddress&) override {}

 private:
  NodeAddress address_{"test", "localhost", 0};
};

class NullStorage final : public Storage {
 public:
  Result<std::unique_ptr<File>> open(std::string_view, OpenMode) override { return unsupported(); }
  Status remove(std::string_view) override { return unsupported(); }
  Result<bool> exists(std::string_view) override { return unsupported(); }
  Result<std::vector<std::string>> list(std::string_view) override { return unsupported(); }
  Status rename(std::string_view, std::string_view) override { return unsupported(); }
  Status sync_directory(std::string_view) override { return unsupported(); }

 private:
  static Error unsupported() { return make_error(Errc::unsupported, "no storage in this test"); }
};

class CapturingLog final : public LogSink {
 public:
  void write(LogLevel level, std::string_view source, std::string_view message) override {
    lines.push_back(std::string(to_string(level)) + " [" + std::string(source) + "] " +
                    std::string(message));
  }
  LogLevel threshold() const noexcept override { return LogLevel::debug; }
  std::vector<std::string> lines;
};

class ManualEnv {
 public:
  explicit ManualEnv(std::uint64_t seed = 1) : random_(seed) {}
  /// Ready work runs in an order drawn from `seed`.
  struct Shuffled {
    std::uint64_t seed;
  };
  explicit ManualEnv(Shuffled shuffled)
      : executor_(clock_, timers_, shuffled.seed), random_(shuffled.seed) {}

  Env& env() { return env_; }
  Instant now() const { return clock_.now(); }
  /// Runs ready work, then fires timers due within `duration`, in time order, running the work
  /// each makes ready, and leaves the clock at now + duration.
  void advance(Duration duration) {
    const Instant limit = clock_.now() + duration;
    executor_.drain();
    Instant when;
    TimerTask task;
    while (timers_.pop_due(limit, when, task)) {
      if (when > clock_.now()) clock_.set(when);
      task();
      task.reset();
      executor_.drain();
    }
    clock_.set(limit);
  }
  /// Runs ready work without moving time.
  void drain() { executor_.drain(); }
  std::size_t timers_pending() const { return timers_.size(); }
  CapturingLog& log() { return log_; }
  FifoExecutor& executor() { return executor_; }

 private:
  ManualClock clock_;
  ManualTimers timers_;
  FifoExecutor executor_{clock_, timers_};
  SeededRandom random_;
  NullTransport transport_;
  NullStorage storage_;
  CapturingLog log_;
  Env env_{clock_, timers_, executor_, random_, transport_, storage_, log_};
};

}  // namespace orrery::test
