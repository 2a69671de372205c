// The production clock: steady time for intervals, system time for timestamps.

#include <chrono>

#include <orrery/env/production/system_clock.hpp>

namespace orrery {

Instant SystemClock::now() const noexcept {
  const auto since_boot = std::chrono::steady_clock::now().time_since_epoch();
  return Instant{std::chrono::duration_cast<Duration>(since_boot)};
}

WallTime SystemClock::wall_now() const noexcept {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

}  // namespace orrery
