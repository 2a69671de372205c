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

TEST_CASE(
    "SpawnProtocol survives a reply its requester's full mailbox refuses, and stops the child",
    "[spawn-protocol]") {
  test::ManualEnv env;
  auto system = ActorSystem::create(env.env());
  test::Recorder<std::string> out(*system);
  test::Recorder<ActorRef<int>> refs(*system);
  auto spawner = system->spawn(SpawnProtocol::behavior(), "spawner");
  // A requester whose mailbox holds one message and refuses the next by failing its sender.
  auto requester =
      system->spawn(behaviors::receive<ActorRef<int>>([](auto&, ActorRef<int>&) {}), "requester",
                    Props::with_mailbox(MailboxConfig::bounded(1, OverflowPolicy::fail_sender)));
  spawner.tell(SpawnProtocol::spawn(echo(out.ref()), "orphan", Props{}, requester));
  spawner.tell(SpawnProtocol::spawn(echo(out.ref()), "kept", Props{}, refs.ref()));
  requester.tell(ActorRef<int>());  // fills it before the spawner's turn replies
  const std::uint64_t dead_before = system->dead_letter_count();
  env.drain();
  // The spawner went on to the next request: it was not failed by the refusal.
  REQUIRE(refs.count() == 1);
  REQUIRE(refs.messages()[0].path() == "/user/spawner/kept");
  REQUIRE(system->dead_letter_count() == dead_before + 1);  // the refused reply
  const auto& lines = env.log().lines;
  REQUIRE(std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
    return line.find("spawned /user/spawner/orphan but could not reply to /user/requester") !=
           std::string::npos;
  }));
  // The child nobody knows of is stopped; the spawner still serves.
  auto children = [&] {
    return ask<std::vector<std::string>>(
        spawner,
        [&](ActorRef<std::vector<std::string>> r) {
          return SpawnProtocol::Command{
              std::make_shared<UniqueFunction<void(ActorContext<SpawnProtocol::Command>&)>>(
                  [r](ActorContext<SpawnProtocol::Command>& context) {
                    std::vector<std::string> paths;
                    for (const auto& child : context.children())
                      paths.push_back(child.path());
                    std::sort(paths.begin(), paths.end());
                    r.tell(std::move(paths));
                  })};
        },
        1s);
  };
  Future<std::vector<std::string>> listed = children();
  env.advance(100ms);
  REQUIRE(listed.ready());
  REQUIRE(listed.take().value() == std::vector<std::string>{"/user/spawner/kept"});
  system->terminate();
  env.advance(1s);
  REQUIRE(system->terminated());
}

}  // namespace
}  // namespace orrery
