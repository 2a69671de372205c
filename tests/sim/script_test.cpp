// Scenario scripts: top-to-bottom steps in virtual time, asks, eventually, failures and
// deadlock reports that say who waits on what.
#include <catch2/catch.hpp>

#include <orrery/actor.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/script.hpp>
#include <orrery/sim/sim_network.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::sim {
namespace {

using namespace std::chrono_literals;

struct Get {
  ActorRef<int> reply_to;
};
using CounterMsg = std::variant<int, Get>;

Behavior<CounterMsg> counter(int total = 0) {
  return behaviors::receive<CounterMsg>(
      [total](ActorContext<CounterMsg>&, int& add) -> Behavior<CounterMsg> {
        return counter(total + add);
      },
      [total](ActorContext<CounterMsg>&, Get& get) -> Behavior<CounterMsg> {
        get.reply_to.tell(total);
        return behaviors::same();
      });
}

TEST_CASE("a script reads top to bottom in virtual time", "[script]") {
  World world(1);
  world.add_node("a", {.remoting = false});
  world.add_node("b", {.remoting = false});
  world.add_node("c", {.remoting = false});
  auto ref = world.node("a").system().spawn(counter(), "counter");
  std::vector<std::string> steps;
  const Status status = world.run_script("steps", [&](Script& s) {
    const Instant start = s.now();
    s.sleep(10s);
    steps.push_back(fmt::format(
        "slept {} s", std::chrono::duration_cast<std::chrono::seconds>(s.now() - start).count()));
    s.partition({{"a"}, {"b", "c"}});
    s.require(s.world().network().cut(0, 1), "a is cut from b");
    ref.tell(5);
    ref.tell(7);
    auto total = s.ask<int>(ref, [](ActorRef<int> to) { return Get{to}; });
    s.require(total.ok() && *total == 12, "the counter holds 12");
    steps.push_back("asked");
    int polls = 0;
    s.require_eventually([&] { return ++polls == 3; }, 1s, "three polls");
    s.heal();
    s.crash("b");
    s.restart("b");
    steps.push_back("done");
  });
  REQUIRE(status.ok());
  REQUIRE(steps == std::vector<std::string>{"slept 10 s", "asked", "done"});
  REQUIRE(world.node("b").incarnation() == 1);
}

TEST_CASE("a failing step ends the script with its text, the seed and the virtual time",
          "[script]") {
  World world(77);
  world.add_node("a", {.remoting = false});
  const Status unknown = world.run_script("typo", [](Script& s) { s.crash("nobody"); });
  REQUIRE_FALSE(unknown.ok());
  REQUIRE_THAT(unknown.error().message,
               Catch::Contains("no node named 'nobody'") && Catch::Contains("seed 77"));
  const Status never = world.run_script(
      "never", [](Script& s) { s.require_eventually([] { return false; }, 2s, "the impossible"); });
  REQUIRE_THAT(never.error().message, Catch::Contains("never held within 2000 ms: the impossible"));
}

TEST_CASE("an ask of a crashed node times out in the script instead of hanging", "[script]") {
  World world(3);
  world.add_node("a", {.remoting = false});
  auto ref = world.node("a").system().spawn(Behavior<CounterMsg>(behaviors::ignore()), "silent");
  const Status status = world.run_script("crash mid-ask", [&](Script& s) {
    auto future = orrery::ask<int>(
        ref, [](ActorRef<int> to) { return Get{to}; }, 1h);
    s.crash("a");
    auto answer = s.await(future, 10s);
    s.require(!answer.ok() && answer.error().code == Errc::timeout, "the wait timed out");
  });
  REQUIRE(status.ok());
}

TEST_CASE("a deadlocked script is reported with who waits on what", "[script][deadlock]") {
  World world(4);
  world.add_node("a", {.remoting = false});
  Promise<int> never(world.node("a").env());
  auto waiter =
      world.node("a").system().spawn(behaviors::receive<int>([never](ActorContext<int>& ctx, int&) {
                                       (void)ctx.await(never.future());
                                     }),
                                     "waiter");
  waiter.tell(1);
  const Status status = world.run_script(
      "stuck", [&](Script& s) { (void)s.await(never.future(), 24h); }, 1h);
  REQUIRE_FALSE(status.ok());
  const std::string& report = status.error().message;
  INFO(report);
  REQUIRE_THAT(report, Catch::Contains("script 'stuck' did not finish"));
  REQUIRE_THAT(report, Catch::Contains("parked fibers: 2"));
  REQUIRE_THAT(report, Catch::Contains("stuck waits for script await"));
  REQUIRE_THAT(report, Catch::Contains("/user/waiter"));
  REQUIRE_THAT(report, Catch::Contains("node a (up, incarnation 0)"));
}

}  // namespace
}  // namespace orrery::sim
