// The `remoting` scenario over a bounded sweep of seeds (CI); `orrery sim sweep remoting --seeds N`
// runs the long sweeps.
#include <registry.hpp>

#include <catch2/catch.hpp>

#include <orrery/testkit/seeds.hpp>

namespace orrery::scenarios {
namespace {

TEST_CASE("the remoting scenario holds its invariants under generated faults", "[scenarios]") {
  auto scenario = find_scenario("remoting");
  REQUIRE(scenario);
  for (std::uint64_t seed : test_seeds(25)) {
    ORRERY_SEED_INFO(seed);
    const ScenarioResult result = scenario->run(seed, {});
    INFO("replay: orrery sim run remoting --seed " << seed << "\n" << result.to_text());
    REQUIRE(result.passed);
    REQUIRE(result.invariant == "all");
    REQUIRE(result.events > 1000);
    REQUIRE(result.sim_time > std::chrono::seconds(60));
  }
}

TEST_CASE("the remoting scenario without faults holds too, and its plan is empty", "[scenarios]") {
  ScenarioOptions options;
  options.faults = false;
  const ScenarioResult result = find_scenario("remoting")->run(1, options);
  INFO(result.to_text());
  REQUIRE(result.passed);
  REQUIRE(result.plan.empty());
}

TEST_CASE("a scenario's verdict names the broken invariant and how to replay it", "[scenarios]") {
  // c stalls for five minutes from 50 s on: the script's healing does not undo a pause, so c
  // cannot answer within the liveness deadline.
  ScenarioOptions options;
  options.plan = sim::FaultPlan{{{.at = std::chrono::seconds(50),
                                  .kind = sim::FaultKind::pause,
                                  .nodes = {"c"},
                                  .duration = std::chrono::minutes(5)}}};
  const ScenarioResult result = find_scenario("remoting")->run(4, options);
  INFO(result.to_text());
  REQUIRE_FALSE(result.passed);
  REQUIRE(result.invariant == "liveness");
  REQUIRE(result.detail.find("both servers answer again") != std::string::npos);
  REQUIRE(result.to_json().find(R"("verdict":"fail","invariant":"liveness")") != std::string::npos);
  REQUIRE(result.to_text().find("replay:    orrery sim run remoting --seed 4") !=
          std::string::npos);
  REQUIRE(result.plan.find("pause [c] for 300000 ms") != std::string::npos);
}

TEST_CASE("the JSON verdict carries the fields scripts rely on", "[scenarios]") {
  const ScenarioResult result = find_scenario("remoting")->run(2, {});
  const std::string json = result.to_json();
  for (const char* field : {R"("seed":2)", R"("verdict":"pass")", R"("invariant":"all")",
                            R"("sim_time_ns":)", R"("events":)", R"("trace_hash":")"}) {
    INFO(field);
    REQUIRE(json.find(field) != std::string::npos);
  }
}

}  // namespace
}  // namespace orrery::scenarios
