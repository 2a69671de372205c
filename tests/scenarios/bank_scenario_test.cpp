// The `bank` scenario over a bounded sweep of seeds (CI); `orrery sim sweep bank --seeds A..B`
// runs the long sweeps.
#include <registry.hpp>

#include <catch2/catch.hpp>

#include <orrery/testkit/seeds.hpp>

namespace orrery::scenarios {
namespace {

TEST_CASE("the bank scenario holds its invariants under generated faults", "[scenarios]") {
  auto scenario = find_scenario("bank");
  REQUIRE(scenario);
  for (std::uint64_t seed : test_seeds(12)) {
    ORRERY_SEED_INFO(seed);
    const ScenarioResult result = scenario->run(seed, {});
    INFO("replay: " << result.replay_command() << "\n" << result.to_text());
    REQUIRE(result.passed);
    REQUIRE(result.operations > 100);
    REQUIRE_FALSE(result.realized_plan.actions.empty());
  }
}

TEST_CASE("the bank scenario's workload is capped by operations, and passes without faults",
          "[scenarios]") {
  ScenarioOptions options;
  options.faults = false;
  options.operations = 50;
  const ScenarioResult result = find_scenario("bank")->run(3, options);
  INFO(result.to_text());
  REQUIRE(result.passed);
  REQUIRE(result.operations == 50);
  REQUIRE(result.realized_plan.actions.empty());
}

TEST_CASE("the bank scenario's planted bugs break the invariants they are about", "[scenarios]") {
  // Seeds found by `orrery sim sweep bank --seeds 1..8 --bug NAME`.
  ScenarioOptions options;
  options.bug = "retry-not-deduplicated";
  const ScenarioResult twice = find_scenario("bank")->run(3, options);
  INFO(twice.to_text());
  REQUIRE_FALSE(twice.passed);
  REQUIRE(twice.invariant == "exactly once");
  REQUIRE(twice.to_text().find("--bug retry-not-deduplicated") != std::string::npos);
}

}  // namespace
}  // namespace orrery::scenarios
