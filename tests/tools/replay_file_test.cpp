// Replay files: what a run writes reads back the same, a hand edit is taken, and a malformed file
// is refused with the file, the line and the field named.
#include <registry.hpp>
#include <replay_file.hpp>

#include <catch2/catch.hpp>

namespace orrery::scenarios {
namespace {

using namespace std::chrono_literals;

TEST_CASE("a run's replay file reads back to the same plan, workload and expectation", "[tools]") {
  const ScenarioResult result = find_scenario("remoting")->run(1, {});
  const ReplayFile file = replay_file_of(result, {"abc123", "Release", "GNU 12.2.0", ""});
  REQUIRE(file.plan.actions.size() == result.realized_plan.actions.size());
  REQUIRE_FALSE(file.plan.actions.empty());
  const std::string text = to_json(file);
  auto back = parse_replay_file(text, "r.json");
  REQUIRE(back.ok());
  REQUIRE(back->scenario == "remoting");
  REQUIRE(back->seed == 1);
  REQUIRE(back->until == result.until);
  REQUIRE(back->plan.describe() == result.realized_plan.describe());
  REQUIRE(back->expected);
  REQUIRE(back->expected->trace_hash == result.trace_hash);
  REQUIRE(back->expected->passed);
  REQUIRE(back->build.commit == "abc123");
  // Rerun from the file alone: the same hash (the plan is explicit, not regenerated).
  const ScenarioResult again = find_scenario("remoting")->run(back->seed, options_of(*back));
  REQUIRE(again.trace_hash == result.trace_hash);
}

TEST_CASE("durations in replay files keep their exact value and read as people write them",
          "[tools]") {
  REQUIRE(format_duration(60s) == "1m");
  REQUIRE(format_duration(2500ms) == "2500ms");
  REQUIRE(format_duration(Duration(4'295'664'183)) == "4.295664183s");
  REQUIRE(format_duration(-Duration(1'500'000'000)) == "-1500ms");
  const char* text = R"({"plan": [
    {"at": "1.5s", "kind": "crash", "nodes": ["b"], "duration": "250ms"},
    {"at": 2000000000, "kind": "clock_jump", "nodes": ["c"], "delta": "-2s"}
  ], "add_generated": true})";
  auto plan = parse_plan_file(text, "p.json");
  REQUIRE(plan.ok());
  REQUIRE(plan->add_generated);
  REQUIRE(plan->plan.actions.size() == 2);
  REQUIRE(plan->plan.actions[0].at == 1500ms);
  REQUIRE(plan->plan.actions[0].duration == 250ms);
  REQUIRE(plan->plan.actions[1].at == 2s);
  REQUIRE(plan->plan.actions[1].delta == -2s);
}

TEST_CASE("a malformed replay file is refused naming the file, the line and the field", "[tools]") {
  const auto error_of = [](const char* text) {
    auto parsed = parse_replay_file(text, "bad.json");
    REQUIRE_FALSE(parsed.ok());
    return parsed.error().message;
  };
  const char* head =
      "{\n  \"format\": \"orrery-replay\",\n  \"version\": 1,\n"
      "  \"scenario\": \"bank\",\n  \"seed\": 3,\n";
  CHECK(error_of("{\"format\": \"orrery-replay\",").find("bad.json:1: malformed JSON") == 0);
  CHECK(error_of((std::string(head) + "  \"plan\": [\n    {\"at\": \"1s\", \"kind\": \"crash\"},\n"
                                      "    {\"at\": \"2s\", \"kind\": \"crsh\"}\n  ]\n}")
                     .c_str())
            .find("bad.json:8: plan[1].kind: unknown fault kind 'crsh'") == 0);
  CHECK(error_of((std::string(head) + "  \"plan\": [\n    {\"at\": \"soon\", \"kind\": \"crash\"}\n"
                                      "  ]\n}")
                     .c_str())
            .find("bad.json:7: plan[0].at:") == 0);
  CHECK(error_of((std::string(head) + "  \"plan\": [\n    {\"at\": \"1s\", \"kind\": \"crash\", "
                                      "\"colour\": 1}\n  ]\n}")
                     .c_str())
            .find("plan[0].colour: unknown field") != std::string::npos);
  CHECK(error_of("{\n  \"format\": \"orrery-replay\",\n  \"version\": 9\n}")
            .find("bad.json:3: version: version 9 is not one this build reads") == 0);
  CHECK(error_of("{\n  \"format\": \"pcap\"\n}").find("bad.json:2: format:") == 0);
  CHECK(error_of((std::string(head) + "  \"plan\": []\n,\"expected\": {\"verdict\": \"fail\", "
                                      "\"trace_hash\": \"xyz\"}}")
                     .c_str())
            .find("trace_hash: 'xyz' is not hex digits") != std::string::npos);
}

TEST_CASE("scripted faults mix with seeded ones where they do not clash", "[tools]") {
  ScenarioOptions options;
  options.plan = sim::FaultPlan{{{.at = 5s,
                                  .kind = sim::FaultKind::partition,
                                  .groups = {{"a"}, {"b", "c"}},
                                  .duration = 50s}}};
  const ScenarioResult scripted = find_scenario("remoting")->run(2, options);
  REQUIRE(scripted.realized_plan.actions.size() == 1);
  options.add_generated = true;
  const ScenarioResult mixed = find_scenario("remoting")->run(2, options);
  REQUIRE(mixed.realized_plan.actions.size() > 1);
  REQUIRE(sim::validate(mixed.realized_plan, {"a", "b", "c"}).ok());
  // The script's partition is kept as written; no generated partition overlaps it.
  const auto& actions = mixed.realized_plan.actions;
  REQUIRE(std::count_if(actions.begin(), actions.end(), [](const sim::FaultAction& a) {
            return a.kind == sim::FaultKind::partition && a.at == 5s && a.duration == 50s;
          }) == 1);
  INFO(mixed.plan);
  REQUIRE(std::is_sorted(actions.begin(), actions.end(),
                         [](const auto& x, const auto& y) { return x.at < y.at; }));
}

}  // namespace
}  // namespace orrery::scenarios
