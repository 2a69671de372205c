#pragma once
// Clock: the only way framework code learns the time. Production reads the steady and system
// clocks; the simulator gives virtual time with a per-node offset, drift and jumps.

#include <orrery/core/time.hpp>

namespace orrery {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Monotonic time of this node: never goes back. Use it for timeouts and intervals.
  virtual Instant now() const noexcept = 0;
  /// Wall-clock time: may jump either way (NTP, operators, the simulator). Use it only for
  /// timestamps shown to people or stored as data, never to measure durations.
  virtual WallTime wall_now() const noexcept = 0;
};

}  // namespace orrery
