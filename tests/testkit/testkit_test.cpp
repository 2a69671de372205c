// The testkit: probes in virtual time, BehaviorTestKit effects and inboxes, ActorTestKit.
#include <catch2/catch.hpp>

#include <orrery/actor.hpp>
#include <orrery/testkit/actor_testkit.hpp>
#include <orrery/testkit/behavior_testkit.hpp>
#include <orrery/testkit/manual_time.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

struct Get {
  ActorRef<int> reply_to;
};
struct Increment {};
struct SpawnWorker {
  std::string name;
};
struct StopWorker {
  std::string name;
};
struct Later {
  ActorRef<int> reply_to;
};
using Command = std::variant<Get, Increment, SpawnWorker, StopWorker, Later>;

Behavior<Command> counter(int n) {
  return behaviors::receive<Command>(
      [n](ActorContext<Command>&, Get& g) { g.reply_to.tell(n); },
      [n](ActorContext<Command>&, Increment&) { return counter(n + 1); },
      [](ActorContext<Command>& ctx, SpawnWorker& s) {
        ctx.spawn(behaviors::receive<int>([](ActorContext<int>&, int&) {}), s.name);
      },
      [](ActorContext<Command>& ctx, StopWorker& s) {
        if (auto child = ctx.child(s.name)) ctx.stop(*child);
      },
      [n](ActorContext<Command>& ctx, Later& l) { ctx.schedule_once(2s, l.reply_to, n); });
}

TEST_CASE("probes expect messages and silence in virtual time", "[testkit]") {
  ActorTestKit kit;
  auto actor = kit.spawn(counter(0), "counter");
  auto probe = kit.create_probe<int>();
  actor.tell(Increment{});
  actor.tell(Get{probe.ref()});
  probe.expect_message(1);
  actor.tell(Later{probe.ref()});
  const Instant before = kit.system().env().clock.now();
  probe.expect_no_message(1s);
  REQUIRE(probe.receive_message(5s) == 1);
  REQUIRE(kit.system().env().clock.now() - before == 2s);  // virtual time jumped to the event
  REQUIRE_THROWS_WITH(probe.receive_message(100ms),
                      Catch::Matchers::Contains("timeout (100 ms) waiting for a message"));
  actor.tell(Get{probe.ref()});
  REQUIRE_THROWS_WITH(probe.expect_message(7), Catch::Matchers::Contains("expected 7, got 1"));
  actor.tell(Get{probe.ref()});
  actor.tell(Get{probe.ref()});
  REQUIRE(probe.receive_messages(2) == std::vector<int>{1, 1});
  for (int i = 0; i < 3; ++i)
    actor.tell(Increment{});
  for (int i = 0; i < 3; ++i)
    actor.tell(Get{probe.ref()});
  REQUIRE(probe.fish_for_message(1s, [](const int& v) {
    return v == 4 ? FishingOutcome::complete : FishingOutcome::continue_fishing;
  }) == 4);
  kit.shutdown();
}

TEST_CASE("a probe expects an actor's termination", "[testkit]") {
  ActorTestKit kit;
  auto actor = kit.spawn(
      behaviors::receive<int>([](ActorContext<int>&, int&) { return behaviors::stopped(); }),
      "short");
  auto probe = kit.create_probe<int>();
  actor.tell(1);
  probe.expect_terminated(actor);
  auto other = kit.spawn(behaviors::receive<int>([](ActorContext<int>&, int&) {}), "long");
  REQUIRE_THROWS_WITH(probe.expect_terminated(other, 1s),
                      Catch::Matchers::Contains("waiting for /user/long to terminate"));
  kit.shutdown();
}

TEST_CASE("BehaviorTestKit runs synchronously and records effects", "[testkit]") {
  BehaviorTestKit<Command> kit(counter(0));
  TestInbox<int> inbox(kit);
  kit.run(Get{inbox.ref()});
  REQUIRE(inbox.receive_message() == 0);
  REQUIRE_FALSE(inbox.has_messages());
  kit.run(SpawnWorker{"worker"});
  auto spawned = kit.expect_effect<effect::Spawned>();
  REQUIRE(spawned.path == "/user/testee/worker");
  REQUIRE(kit.children().size() == 1);
  kit.run(StopWorker{"worker"});
  REQUIRE(kit.expect_effect<effect::Stopped>().name == "worker");
  REQUIRE(kit.children().empty());
  kit.run(Later{inbox.ref()});
  REQUIRE(kit.expect_effect<effect::Scheduled>().delay == 2s);
  REQUIRE_FALSE(inbox.has_messages());
  kit.advance(2s);
  inbox.expect_message(0);
  REQUIRE(kit.retrieve_effects().empty());
  REQUIRE(kit.is_alive());
}

TEST_CASE("a system dropped while live over ManualTime terminates gracefully, not aborted",
          "[testkit]") {
  ManualTime time;
  auto system = ActorSystem::create(time.env());
  auto stopped = std::make_shared<int>(0);
  system->spawn(behaviors::receive<int>([](ActorContext<int>&, int&) {
                }).receive_signal([stopped](ActorContext<int>&, const PostStop&) { ++*stopped; }),
                "noted");
  // A task that never finishes: only a timer (its phase's timeout) ends the phase.
  REQUIRE(system->coordinated_shutdown().set_phase_timeout(phase::service_stop, 2s).ok());
  Promise<Done> never(time.env());
  REQUIRE(system->coordinated_shutdown()
              .add_task(phase::service_stop, "hangs", [never] { return never.future(); })
              .ok());
  time.run_ready();
  const Instant before = time.now();
  Future<Done> terminated = system->when_terminated();
  system.reset();  // drives ManualTime's executor and timers until the system has terminated
  REQUIRE(terminated.ready());
  REQUIRE(*stopped == 1);              // PostStop ran: terminated, not aborted
  REQUIRE(time.now() - before >= 2s);  // the phase's timeout fired in virtual time
  for (const std::string& line : time.log_lines())
    REQUIRE(line.find("aborting") == std::string::npos);
}

}  // namespace
}  // namespace orrery
