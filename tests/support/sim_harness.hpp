#pragma once
// SimHarness: the runtime's test bodies on the simulator's executor, in virtual time, with the
// order among ready actors drawn from the seed (ORRERY_SEED, or 1).

#include <support/harness.hpp>

#include <orrery/sim/node.hpp>
#include <orrery/sim/world.hpp>
#include <orrery/testkit/seeds.hpp>

namespace orrery::test {

class SimHarness final : public Harness {
 public:
  SimHarness() : SimHarness(seed()) {}
  /// A world of its own seed (a test that loops over seeds).
  explicit SimHarness(std::uint64_t seed)
      : world_(seed), node_(world_.add_node("node", {.remoting = false})) {}
  Env& env() override { return node_.env(); }
  bool run_until(const std::function<bool()>& done, Duration limit) override {
    return world_.await(done, limit);
  }
  void pass(Duration duration) override { world_.run_for(duration); }
  const char* name() const override { return "simulator"; }
  bool threaded() const override { return false; }
  sim::World& world() { return world_; }
  sim::Node& node() { return node_; }

 private:
  static std::uint64_t seed() {
    std::uint64_t seed = 1;
    seed_from_environment(seed);
    return seed;
  }
  sim::World world_;
  sim::Node& node_;
};

}  // namespace orrery::test
