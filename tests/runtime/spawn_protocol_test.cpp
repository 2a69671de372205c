// SpawnProtocol: children spawned on request, refs replied, taken names suffixed.
#include <support/harnesses.hpp>
#include <support/recorder.hpp>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

Behavior<int> echo(ActorRef<std::string> out) {
  return behaviors::receive<int>(
      [out](ActorContext<int>& ctx, int& n) { out.tell(ctx.path() + " " + std::to_string(n)); });
}

TEMPLATE_TEST_CASE("SpawnProtocol spawns children on request and replies with their refs",
                   "[spawn-protocol]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto spawner = system->spawn(SpawnProtocol::behavior(), "spawner");
  auto spawn = [&](std::string name) {
    return ask<ActorRef<int>>(
        spawner,
        [&, name](ActorRef<ActorRef<int>> r) {
          return SpawnProtocol::spawn(echo(out.ref()), name, Props{}, r);
        },
        1s);
  };
  Future<ActorRef<int>> first = spawn("echo");
  Future<ActorRef<int>> second = spawn("echo");  // taken: "echo-1"
  Future<ActorRef<int>> anonymous = spawn("");
  REQUIRE(h.run_until([&] { return first.ready() && second.ready() && anonymous.ready(); }, 5s));
  ActorRef<int> a = first.take().value();
  ActorRef<int> b = second.take().value();
  ActorRef<int> c = anonymous.take().value();
  REQUIRE(a.path() == "/user/spawner/echo");
  REQUIRE(b.path() == "/user/spawner/echo-1");
  REQUIRE(c.path().rfind("/user/spawner/$", 0) == 0);
  a.tell(1);
  b.tell(2);
  REQUIRE(h.run_until(out.has(2), 5s));
  auto seen = out.messages();
  std::sort(seen.begin(), seen.end());
  REQUIRE(seen == std::vector<std::string>{"/user/spawner/echo 1", "/user/spawner/echo-1 2"});
  h.shutdown(system);
}

TEST_CASE("SpawnProtocol refuses a bad name with a logged error, and keeps serving",
          "[spawn-protocol]") {
  test::ManualEnv env;
  auto system = ActorSystem::create(env.env());
  test::Recorder<std::string> out(*system);
  test::Recorder<ActorRef<int>> refs(*system);
  auto spawner = system->spawn(SpawnProtocol::behavior(), "spawner");
  spawner.tell(SpawnProtocol::spawn(echo(out.ref()), "bad/name", Props{}, refs.ref()));
  spawner.tell(SpawnProtocol::spawn(echo(out.ref()), "good", Props{}, refs.ref()));
  env.drain();
  REQUIRE(refs.count() == 1);
  REQUIRE(refs.messages()[0].path() == "/user/spawner/good");
  const auto& lines = env.log().lines;
  REQUIRE(std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
    return line.find("spawn of 'bad/name' refused") != std::string::npos;
  }));
  system->terminate();
  env.advance(1s);
  REQUIRE(system->terminated());
}

}  // namespace
}  // namespace orrery
