#pragma once
// SimTime: a World as the testkit's TimeDriver, so probes and fixtures wait in virtual time:
//
//   World world(seed);
//   SimTime time(world);
//   TestProbe<Pong> probe(world.node("a").system(), time);
//   probe.expect_message(Pong{1});   // runs the world until it arrives (or 3 virtual seconds)
#include <orrery/sim/world.hpp>
#include <orrery/testkit/time_driver.hpp>

namespace orrery {

class SimTime final : public TimeDriver {
 public:
  explicit SimTime(sim::World& world) : world_(world) {}
  bool await(const std::function<bool()>& ready, Duration timeout) override {
    return world_.await(ready, timeout);
  }
  void pass(Duration duration) override { world_.run_for(duration); }
  bool virtual_time() const noexcept override { return true; }
  sim::World& world() const noexcept { return world_; }

 private:
  sim::World& world_;
};

}  // namespace orrery
