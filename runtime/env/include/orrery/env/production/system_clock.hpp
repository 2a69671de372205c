#pragma once
// SystemClock: the production Clock. now() reads the steady clock (CLOCK_MONOTONIC), so
// timeouts never see NTP steps; wall_now() reads the system clock, which may jump.

#include <orrery/env/clock.hpp>

namespace orrery {

class SystemClock final : public Clock {
 public:
  /// Nanoseconds of std::chrono::steady_clock: never goes back, not comparable across hosts.
  Instant now() const noexcept override;
  /// std::chrono::system_clock at nanosecond resolution (UTC since the Unix epoch).
  WallTime wall_now() const noexcept override;
};

}  // namespace orrery
