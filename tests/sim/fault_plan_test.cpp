// Fault plans: errors that name the problem, generated plans valid by construction (a property),
// application through the world's queue, and replay by seed.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <orrery/sim/fault_plan.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_network.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::sim {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> nodes{"a", "b", "c"};

std::string error_of(const FaultPlan& plan) {
  const Status status = validate(plan, nodes);
  return status.ok() ? std::string() : status.error().message;
}

TEST_CASE("invalid fault plans get an error naming the action and the problem", "[fault_plan]") {
  using K = FaultKind;
  CHECK_THAT(error_of({{{.at = 1s, .kind = K::crash, .nodes = {"d"}}}}),
             Catch::Contains("#0 at 1000 ms: crash [d]") && Catch::Contains("unknown node 'd'"));
  CHECK_THAT(error_of({{{.at = -1s, .kind = K::pause, .nodes = {"a"}, .duration = 1s}}}),
             Catch::Contains("negative start time"));
  CHECK_THAT(error_of({{{.kind = K::pause, .nodes = {"a"}, .duration = -2s}}}),
             Catch::Contains("negative duration"));
  CHECK_THAT(error_of({{{.kind = K::pause, .nodes = {"a"}}}}),
             Catch::Contains("needs a positive duration"));
  CHECK_THAT(error_of({{{.kind = K::partition, .groups = {{"a", "b"}, {"b", "c"}}}}}),
             Catch::Contains("puts node 'b' in two groups"));
  CHECK_THAT(error_of({{{.kind = K::partition, .groups = {{"a", "b", "c"}}}}}),
             Catch::Contains("at least two groups"));
  CHECK_THAT(error_of({{{.kind = K::clog, .nodes = {"a", "a"}, .duration = 1s}}}),
             Catch::Contains("with itself"));
  CHECK_THAT(error_of({{{.kind = K::clock_drift, .nodes = {"a"}, .ppm = -1'000'000}}}),
             Catch::Contains("drift"));
  // Two partitions in force at once that disagree about a pair.
  CHECK_THAT(
      error_of(
          {{{.at = 0s, .kind = K::partition, .groups = {{"a"}, {"b", "c"}}, .duration = 10s},
            {.at = 5s, .kind = K::partition, .groups = {{"a", "b"}, {"c"}}, .duration = 10s}}}),
      Catch::Contains("#1 at 5000 ms") && Catch::Contains("contradicts #0") &&
          Catch::Contains("disagrees about 'a' and 'b'"));
  // The same two one after the other are fine.
  CHECK(
      error_of({{{.at = 0s, .kind = K::partition, .groups = {{"a"}, {"b", "c"}}, .duration = 5s},
                 {.at = 5s, .kind = K::partition, .groups = {{"a", "b"}, {"c"}}, .duration = 10s}}})
          .empty());
  // A world refuses a plan naming a node it does not have, before anything happens.
  World world(1);
  world.add_node("a", {.remoting = false});
  const Status refused =
      apply(world, {{{.at = 1s, .kind = K::isolate, .nodes = {"z"}, .duration = 1s}}});
  REQUIRE_FALSE(refused.ok());
  world.run_for(5s);
  REQUIRE_FALSE(world.network().partitioned());
}

TEST_CASE("generated fault plans are valid for every seed", "[fault_plan][property]") {
  rc::prop("generate() only makes valid plans", [](std::uint64_t seed, std::uint8_t span_s) {
    SeededRandom random(seed);
    FaultMix mix;
    mix.disk_errors = 1;
    mix.never_crash = {"a"};
    const FaultPlan plan = generate(random, nodes, std::chrono::seconds(1 + span_s), mix);
    const Status status = validate(plan, nodes);
    RC_ASSERT(status.ok());
    for (const FaultAction& action : plan.actions) {
      RC_ASSERT(!(action.kind == FaultKind::crash && action.nodes.at(0) == "a"));
      RC_ASSERT(action.at < std::chrono::seconds(1 + span_s));
    }
  });
}

TEST_CASE("the same seed generates the same plan", "[fault_plan][determinism]") {
  const auto plan_of = [](std::uint64_t seed) {
    SeededRandom random(seed);
    return generate(random, nodes, 60s).describe();
  };
  REQUIRE(plan_of(5) == plan_of(5));
  REQUIRE(plan_of(5) != plan_of(6));
  REQUIRE_FALSE(plan_of(5).empty());
}

TEST_CASE("an applied plan acts at its times: partitions heal, crashed nodes restart",
          "[fault_plan]") {
  World world(2);
  for (const char* name : {"a", "b", "c"})
    world.add_node(name, {.remoting = false});
  using K = FaultKind;
  FaultPlan plan{{{.at = 1s, .kind = K::partition, .groups = {{"a"}, {"b", "c"}}, .duration = 2s},
                  {.at = 2s, .kind = K::crash, .nodes = {"b"}, .duration = 3s},
                  {.at = 2500ms, .kind = K::isolate, .nodes = {"c"}, .duration = 1s}}};
  REQUIRE(apply(world, plan).ok());
  world.run_for(1500ms);
  REQUIRE(world.network().cut(0, 1));
  world.run_for(1s);  // 2.5 s: b down, c isolated as well
  REQUIRE_FALSE(world.node("b").up());
  REQUIRE(world.network().cut(2, 0));
  world.run_for(600ms);  // 3.1 s: the first partition is over, c's isolation still holds
  REQUIRE(world.network().cut(2, 1));
  REQUIRE_FALSE(world.network().cut(0, 1));
  world.run_for(500ms);  // 3.6 s: all healed
  REQUIRE_FALSE(world.network().partitioned());
  world.run_for(2s);  // 5.6 s: b restarted
  REQUIRE(world.node("b").up());
  REQUIRE(world.node("b").incarnation() == 1);
}

TEST_CASE("a plan with two overlapping crash windows on one node is refused, naming both",
          "[fault_plan]") {
  using K = FaultKind;
  CHECK_THAT(error_of({{{.at = 1s, .kind = K::crash, .nodes = {"b"}, .duration = 5s},
                        {.at = 3s, .kind = K::crash, .nodes = {"b"}, .duration = 5s}}}),
             Catch::Contains("#1 at 3000 ms: crash [b]") &&
                 Catch::Contains("#0 at 1000 ms: crash [b] for 5000 ms") &&
                 Catch::Contains("keeps it down"));
  // A crash that never restarts keeps the node down for good.
  CHECK_THAT(error_of({{{.at = 1s, .kind = K::crash, .nodes = {"a"}},
                        {.at = 60s, .kind = K::crash, .nodes = {"a"}, .duration = 1s}}}),
             Catch::Contains("#0 at 1000 ms: crash [a]"));
  // Back to back on one node would lose the second crash (due as the first restart is):
  // refused. After a gap, or on other nodes, is fine.
  CHECK_THAT(error_of({{{.at = 1s, .kind = K::crash, .nodes = {"b"}, .duration = 2s},
                        {.at = 3s, .kind = K::crash, .nodes = {"b"}, .duration = 2s}}}),
             Catch::Contains("#1 at 3000 ms: crash [b]") &&
                 Catch::Contains("#0 at 1000 ms: crash [b] for 2000 ms"));
  CHECK(error_of({{{.at = 1s, .kind = K::crash, .nodes = {"b"}, .duration = 2s},
                   {.at = 3001ms, .kind = K::crash, .nodes = {"b"}, .duration = 2s},
                   {.at = 2s, .kind = K::crash, .nodes = {"c"}, .duration = 5s}}})
            .empty());
}

TEST_CASE("a plan's partition ending keeps the cuts made by hand, and heal() keeps the plan's",
          "[fault_plan]") {
  World world(3);
  for (const char* name : {"a", "b", "c"})
    world.add_node(name, {.remoting = false});
  using K = FaultKind;
  using Owner = SimNetwork::CutOwner;
  REQUIRE(apply(world,
                {{{.at = 1s, .kind = K::partition, .groups = {{"a"}, {"b", "c"}}, .duration = 2s}}})
              .ok());
  world.network().isolate(2);  // by hand: c alone
  world.run_for(1500ms);
  REQUIRE(world.network().cut_by(0, 1, Owner::fault_plan));
  REQUIRE(world.network().cut_by(2, 1, Owner::manual));
  // A heal by hand ends the hand-made cut only: the plan's partition still holds.
  world.network().heal();
  REQUIRE_FALSE(world.network().cut(2, 1));
  REQUIRE(world.network().cut(0, 1));
  REQUIRE(world.network().cut(1, 0));
  world.network().isolate(2);
  world.run_for(2s);  // 3.5 s: the plan's partition is over, the hand-made isolation is not
  REQUIRE_FALSE(world.network().cut(0, 1));
  REQUIRE(world.network().cut(2, 1));
  REQUIRE(world.network().cut(0, 2));
  world.network().heal();
  REQUIRE_FALSE(world.network().partitioned());
  // heal_all() ends the cuts of both, a plan's partition that would stay forever too.
  REQUIRE(apply(world, {{{.kind = K::partition, .groups = {{"a"}, {"b", "c"}}}}}).ok());
  world.network().isolate(2);
  world.run_for(1s);
  world.network().heal();
  REQUIRE(world.network().partitioned());
  world.network().heal_all();
  REQUIRE_FALSE(world.network().partitioned());
}

}  // namespace
}  // namespace orrery::sim
