#pragma once
// Future<T> / Promise<T>: a value (or an Error) that arrives later, completed exactly once. An
// ask returns one; so does ActorSystem::when_terminated. Three ways to wait:
//  - inside an actor: ctx.await(future) parks that actor's turn on a fiber (its mailbox waits,
//    the worker goes on with other actors);
//  - in a driver fiber (a scenario script): the script's await does the same;
//  - from a plain production thread: get() blocks the thread (spinning briefly first).
// In the simulator nothing may block the world's thread: use a fiber. A promise learns its world
// when it is made, from the Env (or executor) whose work completes it: a future of a
// single-threaded executor (the simulator's, a manual test executor) refuses a blocking get() at
// once instead of hanging. There is no default: every promise says where it lives.

#include <atomic>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <orrery/core/assert.hpp>
#include <orrery/core/intrusive_ptr.hpp>
#include <orrery/core/result.hpp>
#include <orrery/core/spin_lock.hpp>
#include <orrery/core/unique_function.hpp>
#include <orrery/env/env.hpp>

namespace orrery {

/// The value of a future that carries only completion.
struct Done {
  friend bool operator==(Done, Done) = default;
};

/// Whether a thread may block on a future's get() until it completes. Refused for the futures
/// of a single-threaded executor (the simulator's): blocking its only thread would stop the very
/// work that completes them, and the run would hang without a word.
enum class BlockingWait : std::uint8_t { allowed, refused };

/// Whether a thread may block on futures completed by work `executor` runs.
inline BlockingWait blocking_wait_of(const Executor& executor) noexcept {
  return executor.supports_blocking_wait() ? BlockingWait::allowed : BlockingWait::refused;
}

namespace detail {

template <class T>
class FutureState {
 public:
  explicit FutureState(BlockingWait blocking) : blocking_(blocking) {}

  BlockingWait blocking() const noexcept { return blocking_; }

  using Callback = UniqueFunction<void(const Result<T>&)>;

  /// Completes once; false (and nothing changes) when already complete. Then runs the callbacks
  /// in registration order, each on its own: one that throws does not keep the later ones from
  /// running. Once all have run, the first exception is rethrown to the completer (the
  /// completion stands; any later exceptions are dropped). A Promise has no log to report it
  /// to, so its completer decides: an ask logs it to its system's log (ask.hpp).
  bool try_complete(Result<T> result) {
    std::vector<std::pair<std::uint64_t, Callback>> callbacks;
    {
      SpinLockGuard guard(lock_);
      if (completed_.load(std::memory_order_relaxed) != 0) return false;
      result_.emplace(std::move(result));
      callbacks.swap(callbacks_);
      completed_.store(1, std::memory_order_release);
    }
    completed_.notify_all();
    std::exception_ptr first_failure;
    for (auto& entry : callbacks) {
      try {
        entry.second(*result_);
      } catch (...) {
        if (!first_failure) first_failure = std::current_exception();
      }
    }
    ORRERY_ASSERT(completed(), "a future completes before its callbacks run");
    if (first_failure) std::rethrow_exception(first_failure);
    return true;
  }

  bool completed() const noexcept { return completed_.load(std::memory_order_acquire) != 0; }

  /// Runs `callback` on completion (at once, on this thread, if already complete). Returns a
  /// token for remove_callback.
  std::uint64_t on_complete(Callback callback) {
    {
      SpinLockGuard guard(lock_);
      if (completed_.load(std::memory_order_relaxed) == 0) {
        const std::uint64_t token = ++next_token_;
        callbacks_.emplace_back(token, std::move(callback));
        return token;
      }
    }
    callback(*result_);
    return 0;
  }

  /// Removes a callback that has not run; false when it ran or is running.
  bool remove_callback(std::uint64_t token) {
    SpinLockGuard guard(lock_);
    for (auto it = callbacks_.begin(); it != callbacks_.end(); ++it) {
      if (it->first == token) {
        callbacks_.erase(it);
        return true;
      }
    }
    return false;
  }

  /// Blocks the calling thread until complete: spins briefly, then waits on the atomic (a
  /// futex; the standard library's wait yields a few times before it sleeps). The spin is
  /// bounded by a count, not a clock (runtime code reads none): about a microsecond, enough to
  /// catch the answer of a worker already running on another core, short enough not to keep
  /// the core from a worker that shares it (thousands of pauses did, on two cores).
  void wait() const noexcept {
    for (int spin = 0; spin < wait_spins_max && !completed(); ++spin) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#elif defined(__aarch64__)
      asm volatile("yield");
#endif
    }
    while (!completed())
      completed_.wait(0, std::memory_order_acquire);
  }

  Result<T>& result() {
    ORRERY_ASSERT(completed(), "reading a future's result before it completed");
    return *result_;
  }

  void add_ref() const noexcept {
    refs_.fetch_add(1, std::memory_order_relaxed);
  }
  void release() const noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 private:
  /// Pause instructions before blocking: 10 to 40 ns each on current x86.
  static constexpr int wait_spins_max = 32;

  mutable std::atomic<std::uint32_t> refs_{0};
  // 0 or 1; a 32-bit word, so that wait and notify use the futex directly rather than the
  // standard library's shared proxy for smaller atomics.
  std::atomic<std::uint32_t> completed_{0};
  SpinLock lock_;
  std::optional<Result<T>> result_;
  std::vector<std::pair<std::uint64_t, Callback>> callbacks_;
  std::uint64_t next_token_ = 0;
  BlockingWait blocking_;
};

}  // namespace detail

template <class T>
class Future {
 public:
  Future() = default;
  explicit Future(IntrusivePtr<detail::FutureState<T>> state) : state_(std::move(state)) {}

  bool valid() const noexcept { return static_cast<bool>(state_); }
  bool ready() const noexcept { return state_ && state_->completed(); }

  /// Blocks the calling (production, non-worker) thread until the result is there, and takes it.
  /// Throws std::logic_error, at once, for a future of a single-threaded executor (the
  /// simulator's, a manual test executor: see Promise) that is not ready yet: nothing else
  /// would run the work that completes it, so the wait would never end.
  Result<T> get() {
    ORRERY_ASSERT(state_, "get() on an empty Future");
    if (state_->blocking() == BlockingWait::refused && !state_->completed()) {
      throw std::logic_error(
          "Future::get() on the simulator's thread would wait forever (nothing else runs the "
          "world): inside an actor use ctx.await(future), in a scenario a script's await, from "
          "a test run the world until future.ready()");
    }
    state_->wait();
    return take();
  }

  /// Takes the result of a ready future.
  Result<T> take() {
    ORRERY_ASSERT(ready(), "take() on a future that is not ready");
    Result<T> result = std::move(state_->result());
    state_.reset();
    return result;
  }

  /// Runs `callback(const Result<T>&)` on completion, on the completing thread (at once if ready,
  /// when what it throws reaches this caller). Callbacks are isolated from each other: see
  /// FutureState::try_complete.
  template <class F>
  void on_complete(F callback) {
    ORRERY_ASSERT(state_, "on_complete() on an empty Future");
    state_->on_complete(std::move(callback));
  }

  detail::FutureState<T>* state() const noexcept { return state_.get(); }

 private:
  IntrusivePtr<detail::FutureState<T>> state_;
};

template <class T>
class Promise {
 public:
  /// A promise completed by work of `env` (an actor, a timer, a store running on its
  /// executor): get() on its future may block exactly when that executor allows it.
  explicit Promise(const Env& env) : Promise(blocking_wait_of(env.executor)) {}
  explicit Promise(const Executor& executor) : Promise(blocking_wait_of(executor)) {}
  /// `blocking`: whether get() may block on the future (refused where one thread runs
  /// everything, as in the simulator; ask and when_terminated pass their system's answer).
  explicit Promise(BlockingWait blocking) : state_(new detail::FutureState<T>(blocking)) {}

  Future<T> future() const { return Future<T>(state_); }
  /// Completes the future and runs its callbacks; rethrows the first exception one of them threw,
  /// after all ran (the future is complete either way).
  bool try_complete(Result<T> result) { return state_->try_complete(std::move(result)); }
  bool complete(T value) { return try_complete(Result<T>(std::move(value))); }
  bool fail(Error error) { return try_complete(Result<T>(std::move(error))); }
  bool completed() const noexcept { return state_->completed(); }

 private:
  IntrusivePtr<detail::FutureState<T>> state_;
};

/// A future that is complete already (a call refused before it started): get() never waits.
template <class T>
Future<T> ready_future(Result<T> result) {
  Promise<T> promise(BlockingWait::allowed);
  promise.try_complete(std::move(result));
  return promise.future();
}

}  // namespace orrery
