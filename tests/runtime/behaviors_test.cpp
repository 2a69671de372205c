// Behaviors as values: receive, setup, same/stopped/empty/ignore/unhandled, signal handlers,
// class-based behaviors, stopped callbacks, receive_message, narrow.
#include <catch2/catch.hpp>
#include <orrery/actor.hpp>
#include <support/harnesses.hpp>
#include <support/recorder.hpp>
#include <variant>

namespace orrery {
namespace {

using namespace std::chrono_literals;

struct Ping {
  int n = 0;
};
struct Become {};
using Command = std::variant<Ping, Become>;

TEMPLATE_TEST_CASE("a handler's returned behavior handles the next message", "[behavior]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  Behavior<Command> loud;
  auto quiet = behaviors::receive<Command>(
      [reply](ActorContext<Command>&, Ping& p) { reply.tell("quiet " + std::to_string(p.n)); },
      [reply](ActorContext<Command>&, Become&) -> Behavior<Command> {
        return behaviors::receive<Command>([reply](ActorContext<Command>&, Ping& p) {
          reply.tell("loud " + std::to_string(p.n));
        });
      });
  auto ref = system->spawn(quiet, "switch");
  ref.tell(Ping{1});
  ref.tell(Become{});
  ref.tell(Ping{2});
  REQUIRE(h.run_until(out.has(2), 5s));
  REQUIRE(out.messages() == std::vector<std::string>{"quiet 1", "loud 2"});
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("setup runs once, in the actor, before the first message", "[behavior]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto ref = system->spawn(behaviors::setup<Ping>([reply](ActorContext<Ping>& ctx) {
                             reply.tell("setup at " + ctx.path());
                             auto seen = std::make_shared<int>(0);
                             return behaviors::receive<Ping>([reply, seen](ActorContext<Ping>&, Ping&) {
                               reply.tell("message " + std::to_string(++*seen));
                             });
                           }),
                           "setup");
  ref.tell(Ping{});
  ref.tell(Ping{});
  REQUIRE(h.run_until(out.has(3), 5s));
  REQUIRE(out.messages() ==
          std::vector<std::string>{"setup at /user/setup", "message 1", "message 2"});
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("unhandled, empty and ignore", "[behavior]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<UnhandledMessage> unhandled(*system);
  system->event_stream().subscribe(unhandled.ref());
  auto partial = system->spawn(
      behaviors::receive<Command>([](ActorContext<Command>&, Ping&) { return behaviors::unhandled(); }),
      "partial");
  partial.tell(Ping{});
  partial.tell(Become{});  // no overload for Become: unhandled too
  auto empty = system->spawn(Behavior<Command>(behaviors::empty()), "empty");
  empty.tell(Ping{});
  auto ignore = system->spawn(Behavior<Command>(behaviors::ignore()), "ignore");
  ignore.tell(Ping{});
  REQUIRE(h.run_until(unhandled.has(3), 5s));
  h.pass(10ms);
  auto seen = unhandled.messages();
  REQUIRE(seen.size() == 3);
  // Order holds per actor only: the two actors may run in parallel.
  std::vector<std::string> partial_types;
  for (const auto& u : seen) {
    if (u.recipient == "/user/partial") partial_types.push_back(u.message_type);
  }
  REQUIRE(partial_types.size() == 2);
  REQUIRE(partial_types[0].find("Ping") != std::string::npos);
  REQUIRE(partial_types[1].find("Become") != std::string::npos);
  REQUIRE(std::count_if(seen.begin(), seen.end(), [](const auto& u) { return u.recipient == "/user/empty"; }) == 1);
  h.shutdown(system);
}

struct Counter {
  ActorRef<int> out;
  int total = 0;
  Behavior<Ping> on_message(ActorContext<Ping>&, Ping& ping) {
    total += ping.n;
    out.tell(total);
    return behaviors::same();
  }
  Behavior<Ping> on_signal(ActorContext<Ping>&, const Signal& signal) {
    if (std::holds_alternative<PostStop>(signal)) out.tell(-total);
    return behaviors::same();
  }
};

TEMPLATE_TEST_CASE("class-based behaviors keep per-actor state", "[behavior]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<int> out(*system);
  auto reply = out.ref();
  auto make = [reply] {
    return behaviors::setup<Ping>(
        [reply](ActorContext<Ping>&) { return behaviors::of<Ping, Counter>(Counter{reply}); });
  };
  auto a = system->spawn(make(), "a");
  a.tell(Ping{2});
  a.tell(Ping{3});
  REQUIRE(h.run_until(out.has(2), 5s));
  auto b = system->spawn(make(), "b");
  b.tell(Ping{10});
  REQUIRE(h.run_until(out.has(3), 5s));
  REQUIRE(out.messages() == std::vector<int>{2, 5, 10});
  h.shutdown(system);
  auto all = out.messages();
  REQUIRE(all.size() == 5);
  REQUIRE(std::count(all.begin(), all.end(), -5) == 1);
  REQUIRE(std::count(all.begin(), all.end(), -10) == 1);
}

TEMPLATE_TEST_CASE("stopped(callback) runs after PostStop, receive_message handlers", "[behavior]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto ref = system->spawn(
      behaviors::receive_message<Ping>([reply](Ping&) -> Behavior<Ping> {
        return behaviors::stopped([reply] { reply.tell("stopped callback"); });
      }).receive_signal([reply](ActorContext<Ping>&, const PostStop&) { reply.tell("post stop"); }),
      "stopper");
  ref.tell(Ping{});
  REQUIRE(h.run_until(out.has(2), 5s));
  REQUIRE(out.messages() == std::vector<std::string>{"post stop", "stopped callback"});
  ref.tell(Ping{});
  REQUIRE(h.run_until([&] { return system->dead_letter_count() == 1; }, 5s));
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("narrow refs accept a subset of the protocol", "[behavior]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<int> out(*system);
  auto reply = out.ref();
  auto wide = system->spawn(behaviors::receive<Command>(
                                [reply](ActorContext<Command>&, Ping& p) { reply.tell(p.n); }),
                            "wide");
  ActorRef<Ping> narrow = wide.template narrow<Ping>();
  narrow.tell(Ping{7});
  REQUIRE(h.run_until(out.has(1), 5s));
  REQUIRE(out.messages() == std::vector<int>{7});
  REQUIRE(narrow.untyped() == wide.untyped());
  REQUIRE(narrow.path() == "/user/wide");
  h.shutdown(system);
}

}  // namespace
}  // namespace orrery
