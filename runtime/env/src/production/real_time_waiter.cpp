// The production real-time wait: poll, then sleep on a condition variable until the next poll,
// a notify(), or the deadline, whichever comes first.

#include <algorithm>

#include <orrery/core/assert.hpp>
#include <orrery/env/production/real_time_waiter.hpp>

namespace orrery {

RealTimeWaiter::RealTimeWaiter(const Clock& clock, Duration poll_interval)
    : clock_(clock), poll_interval_(poll_interval) {
  ORRERY_ASSERT(poll_interval_.count() > 0, "a real-time wait needs a positive poll interval");
}

bool RealTimeWaiter::wait_until(const std::function<bool()>& ready, Duration timeout) {
  ORRERY_ASSERT(timeout.count() >= 0, "a negative timeout");
  const Instant deadline = clock_.now() + timeout;
  for (;;) {
    if (ready()) return true;
    const Instant now = clock_.now();
    if (now >= deadline) return ready();
    const Duration nap = std::min(poll_interval_, deadline - now);
    std::unique_lock lock(mutex_);
    const std::uint64_t seen = notifications_;
    wake_.wait_for(lock, nap, [&] { return notifications_ != seen; });
  }
}

void RealTimeWaiter::idle_for(Duration duration) {
  ORRERY_ASSERT(duration.count() >= 0, "a negative wait");
  const Instant deadline = clock_.now() + duration;
  std::unique_lock lock(mutex_);
  for (Instant now = clock_.now(); now < deadline; now = clock_.now()) {
    wake_.wait_for(lock, deadline - now);
  }
}

void RealTimeWaiter::notify() {
  {
    std::lock_guard guard(mutex_);
    ++notifications_;
  }
  wake_.notify_all();
}

}  // namespace orrery
