// BenchEnv's parts: the timer thread, the log, and the wiring.
#include "bench_env.hpp"

#include <cstdio>

namespace orrery::bench {

TimerThread::TimerThread(const Clock& clock) : clock_(clock), thread_([this] { loop(); }) {
}

TimerThread::~TimerThread() {
  {
    std::lock_guard guard(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

TimerId TimerThread::schedule_at(Instant when, TimerTask task) {
  bool wake = false;
  TimerId id;
  {
    std::lock_guard guard(mutex_);
    id = TimerId{++next_id_};
    pending_.emplace(std::make_pair(when, id.value), std::move(task));
    due_by_id_.emplace(id.value, when);
    wake = when < sleeping_until_;
  }
  if (wake) wake_.notify_one();
  return id;
}

bool TimerThread::cancel(TimerId id) noexcept {
  TimerTask dropped;  // destroyed outside the lock: its destructor may schedule or cancel
  std::lock_guard guard(mutex_);
  const auto found = due_by_id_.find(id.value);
  if (found == due_by_id_.end()) return false;
  const auto entry = pending_.find(std::make_pair(found->second, id.value));
  ORRERY_ASSERT(entry != pending_.end(), "a timer known by id is missing from the queue");
  dropped = std::move(entry->second);
  pending_.erase(entry);
  due_by_id_.erase(found);
  return true;
}

void TimerThread::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const Instant now = clock_.now();
    if (pending_.empty() || pending_.begin()->first.first > now) {
      sleeping_until_ = pending_.empty() ? Instant::max() : pending_.begin()->first.first;
      if (pending_.empty()) {
        wake_.wait(lock);
      } else {
        wake_.wait_for(lock, sleeping_until_ - now);
      }
      sleeping_until_ = Instant::min();  // awake: a new timer needs no notification
      continue;
    }
    TimerTask task = std::move(pending_.begin()->second);
    due_by_id_.erase(pending_.begin()->first.second);
    pending_.erase(pending_.begin());
    lock.unlock();
    task();
    task.reset();
    lock.lock();
  }
}

void StderrLog::write(LogLevel level, std::string_view source, std::string_view message) {
  std::fprintf(stderr, "orrery-bench: %s [%.*s] %.*s\n", to_string(level),
               static_cast<int>(source.size()), source.data(), static_cast<int>(message.size()),
               message.data());
}

BenchEnv::BenchEnv(BenchEnvConfig config)
    : timers_(clock_),
      pool_(ThreadPoolConfig{.workers = config.workers}),
      env_{clock_,   timers_, pool_, random_, config.transport ? *config.transport : no_transport_,
           storage_, log_} {
}

}  // namespace orrery::bench
