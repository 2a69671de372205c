#pragma once
// The simulator's seam parts as a conformance factory (see factories.hpp for the contract): one
// node of a fault-free World: its clock, timers, executor and SimDisk; randoms as new nodes get
// them (streams split from the world seed).
#include <memory>
#include <string>

#include <orrery/sim/node.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::conformance {

class SimParts {
 public:
  SimParts() : world_(7), node_(world_.add_node("node", {.remoting = false})) {}
  Clock& clock() noexcept { return node_.env().clock; }
  Timers& timers() noexcept { return node_.env().timers; }
  Executor& executor() noexcept { return node_.env().executor; }
  Storage& storage() noexcept { return node_.env().storage; }
  std::unique_ptr<Random> make_random() {
    return std::make_unique<SeededRandom>(
        world_.derive_seed("conformance/random/" + std::to_string(randoms_++)));
  }
  bool run_until(const std::function<bool()>& done, Duration limit) {
    return world_.await(done, limit);
  }
  void pass(Duration duration) { world_.run_for(duration); }

 private:
  sim::World world_;
  sim::Node& node_;
  int randoms_ = 0;
};

}  // namespace orrery::conformance
