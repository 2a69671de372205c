#pragma once
// RealTime: the production Env as the testkit's TimeDriver, so the same probes and ActorTestKit
// tests that run in virtual time under ManualTime or the simulator run in real time over a
// ProductionEnv (its thread pool, timer thread and system clock):
//
//   auto production = ProductionEnv::create(config);   // Result
//   RealTime time((*production)->env());
//   ActorTestKit kit((*production)->env(), time);
//   probe.expect_message(Pong{1});   // waits up to 3 real seconds
//
// Waiting blocks the test's thread through the production RealTimeWaiter, on the Env's clock:
// the testkit itself never sleeps or reads a clock of its own.

#include <orrery/env/env.hpp>
#include <orrery/env/production/real_time_waiter.hpp>
#include <orrery/testkit/time_driver.hpp>

namespace orrery {

class RealTime final : public TimeDriver {
 public:
  /// Over `env`, whose clock must be real (a ProductionEnv's).
  explicit RealTime(Env& env) : waiter_(env.clock) {}
  bool await(const std::function<bool()>& ready, Duration timeout) override {
    return waiter_.wait_until(ready, timeout);
  }
  void pass(Duration duration) override { waiter_.idle_for(duration); }
  bool virtual_time() const noexcept override { return false; }

 private:
  RealTimeWaiter waiter_;
};

}  // namespace orrery
