// ManualTime's parts: a settable clock, an ordered timer queue, a single-threaded executor on a
// fiber host, a seeded random, and services that refuse politely.

#include <cstdio>

#include <orrery/testkit/manual_time.hpp>

namespace orrery {

namespace {

class SettableClock final : public Clock {
 public:
  Instant now() const noexcept override { return now_; }
  WallTime wall_now() const noexcept override { return WallTime{now_.time_since_epoch()}; }
  void set(Instant t) noexcept { now_ = t; }

 private:
  Instant now_{std::chrono::seconds(1)};
};

class OrderedTimers final : public Timers {
 public:
  TimerId schedule_at(Instant when, TimerTask task) override {
    const TimerId id{++next_id_};
    pending_.emplace(Key{when, id.value}, std::move(task));
    due_by_id_.emplace(id.value, when);
    return id;
  }
  bool cancel(TimerId id) noexcept override {
    auto found = due_by_id_.find(id.value);
    if (found == due_by_id_.end()) return false;
    pending_.erase(Key{found->second, id.value});
    due_by_id_.erase(found);
    return true;
  }
  bool pop_due(Instant limit, Instant& when, TimerTask& task) {
    if (pending_.empty() || pending_.begin()->first.when > limit) return false;
    auto first = pending_.begin();
    when = first->first.when;
    task = std::move(first->second);
    due_by_id_.erase(first->first.id);
    pending_.erase(first);
    return true;
  }
  std::size_t size() const noexcept { return pending_.size(); }

 private:
  struct Key {
    Instant when;
    std::uint64_t id;
    friend auto operator<=>(const Key&, const Key&) = default;
  };
  std::uint64_t next_id_ = 0;
  std::map<Key, TimerTask> pending_;
  std::map<std::uint64_t, Instant> due_by_id_;
};

/// Runs ready work on the test's thread; with the clock and timers it is ManualTime's loop, which
/// a system dropped while live drives (drive_until) to terminate gracefully, as in every world.
class SingleThreadExecutor final : public Executor {
 public:
  SingleThreadExecutor(SettableClock& clock, OrderedTimers& timers, std::uint64_t seed,
                       bool shuffle)
      : clock_(clock),
        timers_(timers),
        shuffle_(seed),
        shuffled_(shuffle),
        host_(FiberConfig{}, [this] { return step(); }) {}
  ~SingleThreadExecutor() override {
    for (Runnable* r : ready_)
      r->discard();
  }
  void schedule(Runnable& runnable) override { ready_.push_back(&runnable); }
  std::uint32_t concurrency() const noexcept override { return 1; }
  bool supports_blocking_wait() const noexcept override { return false; }
  bool drive_until(const std::function<bool()>& done, Duration limit) override {
    if (draining_) return false;  // from inside a turn: the loop is already running
    static_cast<void>(run_until(done, clock_.now() + limit));
    return true;
  }
  void drain() {
    ORRERY_ASSERT(!draining_, "ManualTime's loop entered from inside itself");
    draining_ = true;
    host_.run();
    draining_ = false;
  }
  /// Runs ready work and fires timers in time order, jumping the clock to each (cost follows
  /// events, not fixed steps), until `ready` or `deadline`; leaves the clock at the deadline if
  /// `ready` never held.
  bool run_until(const std::function<bool()>& ready, Instant deadline) {
    drain();
    while (!ready()) {
      Instant when;
      TimerTask task;
      if (!timers_.pop_due(deadline, when, task)) {
        clock_.set(std::max(clock_.now(), deadline));
        return ready();
      }
      if (when > clock_.now()) clock_.set(when);
      task();
      task.reset();
      drain();
    }
    return true;
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
  SettableClock& clock_;
  OrderedTimers& timers_;
  std::deque<Runnable*> ready_;
  SeededRandom shuffle_;
  bool shuffled_;
  bool draining_ = false;
  FiberHost host_;
};

class NoTransport final : public Transport {
 public:
  const NodeAddress& local_address() const noexcept override { return address_; }
  void attach(FrameSink&) override {}
  void detach() noexcept override {}
  SendStatus send(const NodeAddress&, Frame) override { return SendStatus::closed; }
  void disconnect(const NodeAddress&) override {}

 private:
  NodeAddress address_{"orrery", "manual", 0};
};

class NoStorage final : public Storage {
 public:
  Result<std::unique_ptr<File>> open(std::string_view, OpenMode) override { return refused(); }
  Status remove(std::string_view) override { return refused(); }
  Result<bool> exists(std::string_view) override { return refused(); }
  Result<std::vector<std::string>> list(std::string_view) override { return refused(); }
  Status rename(std::string_view, std::string_view) override { return refused(); }
  Status sync_directory(std::string_view) override { return refused(); }

 private:
  static Error refused() {
    return make_error(Errc::unsupported, "ManualTime has no storage; use the simulator's SimDisk");
  }
};

class KeptLog final : public LogSink {
 public:
  KeptLog(LogLevel threshold, bool echo, const SettableClock& clock)
      : threshold_(threshold), echo_(echo), clock_(clock) {}
  void write(LogLevel level, std::string_view source, std::string_view message) override {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
            .count();
    lines_.push_back(std::to_string(ms) + "ms " + to_string(level) + " [" + std::string(source) +
                     "] " + std::string(message));
    if (echo_) std::fprintf(stderr, "%s\n", lines_.back().c_str());
  }
  LogLevel threshold() const noexcept override { return threshold_; }
  const std::vector<std::string>& lines() const noexcept { return lines_; }

 private:
  LogLevel threshold_;
  bool echo_;
  const SettableClock& clock_;
  std::vector<std::string> lines_;
};

}  // namespace

struct ManualTime::Parts {
  explicit Parts(const Options& options)
      : executor(clock, timers, options.seed, options.shuffle),
        random(options.seed),
        log(options.log_threshold, options.echo_log, clock) {}
  SettableClock clock;
  OrderedTimers timers;
  SingleThreadExecutor executor;
  SeededRandom random;
  NoTransport transport;
  NoStorage storage;
  KeptLog log;
  Env env{clock, timers, executor, random, transport, storage, log};
};

ManualTime::ManualTime() : ManualTime(Options{}) {
}
ManualTime::ManualTime(Options options) : parts_(std::make_unique<Parts>(options)) {
}
ManualTime::~ManualTime() = default;

Env& ManualTime::env() noexcept {
  return parts_->env;
}
Instant ManualTime::now() const noexcept {
  return parts_->clock.now();
}
void ManualTime::run_ready() {
  parts_->executor.drain();
}
std::size_t ManualTime::timers_pending() const noexcept {
  return parts_->timers.size();
}
const std::vector<std::string>& ManualTime::log_lines() const noexcept {
  return parts_->log.lines();
}

void ManualTime::advance(Duration duration) {
  ORRERY_ASSERT(duration.count() >= 0, "time does not go back");
  const Instant limit = parts_->clock.now() + duration;
  parts_->executor.drain();
  Instant when;
  TimerTask task;
  while (parts_->timers.pop_due(limit, when, task)) {
    if (when > parts_->clock.now()) parts_->clock.set(when);
    task();
    task.reset();
    parts_->executor.drain();
  }
  parts_->clock.set(limit);
}

bool ManualTime::await(const std::function<bool()>& ready, Duration timeout) {
  return parts_->executor.run_until(ready, parts_->clock.now() + timeout);
}

}  // namespace orrery
