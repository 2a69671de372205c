// Shrinking: a failing run with many fault actions is cut to the one that breaks the invariant.
#include <registry.hpp>
#include <shrink.hpp>

#include <catch2/catch.hpp>

namespace orrery::scenarios {
namespace {

using namespace std::chrono_literals;

TEST_CASE("shrinking cuts a failing plan to the fault that breaks liveness", "[tools]") {
  // a, the client, paused for five minutes from 20 s on (healing does not undo a pause, so it hears
  // no answer within the liveness bound), buried among the seed's generated faults.
  ScenarioOptions options;
  options.plan = sim::FaultPlan{{{.at = 20s,
                                  .kind = sim::FaultKind::pause,
                                  .nodes = {"a"},
                                  .duration = std::chrono::minutes(5)}}};
  options.add_generated = true;
  const ScenarioResult failing = find_scenario("remoting")->run(4, options);
  INFO("replay: orrery sim run remoting --seed 4, plan:\n" << failing.plan);
  REQUIRE_FALSE(failing.passed);
  REQUIRE(failing.realized_plan.actions.size() >= 8);
  const ReplayFile file = replay_file_of(failing);

  std::size_t progress_calls = 0;
  auto shrunk =
      shrink(*find_scenario("remoting"), file, {.progress = [&](const ReplayFile&, std::size_t) {
        ++progress_calls;
      }});
  REQUIRE(shrunk.ok());
  INFO(shrunk->shrunk.plan.describe());
  CHECK(shrunk->complete);
  CHECK(shrunk->invariant == failing.invariant);
  CHECK(shrunk->actions_before == failing.realized_plan.actions.size());
  REQUIRE(shrunk->actions_after == 1);
  CHECK(shrunk->shrunk.plan.actions[0].kind == sim::FaultKind::pause);
  CHECK(shrunk->fault_time_after <= shrunk->fault_time_before);
  CHECK(progress_calls > 0);
  // The shrunk file fails the same way when run again, with the hash it records.
  const ScenarioResult again =
      find_scenario("remoting")->run(shrunk->shrunk.seed, options_of(shrunk->shrunk));
  CHECK_FALSE(again.passed);
  CHECK(again.invariant == failing.invariant);
  CHECK(again.trace_hash == shrunk->shrunk.expected->trace_hash);
}

TEST_CASE("shrinking a passing run is an error, and a run budget is kept", "[tools]") {
  const ScenarioResult passing = find_scenario("remoting")->run(1, {});
  REQUIRE(passing.passed);
  auto refused = shrink(*find_scenario("remoting"), replay_file_of(passing));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("passes") != std::string::npos);

  ScenarioOptions options;
  options.plan = sim::FaultPlan{{{.at = 20s,
                                  .kind = sim::FaultKind::pause,
                                  .nodes = {"a"},
                                  .duration = std::chrono::minutes(5)}}};
  options.add_generated = true;
  const ScenarioResult failing = find_scenario("remoting")->run(5, options);
  REQUIRE_FALSE(failing.passed);
  auto limited = shrink(*find_scenario("remoting"), replay_file_of(failing), {.max_runs = 3});
  REQUIRE(limited.ok());
  CHECK_FALSE(limited->complete);
  CHECK(limited->runs <= 3);
}

}  // namespace
}  // namespace orrery::scenarios
