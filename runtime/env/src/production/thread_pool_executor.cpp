// The production executor: workers with a LIFO slot, a stealable FIFO ring and a pinned queue,
// a global queue for outside schedules, spin-then-park idling. See the header for the shape.
//
// Waking is Go's scheduler's protocol: a producer that made stealable work wakes a parked worker
// only when no worker is spinning (a spinner will find the work); a worker about to park
// announces it (parked flag, sleeping count) and then looks at every queue once more, and both
// sides put a sequentially consistent fence between their write and their read, so one of them
// always sees the other: no wake-up is lost.

#include <chrono>
#include <thread>

#include <orrery/core/assert.hpp>
#include <orrery/core/spin_lock.hpp>
#include <orrery/env/production/thread_pool_executor.hpp>

namespace orrery {

namespace {

/// A FIFO of Runnables linked through next_scheduled; the caller locks.
class IntrusiveFifo {
 public:
  void push(Runnable& runnable) noexcept {
    runnable.next_scheduled = nullptr;
    if (tail_ != nullptr) {
      tail_->next_scheduled = &runnable;
    } else {
      head_ = &runnable;
    }
    tail_ = &runnable;
  }
  Runnable* pop() noexcept {
    Runnable* first = head_;
    if (first == nullptr) return nullptr;
    head_ = first->next_scheduled;
    if (head_ == nullptr) tail_ = nullptr;
    first->next_scheduled = nullptr;
    return first;
  }
  bool empty() const noexcept { return head_ == nullptr; }

 private:
  Runnable* head_ = nullptr;
  Runnable* tail_ = nullptr;
};

/// A bounded ring: the owner pushes at the tail and pops at the head; thieves take from the
/// head too. Both take by compare-exchange on the head; the owner alone writes the tail. A slot
/// is rewritten only after the head has passed it, so a thief never reads a slot being reused.
class StealableRing {
 public:
  static constexpr std::uint32_t capacity = 256;

  bool push(Runnable* runnable) noexcept {
    const std::uint32_t tail = tail_.load(std::memory_order_relaxed);
    const std::uint32_t head = head_.load(std::memory_order_acquire);
    if (tail - head >= capacity) return false;
    slots_[tail & mask].store(runnable, std::memory_order_relaxed);
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  Runnable* take() noexcept {
    std::uint32_t head = head_.load(std::memory_order_acquire);
    for (;;) {
      const std::uint32_t tail = tail_.load(std::memory_order_acquire);
      if (head == tail) return nullptr;
      Runnable* runnable = slots_[head & mask].load(std::memory_order_relaxed);
      if (head_.compare_exchange_weak(head, head + 1, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
        return runnable;
      }
    }
  }

  bool empty() const noexcept {
    return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire);
  }

 private:
  static constexpr std::uint32_t mask = capacity - 1;
  static_assert((capacity & mask) == 0, "a power of two");
  alignas(64) std::atomic<std::uint32_t> head_{0};
  alignas(64) std::atomic<std::uint32_t> tail_{0};
  std::atomic<Runnable*> slots_[capacity]{};
};

/// A yield returning later than this ran another thread: the cores are oversubscribed. (The
/// call alone takes one or two microseconds in a virtual machine.)
constexpr auto yield_away_max = std::chrono::microseconds(20);

/// Adds one to a statistic only its worker writes (others read it): a plain load and store, not
/// a locked read-modify-write, which would be one of the few atomic operations of a turn.
void bump(std::atomic<std::uint64_t>& statistic) noexcept {
  statistic.store(statistic.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

struct ThreadPoolExecutor::Worker {
  Shared* shared = nullptr;
  std::uint32_t index = 0;
  // Owner-only.
  Runnable* lifo = nullptr;
  std::uint32_t lifo_streak = 0;
  std::unique_ptr<FiberHost> host;
  // Shared.
  StealableRing ring;
  SpinLock pinned_lock;
  IntrusiveFifo pinned;  // under pinned_lock
  std::atomic<bool> has_pinned{false};
  alignas(64) std::atomic<std::uint32_t> parked{0};  // the futex word: 1 while parked
  // Statistics, written by the worker only, on a line of their own: a write per turn beside
  // `parked` would bounce that line to every producer that looks whether to wake this worker.
  alignas(64) std::atomic<std::uint64_t> runs{0};
  std::atomic<std::uint64_t> steals{0};
  std::atomic<std::uint64_t> parks{0};
  std::thread thread;
};

struct ThreadPoolExecutor::Shared {
  ThreadPoolConfig config;
  std::vector<std::unique_ptr<Worker>> workers;
  SpinLock global_lock;
  IntrusiveFifo global;  // under global_lock
  std::atomic<std::uint32_t> global_size{0};
  alignas(64) std::atomic<std::uint32_t> spinning{0};
  std::atomic<std::uint32_t> sleeping{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> discarded{0};
};

namespace {

// The worker the calling thread is, of whichever pool: production seam code may keep
// thread-local state. Each pool checks the worker is its own.
thread_local ThreadPoolExecutor::Worker* current = nullptr;

}  // namespace

namespace {

using Worker = ThreadPoolExecutor::Worker;
using Shared = ThreadPoolExecutor::Shared;

void push_global(Shared& shared, Runnable& runnable) {
  SpinLockGuard guard(shared.global_lock);
  shared.global.push(runnable);
  shared.global_size.fetch_add(1, std::memory_order_relaxed);
}

Runnable* pop_global(Shared& shared) {
  if (shared.global_size.load(std::memory_order_relaxed) == 0) return nullptr;
  SpinLockGuard guard(shared.global_lock);
  Runnable* runnable = shared.global.pop();
  if (runnable != nullptr) shared.global_size.fetch_sub(1, std::memory_order_relaxed);
  return runnable;
}

/// Wakes one parked worker if stealable work appeared and nobody is spinning to find it.
void wake_one(Shared& shared) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (shared.spinning.load(std::memory_order_relaxed) != 0) return;
  if (shared.sleeping.load(std::memory_order_relaxed) == 0) return;
  for (auto& worker : shared.workers) {
    if (worker->parked.load(std::memory_order_relaxed) == 1 &&
        worker->parked.exchange(0, std::memory_order_acq_rel) == 1) {
      worker->parked.notify_one();
      return;
    }
  }
}

void wake(Worker& worker) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (worker.parked.load(std::memory_order_relaxed) == 1 &&
      worker.parked.exchange(0, std::memory_order_acq_rel) == 1) {
    worker.parked.notify_one();
  }
}

void push_stealable(Worker& worker, Runnable& runnable) {
  if (!worker.ring.push(&runnable)) push_global(*worker.shared, runnable);
  wake_one(*worker.shared);
}

Runnable* pop_pinned(Worker& worker) {
  if (!worker.has_pinned.load(std::memory_order_acquire)) return nullptr;
  SpinLockGuard guard(worker.pinned_lock);
  Runnable* runnable = worker.pinned.pop();
  if (worker.pinned.empty()) worker.has_pinned.store(false, std::memory_order_relaxed);
  return runnable;
}

Runnable* find_work(Worker& worker) {
  Shared& shared = *worker.shared;
  if (worker.lifo != nullptr) {
    if (worker.lifo_streak < shared.config.lifo_streak_max) {
      ++worker.lifo_streak;
      return std::exchange(worker.lifo, nullptr);
    }
    push_stealable(worker, *std::exchange(worker.lifo, nullptr));
  }
  worker.lifo_streak = 0;
  if (Runnable* runnable = pop_pinned(worker)) return runnable;
  if (Runnable* runnable = worker.ring.take()) return runnable;
  if (Runnable* runnable = pop_global(shared)) return runnable;
  const auto count = static_cast<std::uint32_t>(shared.workers.size());
  for (std::uint32_t offset = 1; offset < count; ++offset) {
    Worker& victim = *shared.workers[(worker.index + offset) % count];
    if (Runnable* runnable = victim.ring.take()) {
      bump(worker.steals);
      return runnable;
    }
  }
  return nullptr;
}

bool work_visible(const Worker& worker) {
  const Shared& shared = *worker.shared;
  if (worker.has_pinned.load(std::memory_order_acquire)) return true;
  if (shared.global_size.load(std::memory_order_acquire) != 0) return true;
  for (const auto& other : shared.workers) {
    if (!other->ring.empty()) return true;
  }
  return false;
}

/// Looks for work without parking, for at most the configured spin: first with pause
/// instructions (a handoff from a running peer is noticed within a few hundred cycles), then
/// yielding the core between looks (a peer preempted on this core gets it back at once, and
/// threads of other processes are not starved). A yield that kept the core away for long says
/// the machine is oversubscribed: then spinning only delays handoffs (a spinner that lost its
/// core notices work a time slice late, while a parked worker is woken at once), so it parks.
/// True when work showed up.
bool spin_for_work(Worker& worker) {
  Shared& shared = *worker.shared;
  if (shared.config.spin_before_park.count() == 0) return false;
  const auto start = std::chrono::steady_clock::now();
  const auto pause_until =
      start + std::min(shared.config.spin_before_park, shared.config.spin_pausing);
  const auto deadline = start + shared.config.spin_before_park;
  bool pausing = true;
  for (std::uint32_t round = 0;; ++round) {
    if (shared.stopping.load(std::memory_order_acquire)) return false;
    if (work_visible(worker)) return true;
    if (pausing) {
      cpu_relax();
      if ((round & 15) != 15) continue;  // the clock costs as much as a pause
      const auto now = std::chrono::steady_clock::now();
      if (now < pause_until) continue;
      if (now >= deadline) return false;
      pausing = false;
      continue;
    }
    const auto before = std::chrono::steady_clock::now();
    std::this_thread::yield();
    const auto after = std::chrono::steady_clock::now();
    if (after >= deadline || after - before > yield_away_max) return false;
  }
}

/// Spins, then parks, until work may be there; false when the pool is stopping.
bool idle_wait(Worker& worker) {
  Shared& shared = *worker.shared;
  shared.spinning.fetch_add(1, std::memory_order_seq_cst);
  const bool found = spin_for_work(worker);
  shared.spinning.fetch_sub(1, std::memory_order_seq_cst);
  if (found) return true;
  if (shared.stopping.load(std::memory_order_acquire)) return false;

  worker.parked.store(1, std::memory_order_seq_cst);
  shared.sleeping.fetch_add(1, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (work_visible(worker) || shared.stopping.load(std::memory_order_seq_cst)) {
    worker.parked.store(0, std::memory_order_relaxed);
  } else {
    bump(worker.parks);
    while (worker.parked.load(std::memory_order_acquire) == 1)
      worker.parked.wait(1);
  }
  shared.sleeping.fetch_sub(1, std::memory_order_seq_cst);
  return !shared.stopping.load(std::memory_order_acquire);
}

bool worker_step(Worker& worker) {
  for (;;) {
    if (worker.shared->stopping.load(std::memory_order_acquire)) return false;
    if (Runnable* runnable = find_work(worker)) {
      runnable->next_scheduled = nullptr;
      runnable->run(*worker.host);
      bump(worker.runs);
      return true;
    }
    if (!idle_wait(worker)) return false;
  }
}

void worker_main(Worker& worker) {
  current = &worker;
  FiberConfig fibers = worker.shared->config.fibers;
  fibers.worker_index = static_cast<std::int32_t>(worker.index);
  worker.host = std::make_unique<FiberHost>(fibers, [&worker] { return worker_step(worker); });
  worker.host->run();
  worker.host.reset();  // unwinds any turn still parked on this worker
  current = nullptr;
}

void discard_all(Shared& shared) {
  auto discard = [&](Runnable* runnable) {
    runnable->discard();
    shared.discarded.fetch_add(1, std::memory_order_relaxed);
  };
  for (auto& worker : shared.workers) {
    if (worker->lifo != nullptr) discard(std::exchange(worker->lifo, nullptr));
    while (Runnable* runnable = worker->ring.take())
      discard(runnable);
    while (Runnable* runnable = pop_pinned(*worker))
      discard(runnable);
  }
  while (Runnable* runnable = pop_global(shared))
    discard(runnable);
}

}  // namespace

ThreadPoolExecutor::ThreadPoolExecutor(ThreadPoolConfig config)
    : shared_(std::make_unique<Shared>()) {
  if (config.workers == 0) config.workers = std::max(1U, std::thread::hardware_concurrency());
  ORRERY_ASSERT(config.workers <= 1024, "an implausible number of workers");
  shared_->config = config;
  for (std::uint32_t i = 0; i < config.workers; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->shared = shared_.get();
    worker->index = i;
    shared_->workers.push_back(std::move(worker));
  }
  for (auto& worker : shared_->workers) {
    worker->thread = std::thread([w = worker.get()] { worker_main(*w); });
  }
}

ThreadPoolExecutor::~ThreadPoolExecutor() {
  shared_->stopping.store(true, std::memory_order_seq_cst);
  for (auto& worker : shared_->workers) {
    worker->parked.store(0, std::memory_order_seq_cst);
    worker->parked.notify_one();
  }
  for (auto& worker : shared_->workers)
    worker->thread.join();
  discard_all(*shared_);
}

void ThreadPoolExecutor::schedule(Runnable& runnable) {
  Shared& shared = *shared_;
  Worker* self = current != nullptr && current->shared == &shared ? current : nullptr;
  if (runnable.affinity >= 0) {
    Worker& target =
        *shared.workers[static_cast<std::uint32_t>(runnable.affinity) % shared.workers.size()];
    if (&target != self) {
      {
        SpinLockGuard guard(target.pinned_lock);
        target.pinned.push(runnable);
        target.has_pinned.store(true, std::memory_order_release);
      }
      wake(target);
      return;
    }
  }
  if (self != nullptr) {
    // The running turn's worker takes it next; what sat in the slot becomes stealable.
    if (self->lifo != nullptr) push_stealable(*self, *self->lifo);
    self->lifo = &runnable;
    return;
  }
  push_global(shared, runnable);
  wake_one(shared);
}

std::uint32_t ThreadPoolExecutor::concurrency() const noexcept {
  return static_cast<std::uint32_t>(shared_->workers.size());
}

ThreadPoolStats ThreadPoolExecutor::stats() const noexcept {
  ThreadPoolStats stats;
  for (const auto& worker : shared_->workers) {
    stats.runs += worker->runs.load(std::memory_order_relaxed);
    stats.steals += worker->steals.load(std::memory_order_relaxed);
    stats.parks += worker->parks.load(std::memory_order_relaxed);
  }
  stats.discarded = shared_->discarded.load(std::memory_order_relaxed);
  return stats;
}

std::int32_t ThreadPoolExecutor::current_worker() const noexcept {
  if (current == nullptr || current->shared != shared_.get()) return -1;
  return static_cast<std::int32_t>(current->index);
}

}  // namespace orrery
