#pragma once
// Time as the seam gives it: a monotonic Instant and a wall-clock WallTime, both in nanoseconds.
// Neither type can read a clock by itself; only the node's Env::clock can.

#include <chrono>
#include <cstdint>

namespace orrery {

using Duration = std::chrono::nanoseconds;

/// The monotonic time line of one node (its Clock::now). Not comparable across nodes.
struct MonotonicTimeline {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<MonotonicTimeline, duration>;
  static constexpr bool is_steady = true;
};

using Instant = MonotonicTimeline::time_point;
// The system clock lends WallTime its epoch; nothing here reads it.
using WallTime =
    std::chrono::time_point<std::chrono::system_clock,  // orrery-lint: allow(clock) epoch
                            Duration>;

constexpr std::int64_t to_nanoseconds(Duration d) noexcept { return d.count(); }
constexpr std::int64_t to_nanoseconds(Instant t) noexcept { return t.time_since_epoch().count(); }
constexpr Instant instant_from_nanoseconds(std::int64_t ns) noexcept {
  return Instant{Duration{ns}};
}

}  // namespace orrery
