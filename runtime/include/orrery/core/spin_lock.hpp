#pragma once
// SpinLock: a three-state lock (free, held, held with waiters) for very short critical sections
// such as a mailbox push. Uncontended it costs one compare-exchange to lock and one exchange to
// unlock; contended it spins briefly, then waits on the atomic (a futex), so a preempted holder
// does not make others burn a whole time slice.

#include <atomic>
#include <cstdint>

namespace orrery {

class SpinLock {
 public:
  void lock() noexcept {
    std::uint8_t expected = free_;
    if (state_.compare_exchange_strong(expected, held_, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return;
    }
    lock_contended();
  }

  bool try_lock() noexcept {
    std::uint8_t expected = free_;
    return state_.compare_exchange_strong(expected, held_, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  void unlock() noexcept {
    if (state_.exchange(free_, std::memory_order_release) == waited_) state_.notify_one();
  }

 private:
  static constexpr std::uint8_t free_ = 0;
  static constexpr std::uint8_t held_ = 1;
  static constexpr std::uint8_t waited_ = 2;
  static constexpr int spins_max = 128;

  void lock_contended() noexcept {
    for (int spin = 0; spin < spins_max; ++spin) {
      if (state_.load(std::memory_order_relaxed) == free_ && try_lock()) return;
      pause();
    }
    // Mark the lock as waited-on; whoever unlocks then wakes one waiter.
    while (state_.exchange(waited_, std::memory_order_acquire) != free_) {
      state_.wait(waited_, std::memory_order_relaxed);
    }
  }

  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  std::atomic<std::uint8_t> state_{free_};
};

/// Scoped holder, like std::lock_guard.
class SpinLockGuard {
 public:
  explicit SpinLockGuard(SpinLock& lock) noexcept : lock_(lock) { lock_.lock(); }
  ~SpinLockGuard() { lock_.unlock(); }
  SpinLockGuard(const SpinLockGuard&) = delete;
  SpinLockGuard& operator=(const SpinLockGuard&) = delete;

 private:
  SpinLock& lock_;
};

}  // namespace orrery
