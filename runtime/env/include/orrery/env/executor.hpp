#pragma once
// Executor: runs Runnables (an actor's turn, a fiber's resumption). Production: a thread pool
// with per-worker queues and throughput batching; simulator: one thread, where the order among
// ready Runnables is drawn from the seed.

#include <cstdint>
#include <functional>

#include <orrery/core/time.hpp>

namespace orrery {

class FiberHost;

/// A unit of work the executor runs. Intrusive: scheduling never allocates. The owner keeps the
/// Runnable alive until it has run and guarantees it is scheduled at most once at a time.
class Runnable {
 public:
  /// No preference for where the Runnable runs.
  static constexpr std::int32_t any_worker = -1;

  /// Runs one turn. `host` is the fiber host of the running worker: a turn that must wait (an
  /// actor's await) suspends its fiber through it instead of blocking the thread. The only
  /// exception that may leave run() is FiberCancelled, unwinding a cancelled fiber.
  virtual void run(FiberHost& host) = 0;

  /// Called instead of run() when an executor drops a scheduled Runnable without running it (a
  /// simulated node crashed, a pool shut down with work queued): the owner releases what it
  /// holds for the schedule (an actor cell holds a reference on itself while scheduled). Every
  /// scheduled Runnable is either run or discarded, exactly once.
  virtual void discard() noexcept {}

  /// Intrusive link, owned by the executor while the Runnable is scheduled.
  Runnable* next_scheduled = nullptr;
  /// A stable name for traces (an actor's id, a fiber's number): the simulator folds it into the
  /// trace hash when it runs the Runnable, so it must not derive from addresses. 0 means unnamed.
  std::uint64_t trace_id = 0;
  /// The worker this Runnable should run on, or any_worker. A hint in production (pinning an
  /// actor, resuming a fiber where it was suspended); ignored by the simulator. (Last, so that a
  /// subclass's small fields can share its padding: a million idle actors notice eight bytes.)
  std::int32_t affinity = any_worker;

 protected:
  Runnable() = default;
  ~Runnable() = default;
  Runnable(const Runnable&) = delete;
  Runnable& operator=(const Runnable&) = delete;
};

class Executor {
 public:
  virtual ~Executor() = default;
  /// Makes `runnable` run once, soon. Thread-safe. The Runnable must not already be scheduled.
  virtual void schedule(Runnable& runnable) = 0;
  /// How many Runnables may run at once (worker threads; 1 in the simulator).
  virtual std::uint32_t concurrency() const noexcept = 0;
  /// Whether a thread outside the executor may block until scheduled work is done. False when
  /// the executor runs on its caller's own thread (the simulator): there, waiting would never
  /// end, so whoever would wait must drive the executor instead (drive_until).
  virtual bool supports_blocking_wait() const noexcept { return true; }
  /// Runs the executor's work (and its timers) on the calling thread until `done` holds, nothing
  /// is left to run, or `limit` of its time has passed; false, at once, when it cannot be driven
  /// from here: an executor with threads of its own (block instead), or a single-threaded one
  /// whose loop is already running (the simulator's, called from inside the world).
  virtual bool drive_until(const std::function<bool()>& done, Duration limit) {
    static_cast<void>(done);
    static_cast<void>(limit);
    return false;
  }
};

}  // namespace orrery
