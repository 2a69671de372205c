// Supervision: restart (with limits), resume, stop, escalate, restart with backoff; a failing
// actor never takes the process down.
#include <catch2/catch.hpp>
#include <orrery/actor.hpp>
#include <support/harnesses.hpp>
#include <support/recorder.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

struct Add {
  int n = 0;
};
struct Fail {};
struct Report {};
using Cmd = std::variant<Add, Fail, Report>;

/// Counts in setup-owned state; reports "setup", "pre-restart", totals.
Behavior<Cmd> counting(ActorRef<std::string> out) {
  return behaviors::setup<Cmd>([out](ActorContext<Cmd>&) {
    out.tell("setup");
    auto total = std::make_shared<int>(0);
    return behaviors::receive<Cmd>(
               [total](ActorContext<Cmd>&, Add& a) { *total += a.n; },
               [](ActorContext<Cmd>&, Fail&) { throw std::runtime_error("asked to fail"); },
               [out, total](ActorContext<Cmd>&, Report&) { out.tell("total " + std::to_string(*total)); })
        .receive_signal([out](ActorContext<Cmd>&, const PreRestart&) { out.tell("pre-restart"); },
                        [out](ActorContext<Cmd>&, const PostStop&) { out.tell("post-stop"); });
  });
}

TEMPLATE_TEST_CASE("restart re-runs setup and drops the state, resume keeps it", "[supervision]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto restarting = system->spawn(
      Behavior<Cmd>(behaviors::supervise(counting(out.ref())).on_failure(SupervisorStrategy::restart())),
      "restarting");
  for (auto m : {Cmd(Add{5}), Cmd(Fail{}), Cmd(Add{2}), Cmd(Report{})}) restarting.tell(m);
  REQUIRE(h.run_until(out.has(4), 5s));
  REQUIRE(out.messages() == std::vector<std::string>{"setup", "pre-restart", "setup", "total 2"});

  test::Recorder<std::string> kept(*system);
  auto resuming = system->spawn(
      Behavior<Cmd>(behaviors::supervise(counting(kept.ref())).on_failure(SupervisorStrategy::resume())),
      "resuming");
  for (auto m : {Cmd(Add{5}), Cmd(Fail{}), Cmd(Add{2}), Cmd(Report{})}) resuming.tell(m);
  REQUIRE(h.run_until(kept.has(2), 5s));
  REQUIRE(kept.messages() == std::vector<std::string>{"setup", "total 7"});
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("the restart limit stops an actor that fails too often", "[supervision]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto limited = system->spawn(
      Behavior<Cmd>(behaviors::supervise(counting(out.ref()))
                        .on_failure(SupervisorStrategy::restart().with_limit(2, 10s))),
      "limited");
  for (int i = 0; i < 3; ++i) limited.tell(Fail{});
  REQUIRE(h.run_until(out.has(6), 5s));
  h.pass(10ms);
  REQUIRE(out.messages() == std::vector<std::string>{"setup", "pre-restart", "setup", "pre-restart",
                                                     "setup", "post-stop"});
  REQUIRE(h.run_until([&] { return limited.recipient()->terminated(); }, 5s));
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("the default strategy stops, exception types pick the clause", "[supervision]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto plain = system->spawn(counting(out.ref()), "plain");
  plain.tell(Fail{});
  REQUIRE(h.run_until(out.has(2), 5s));
  REQUIRE(out.messages() == std::vector<std::string>{"setup", "post-stop"});

  test::Recorder<std::string> picky(*system);
  auto by_type = system->spawn(Behavior<Cmd>(behaviors::supervise(counting(picky.ref()))
                                                 .on_failure<std::logic_error>(SupervisorStrategy::stop())
                                                 .on_failure<std::runtime_error>(SupervisorStrategy::resume())),
                               "by-type");
  by_type.tell(Fail{});  // runtime_error: resume
  by_type.tell(Report{});
  REQUIRE(h.run_until(picky.has(2), 5s));
  REQUIRE(picky.messages() == std::vector<std::string>{"setup", "total 0"});
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("escalate fails the parent, whose own strategy decides", "[supervision]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto parent = system->spawn(
      Behavior<Cmd>(behaviors::supervise(behaviors::setup<Cmd>([reply](ActorContext<Cmd>& ctx) {
        reply.tell("parent setup");
        auto child = ctx.spawn(
            Behavior<Cmd>(behaviors::supervise(counting(reply)).on_failure(SupervisorStrategy::escalate())),
            "child");
        return behaviors::receive<Cmd>([child](ActorContext<Cmd>&, Cmd& m) { child.tell(m); });
      })).on_failure(SupervisorStrategy::restart())),
      "parent");
  parent.tell(Fail{});
  // The child stops (post-stop), the parent restarts (setup again, with a fresh child).
  REQUIRE(h.run_until(out.has(5), 5s));
  auto seen = out.messages();
  REQUIRE(seen[0] == "parent setup");
  REQUIRE(seen[1] == "setup");
  REQUIRE(std::count(seen.begin(), seen.end(), "post-stop") == 1);
  REQUIRE(std::count(seen.begin(), seen.end(), "parent setup") == 2);
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("restart with backoff waits longer after each failure", "[supervision]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto backoff = system->spawn(
      Behavior<Cmd>(behaviors::supervise(counting(out.ref()))
                        .on_failure(SupervisorStrategy::restart_with_backoff(100ms, 1s, 0.0))),
      "backoff");
  REQUIRE(h.run_until(out.has(1), 5s));  // setup
  const Instant start = h.env().clock.now();
  backoff.tell(Fail{});
  backoff.tell(Add{1});  // waits in the mailbox through the backoff
  backoff.tell(Report{});
  REQUIRE(h.run_until(out.has(4), 5s));
  const Duration first = h.env().clock.now() - start;
  REQUIRE(first >= 100ms);
  REQUIRE(out.messages() == std::vector<std::string>{"setup", "pre-restart", "setup", "total 1"});
  const Instant second_start = h.env().clock.now();
  backoff.tell(Fail{});
  backoff.tell(Report{});
  REQUIRE(h.run_until(out.has(7), 5s));
  REQUIRE(h.env().clock.now() - second_start >= 200ms);  // doubled
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("restart stops the children first, a failure in setup is supervised too",
                   "[supervision]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto attempts = std::make_shared<std::atomic<int>>(0);
  auto parent = system->spawn(
      Behavior<Cmd>(behaviors::supervise(behaviors::setup<Cmd>([reply, attempts](ActorContext<Cmd>& ctx) {
        if (++*attempts == 2) throw std::runtime_error("setup fails once");
        ctx.spawn(behaviors::receive<Cmd>([](ActorContext<Cmd>&, Cmd&) {}).receive_signal(
                      [reply](ActorContext<Cmd>&, const PostStop&) { reply.tell("child stopped"); }),
                  "child");  // same name after each restart: the old one is gone by then
        reply.tell("parent ready");
        return behaviors::receive<Cmd>([](ActorContext<Cmd>&, Fail&) { throw std::runtime_error("x"); });
      })).on_failure(SupervisorStrategy::restart())),
      "parent");
  REQUIRE(h.run_until(out.has(1), 5s));
  parent.tell(Fail{});
  REQUIRE(h.run_until(out.has(3), 5s));
  REQUIRE(out.messages() == std::vector<std::string>{"parent ready", "child stopped", "parent ready"});
  REQUIRE(attempts->load() == 3);
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("a setup that fails during a restart stops the actor - even under resume",
                   "[supervision]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto attempts = std::make_shared<std::atomic<int>>(0);
  // A runtime_error restarts; the restart's setup then throws a logic_error, whose clause says
  // resume: there is no behavior left to resume, so the restart failed and the actor stops.
  auto setup = behaviors::setup<Cmd>([reply, attempts](ActorContext<Cmd>&) {
    if (++*attempts == 2) throw std::logic_error("the restart's setup fails");
    reply.tell("ready");
    return behaviors::receive<Cmd>(
        [](ActorContext<Cmd>&, Fail&) { throw std::runtime_error("fail"); },
        [reply](ActorContext<Cmd>&, Report&) { reply.tell("report"); });
  });
  Behavior<Cmd> supervised =
      behaviors::supervise(setup)
          .template on_failure<std::runtime_error>(SupervisorStrategy::restart())
          .template on_failure<std::logic_error>(SupervisorStrategy::resume());
  auto flaky = system->spawn(supervised, "flaky");
  auto watcher =
      system->spawn(behaviors::setup<Cmd>([flaky, reply](ActorContext<Cmd>& ctx) {
                      ctx.watch(flaky);
                      return behaviors::receive<Cmd>([](ActorContext<Cmd>&, Cmd&) {})
                          .receive_signal([reply](ActorContext<Cmd>&, const Terminated&) {
                            reply.tell("terminated");
                          });
                    }),
                    "watcher");
  REQUIRE(h.run_until(out.has(1), 5s));
  flaky.tell(Fail{});
  REQUIRE(h.run_until(out.has(2), 5s));
  REQUIRE(out.messages() == std::vector<std::string>{"ready", "terminated"});
  REQUIRE(attempts->load() == 2);
  const std::uint64_t dead_before = system->dead_letter_count();
  flaky.tell(Report{});  // a stopped actor: a dead letter, never an unhandled message
  REQUIRE(system->dead_letter_count() == dead_before + 1);
  h.shutdown(system);
}

}  // namespace
}  // namespace orrery
