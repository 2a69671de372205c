#pragma once
// ThreadPoolExecutor: the production Executor. A fixed set of worker threads, each with
//  - a LIFO slot: what a running turn schedules on its own worker runs next, with no atomics
//    (a message to an idle actor hands the worker straight to it: the ping-pong fast path);
//  - a bounded FIFO ring that other workers steal from when they run dry;
//  - a pinned queue for Runnables with an affinity (pinned actors, resumed fibers);
//  - a fiber host, so that a turn awaiting an ask parks without blocking the thread;
// plus a global queue for Runnables scheduled from outside the pool (timers, transport,
// application threads). An idle worker spins briefly before it parks: parking and waking cost
// about ten microseconds, a spinning handoff well under one.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <orrery/core/time.hpp>
#include <orrery/env/executor.hpp>
#include <orrery/fiber/fiber_host.hpp>

namespace orrery {

struct ThreadPoolConfig {
  /// Worker threads; 0 means one per hardware thread.
  std::uint32_t workers = 0;
  /// How long an idle worker keeps looking for work before it parks (0: park at once).
  Duration spin_before_park = std::chrono::microseconds(50);
  /// The first part of that spin, which looks with pause instructions; the rest yields the core
  /// between looks (and parks early when a yield shows the cores are oversubscribed). Short:
  /// when the peer that will hand work over shares this core, pausing only delays it.
  Duration spin_pausing = std::chrono::microseconds(1);
  /// Consecutive LIFO-slot runs before a worker serves its FIFO ring again (fairness: two actors
  /// ping-ponging must not starve the rest).
  std::uint32_t lifo_streak_max = 64;
  /// Fibers of each worker (stack size, pool bound); worker_index is set by the pool.
  FiberConfig fibers;
};

struct ThreadPoolStats {
  std::uint64_t runs = 0;
  std::uint64_t steals = 0;
  std::uint64_t parks = 0;
  std::uint64_t discarded = 0;
};

class ThreadPoolExecutor final : public Executor {
 public:
  explicit ThreadPoolExecutor(ThreadPoolConfig config = {});
  /// Stops the workers after their current turn and joins them; what is still queued is
  /// discarded (Runnable::discard).
  ~ThreadPoolExecutor() override;
  ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
  ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;

  void schedule(Runnable& runnable) override;
  std::uint32_t concurrency() const noexcept override;

  ThreadPoolStats stats() const noexcept;
  /// The index of the calling worker of this pool, or -1 from any other thread.
  std::int32_t current_worker() const noexcept;

  struct Worker;  // implementation details, opaque
  struct Shared;

 private:
  std::unique_ptr<Shared> shared_;
};

}  // namespace orrery
