// StoreWorker's turn: a Runnable that keeps itself alive while scheduled, takes the tasks queued
// when it starts and runs them; tasks posted meanwhile make it schedule itself again, so that one
// busy store cannot keep a worker thread forever.

#include <orrery/persistence/detail/store_worker.hpp>

#include <atomic>
#include <condition_variable>
#include <thread>
#include <utility>
#include <vector>

namespace orrery::persistence::detail {

class StoreWorker::Turn final : public Runnable {
 public:
  Turn(Executor& executor, std::uint64_t trace_id) : executor_(executor) {
    this->trace_id = trace_id;
  }

  void post(Task task) {
    {
      std::unique_lock lock(mutex_);
      if (!closed_) {
        tasks_.push_back(std::move(task));
        if (scheduled_) return;
        scheduled_ = true;
        add_ref();  // held while scheduled; dropped by run() or discard()
        lock.unlock();
        executor_.schedule(*this);
        return;
      }
    }
    task(false);
  }

  void close() {
    std::deque<Task> dropped;
    {
      std::unique_lock lock(mutex_);
      closed_ = true;
      dropped.swap(tasks_);
      // A batch running on another thread uses what the owner is about to destroy; one running
      // on this thread is the caller itself (a task that closes its store).
      if (running_ && runner_ != std::this_thread::get_id())
        idle_.wait(lock, [this] { return !running_; });
    }
    for (Task& task : dropped)
      task(false);
  }

  void run(FiberHost&) override {
    std::deque<Task> batch;
    {
      std::lock_guard lock(mutex_);
      batch.swap(tasks_);
      running_ = true;
      runner_ = std::this_thread::get_id();
    }
    for (Task& task : batch)
      task(true);
    bool again = false;
    {
      std::lock_guard lock(mutex_);
      running_ = false;
      again = !tasks_.empty() && !closed_;
      if (!again) scheduled_ = false;
    }
    idle_.notify_all();
    if (again) {
      executor_.schedule(*this);
      return;
    }
    release();
  }

  void discard() noexcept override {
    std::deque<Task> dropped;
    {
      std::lock_guard lock(mutex_);
      dropped.swap(tasks_);
      scheduled_ = false;
    }
    for (Task& task : dropped)
      task(false);
    release();
  }

  void add_ref() const noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() const noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 private:
  Executor& executor_;
  mutable std::atomic<std::uint32_t> refs_{0};
  std::mutex mutex_;
  std::condition_variable idle_;
  std::deque<Task> tasks_;
  bool scheduled_ = false;
  bool running_ = false;
  bool closed_ = false;
  std::thread::id runner_;  // orrery-lint: allow(thread) only an id to compare; no thread starts
};

StoreWorker::StoreWorker(Executor& executor, std::uint64_t trace_id)
    : turn_(new Turn(executor, trace_id)) {}

StoreWorker::~StoreWorker() { close(); }

void StoreWorker::post(Task task) { turn_->post(std::move(task)); }

void StoreWorker::close() { turn_->close(); }

}  // namespace orrery::persistence::detail
