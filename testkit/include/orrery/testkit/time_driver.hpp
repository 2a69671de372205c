#pragma once
// TimeDriver: how a test waits. Under manual time or the simulator, waiting runs the world
// forward in virtual time (instantly, deterministically); in production it waits in real time.
// Probes and fixtures are written against it, so one test reads the same in both.

#include <functional>
#include <orrery/core/time.hpp>
#include <orrery/env/env.hpp>

namespace orrery {

class TimeDriver {
 public:
  virtual ~TimeDriver() = default;
  /// Runs (or waits) until `ready` holds or `timeout` passes on the node's clock; whether it held.
  /// In real time, `ready` is called from the test's thread: it must only read thread-safe state.
  virtual bool await(const std::function<bool()>& ready, Duration timeout) = 0;
  /// Lets `duration` pass with everything running.
  virtual void pass(Duration duration) = 0;
  /// Whether time is virtual (waiting costs nothing, runs are deterministic).
  virtual bool virtual_time() const noexcept = 0;
};

}  // namespace orrery
