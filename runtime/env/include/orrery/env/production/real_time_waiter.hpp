#pragma once
// RealTimeWaiter: blocks the calling thread in real time until a condition holds or a timeout
// passes on a Clock, for code that waits on the production Env from outside any actor (the
// testkit's RealTime). The condition is polled every `poll_interval` and whenever notify() is
// called; between polls the thread sleeps on a condition variable, so it uses no CPU.
//
// Production code only: the libraries never block a thread themselves (the seam rule); they
// reach this through an object handed to them, never by sleeping.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

#include <orrery/core/time.hpp>
#include <orrery/env/clock.hpp>

namespace orrery {

class RealTimeWaiter {
 public:
  static constexpr Duration poll_interval_default = std::chrono::microseconds(200);

  /// Deadlines are read on `clock` (a real one: a clock that does not move never times out).
  explicit RealTimeWaiter(const Clock& clock, Duration poll_interval = poll_interval_default);

  /// Waits until `ready()` holds (true) or `timeout` has passed (false, after one last look).
  /// `ready` is called on this thread: it must only read thread-safe state.
  bool wait_until(const std::function<bool()>& ready, Duration timeout);
  /// Blocks this thread while `duration` passes on the clock.
  void idle_for(Duration duration);
  /// Wakes a waiter to look at its condition now.
  void notify();

 private:
  const Clock& clock_;
  Duration poll_interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t notifications_ = 0;  // under mutex_
};

}  // namespace orrery
