// The `register` scenario over a bounded sweep of seeds (CI): its client history is checked for
// linearizability by the testkit's checker.
#include <registry.hpp>

#include <catch2/catch.hpp>

#include <orrery/testkit/seeds.hpp>

namespace orrery::scenarios {
namespace {

TEST_CASE("the register scenario's history is linearizable under generated faults", "[scenarios]") {
  auto scenario = find_scenario("register");
  REQUIRE(scenario);
  for (std::uint64_t seed : test_seeds(12)) {
    ORRERY_SEED_INFO(seed);
    const ScenarioResult result = scenario->run(seed, {});
    INFO("replay: " << result.replay_command() << "\n" << result.to_text());
    REQUIRE(result.passed);
    REQUIRE(result.operations > 500);
  }
}

TEST_CASE("a register read from a stale cache is caught as not linearizable, with its window",
          "[scenarios]") {
  ScenarioOptions options;
  options.bug = "stale-cache-read";
  options.faults = false;  // this bug needs no fault at all
  const ScenarioResult result = find_scenario("register")->run(1, options);
  INFO(result.to_text());
  REQUIRE_FALSE(result.passed);
  REQUIRE(result.invariant == "linearizable");
  REQUIRE(result.detail.find("the failing window:") != std::string::npos);
  REQUIRE(result.detail.find("read") != std::string::npos);
}

TEST_CASE("a register write acknowledged before it is durable is lost to a crash, and caught",
          "[scenarios]") {
  ScenarioOptions options;
  options.bug = "ack-before-durable";
  std::optional<ScenarioResult> failing;
  for (std::uint64_t seed = 1; seed <= 8 && !failing; ++seed) {
    ScenarioResult result = find_scenario("register")->run(seed, options);
    if (!result.passed) failing = std::move(result);
  }
  REQUIRE(failing);
  INFO(failing->to_text());
  REQUIRE(failing->invariant == "linearizable");
  const bool lost_to_a_fault = failing->plan.find("crash") != std::string::npos ||
                               failing->plan.find("disk_errors") != std::string::npos;
  REQUIRE(lost_to_a_fault);
}

}  // namespace
}  // namespace orrery::scenarios
