#pragma once
// Timers: run a short task at an Instant of the node's Clock. The task runs on a thread the
// implementation chooses (production: the timer thread; simulator: the world loop), so it must
// be brief and thread-safe: typically it tells an actor a message or schedules a Runnable.

#include <cstdint>
#include <orrery/core/time.hpp>
#include <orrery/core/unique_function.hpp>

namespace orrery {

struct TimerId {
  std::uint64_t value = 0;  // 0 is never issued
  explicit operator bool() const noexcept { return value != 0; }
  friend bool operator==(TimerId, TimerId) = default;
};

using TimerTask = UniqueFunction<void()>;

class Timers {
 public:
  virtual ~Timers() = default;
  /// Runs `task` once, at `when` or as soon after it as the implementation can. A time in the
  /// past fires as soon as possible. Timers due at the same instant fire in scheduling order.
  virtual TimerId schedule_at(Instant when, TimerTask task) = 0;
  /// Cancels a timer that has not started; true when it was cancelled (its task is destroyed
  /// without running), false when it already ran, is running, or was never issued.
  virtual bool cancel(TimerId id) noexcept = 0;
};

}  // namespace orrery
