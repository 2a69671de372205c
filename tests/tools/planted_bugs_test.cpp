// Every planted bug of every scenario: a bounded sweep finds it, shrinking cuts its fault plan,
// and the shrunk replay file, written out and read back, reproduces the same verdict and hash.
#include <registry.hpp>
#include <replay_file.hpp>
#include <shrink.hpp>

#include <catch2/catch.hpp>

namespace orrery::scenarios {
namespace {

constexpr std::uint64_t seeds_swept = 8;

TEST_CASE("every planted bug is found by a bounded sweep, shrunk and replayed", "[tools]") {
  std::size_t bugs = 0;
  for (const Scenario& scenario : all_scenarios()) {
    for (const BugInfo& bug : scenario.bugs) {
      ++bugs;
      INFO("scenario " << scenario.name << ", bug " << bug.name);
      ScenarioOptions options;
      options.bug = std::string(bug.name);
      std::optional<ScenarioResult> failing;
      for (std::uint64_t seed = 1; seed <= seeds_swept && !failing; ++seed) {
        ScenarioResult result = scenario.run(seed, options);
        CHECK(result.bug == bug.name);
        if (!result.passed) failing = std::move(result);
      }
      REQUIRE(failing);
      INFO("replay: " << failing->replay_command() << "\n" << failing->to_text());
      // The same seed without the bug passes: the bug, not the seed's faults, broke it.
      CHECK(scenario.run(failing->seed, {}).passed);

      auto shrunk = shrink(scenario, replay_file_of(*failing), {.max_runs = 300});
      REQUIRE(shrunk.ok());
      CHECK(shrunk->invariant == failing->invariant);
      CHECK(shrunk->actions_after <= 5);
      CHECK(shrunk->actions_after < shrunk->actions_before);

      auto back = parse_replay_file(to_json(shrunk->shrunk), "shrunk.json");
      REQUIRE(back.ok());
      const ScenarioResult again = scenario.run(back->seed, options_of(*back));
      CHECK_FALSE(again.passed);
      CHECK(again.invariant == shrunk->invariant);
      CHECK(again.trace_hash == back->expected->trace_hash);
    }
  }
  CHECK(bugs >= 2);
}

}  // namespace
}  // namespace orrery::scenarios
