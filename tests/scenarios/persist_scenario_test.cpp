// The `persist` scenario over a bounded sweep of seeds (CI); `orrery sim sweep persist --seeds N`
// runs the long sweeps.
#include <registry.hpp>

#include <catch2/catch.hpp>

#include <orrery/testkit/seeds.hpp>

namespace orrery::scenarios {
namespace {

TEST_CASE("the persist scenario holds its invariants under generated faults", "[scenarios]") {
  auto scenario = find_scenario("persist");
  REQUIRE(scenario);
  for (std::uint64_t seed : test_seeds(8)) {
    ORRERY_SEED_INFO(seed);
    const ScenarioResult result = scenario->run(seed, {});
    INFO("replay: orrery sim run persist --seed " << seed << "\n" << result.to_text());
    REQUIRE(result.passed);
    REQUIRE(result.invariant == "all");
    REQUIRE(result.plan.find("crash") != std::string::npos);
    REQUIRE(result.events > 10000);
  }
}

TEST_CASE("the persist scenario without faults holds too, and its plan is empty", "[scenarios]") {
  ScenarioOptions options;
  options.faults = false;
  const ScenarioResult result = find_scenario("persist")->run(1, options);
  INFO(result.to_text());
  REQUIRE(result.passed);
  REQUIRE(result.plan.empty());
}

TEST_CASE("the persist scenario fails liveness when a node never comes back healthy",
          "[scenarios]") {
  // b stalls for five minutes from 20 s on: healing does not undo a pause, so b's counters
  // cannot acknowledge the final Adds within the liveness deadline.
  ScenarioOptions options;
  options.plan = sim::FaultPlan{{{.at = std::chrono::seconds(20),
                                  .kind = sim::FaultKind::pause,
                                  .nodes = {"b"},
                                  .duration = std::chrono::minutes(5)}}};
  const ScenarioResult result = find_scenario("persist")->run(3, options);
  INFO(result.to_text());
  REQUIRE_FALSE(result.passed);
  REQUIRE(result.invariant == "liveness");
  REQUIRE(result.to_text().find("replay:    orrery sim run persist --seed 3") != std::string::npos);
}

}  // namespace
}  // namespace orrery::scenarios
