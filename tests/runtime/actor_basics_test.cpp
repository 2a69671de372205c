// Actors on a manual, single-threaded Env: spawn, tell, behavior changes, ask, stop, watch.
#include <catch2/catch.hpp>
#include <orrery/actor.hpp>
#include <support/manual_env.hpp>
#include <variant>

namespace orrery {
namespace {

struct Increment {
  int by = 1;
};
struct Get {
  ActorRef<int> reply_to;
};
struct Stop {};
using CounterCommand = std::variant<Increment, Get, Stop>;

Behavior<CounterCommand> counter(int value) {
  return behaviors::receive<CounterCommand>(
      [value](ActorContext<CounterCommand>&, Increment& inc) { return counter(value + inc.by); },
      [value](ActorContext<CounterCommand>&, Get& get) { get.reply_to.tell(value); },
      [](ActorContext<CounterCommand>&, Stop&) -> Behavior<CounterCommand> {
        return behaviors::stopped();
      });
}

TEST_CASE("a counter counts and answers an ask", "[actor]") {
  test::ManualEnv env;
  auto system = ActorSystem::create(env.env());
  auto ref = system->spawn(counter(0), "counter");
  REQUIRE(ref.path() == "/user/counter");
  ref.tell(Increment{2});
  ref.tell(Increment{3});
  auto answer = ask<int>(ref, [](ActorRef<int> r) { return CounterCommand(Get{r}); },
                         std::chrono::seconds(1));
  env.drain();
  REQUIRE(answer.ready());
  REQUIRE(answer.take().value() == 5);

  auto late = ask<int>(ref, [](ActorRef<int> r) { return CounterCommand(Get{r}); },
                       std::chrono::seconds(1));
  ref.tell(Stop{});
  env.drain();
  REQUIRE(late.ready());
  ref.tell(Increment{});
  REQUIRE(system->dead_letter_count() == 1);
  system->terminate();
  env.drain();
  REQUIRE(system->terminated());
}

TEST_CASE("an ask to a stopped actor times out exactly once", "[actor]") {
  test::ManualEnv env;
  auto system = ActorSystem::create(env.env());
  auto ref = system->spawn(counter(0), "counter");
  ref.tell(Stop{});
  env.drain();
  auto answer = ask<int>(ref, [](ActorRef<int> r) { return CounterCommand(Get{r}); },
                         std::chrono::milliseconds(500));
  env.advance(std::chrono::milliseconds(499));
  REQUIRE_FALSE(answer.ready());
  env.advance(std::chrono::milliseconds(1));
  REQUIRE(answer.ready());
  auto result = answer.take();
  REQUIRE_FALSE(result.ok());
  REQUIRE(result.error().code == Errc::timeout);
  system->terminate();
  env.drain();
}

}  // namespace
}  // namespace orrery
