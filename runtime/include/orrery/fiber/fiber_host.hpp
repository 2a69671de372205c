#pragma once
// FiberHost: the fibers (Boost.Context) of one executor thread: a production worker, or the
// simulator's single thread.
//
// An executor runs its loop through FiberHost::run, which puts the loop on a pooled fiber. Actor
// turns run directly on that loop fiber, with no stack of their own. When a turn must wait (an
// actor's await of an ask), suspend() parks the loop fiber with the turn's frames on it and a
// fresh pooled fiber carries the loop on; when the answer comes, the parked fiber is scheduled on
// the executor like any Runnable, finishes its turn, and retires. So an actor holds a stack only
// while it awaits, and awaiting never blocks the thread. Driver fibers (scenario scripts, code
// outside any actor that wants to read sequentially) are spawned and scheduled the same way.
//
// A host and its fibers belong to one thread: a parked fiber must be resumed by the host that
// parked it (production pins the resumption to that worker).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <orrery/core/unique_function.hpp>
#include <orrery/env/executor.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace orrery {

/// Thrown out of FiberHost::suspend() when a parked fiber is cancelled (its node is shutting
/// down): it unwinds the fiber's frames. Deliberately not a std::exception, so that handlers
/// catching std::exception do not swallow it; code that catches (...) must rethrow it.
struct FiberCancelled {};

struct FiberConfig {
  /// Usable stack per fiber. Each stack also has a guard page below it.
  std::size_t stack_bytes = 256 * 1024;
  /// Stacks kept for reuse (mapping a guard-paged stack costs tens of microseconds).
  std::size_t pooled_stacks_max = 64;
  /// The executor worker this host belongs to: a fiber parked here gets it as its Runnable
  /// affinity, so that it resumes on this host. -1 for single-threaded executors.
  std::int32_t worker_index = -1;
};

/// A fiber of a FiberHost. It is a Runnable: scheduling it on the executor resumes it (or
/// starts it, for a spawned driver). Owned by its host.
class Fiber;

/// What a parked fiber waits for, for deadlock reports.
struct ParkedFiber {
  std::string name;
  std::string waiting_for;
};

class FiberHost {
 public:
  /// `step` is the executor's loop body: it runs one Runnable (or waits for one) and returns
  /// false when the loop should return from run(). It lives as long as the host, because a
  /// parked turn returns through it long after the run() that started it.
  FiberHost(FiberConfig config, UniqueFunction<bool()> step);
  /// Cancels every parked fiber (unwinding its frames) and frees every stack.
  ~FiberHost();
  FiberHost(const FiberHost&) = delete;
  FiberHost& operator=(const FiberHost&) = delete;

  /// Calls `step` on a pooled fiber until it returns false. Not reentrant. A parked turn stays
  /// parked across calls; the loop continues where it stopped on the next call.
  void run();

  /// True when the caller runs on one of this host's fibers (not the thread's own stack).
  bool on_fiber() const noexcept;

  /// Parks the running fiber. Once it is parked, `arm` runs (on another fiber of this host) with
  /// the parked fiber; it must arrange for the fiber to be scheduled later (from any thread).
  /// Returns when the fiber is resumed; throws FiberCancelled when it is cancelled instead.
  void suspend(std::string_view waiting_for, UniqueFunction<void(Fiber&)> arm);

  /// A fiber that runs `body` when first scheduled and retires when it returns. `body` may
  /// suspend. An exception escaping `body` (other than FiberCancelled) is a bug: it asserts.
  Fiber& spawn(std::string name, UniqueFunction<void()> body);

  /// The fiber as a Runnable, to schedule on the executor (wakes or starts it).
  static Runnable& runnable(Fiber& fiber) noexcept;

  /// Cancels a parked (or never started) fiber: it unwinds by FiberCancelled and retires. Call
  /// on this host's thread, outside run() or from a Runnable run by it.
  void cancel(Fiber& fiber);

  /// The parked fibers and what they wait for, sorted by name (deadlock diagnostics).
  std::vector<ParkedFiber> parked() const;

  /// Counters: how many stacks were ever mapped, and how many fibers are live now.
  std::uint64_t stacks_mapped() const noexcept;
  std::size_t fibers_live() const noexcept;

 private:
  friend class Fiber;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orrery
