// Behaviors that set up or wrap another: with_timers, with_stash, intercept, monitor,
// log_messages, transform_messages.
#include <atomic>
#include <stdexcept>
#include <support/harnesses.hpp>
#include <support/recorder.hpp>
#include <variant>

#include <catch2/catch.hpp>
#include <fmt/ranges.h>

#include <orrery/actor.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

struct Tick {};
struct Report {};
using TimerCommand = std::variant<Tick, Report>;

TEMPLATE_TEST_CASE("with_timers gives the actor's own timers to its factory", "[behavior][timers]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto ticker = behaviors::with_timers<TimerCommand>([reply](TimerScheduler<TimerCommand>& timers) {
    timers.start_single_timer("tick", Tick{}, 20ms);
    return behaviors::receive<TimerCommand>([reply, &timers](ActorContext<TimerCommand>& ctx,
                                                             Tick&) {
      // The factory's scheduler is the context's: the fired timer is no longer active in it.
      reply.tell(std::string(&timers == &ctx.timers() ? "same scheduler" : "another scheduler") +
                 ", active " + std::to_string(ctx.timers().active_count()));
    });
  });
  system->spawn(ticker, "ticker");
  REQUIRE(h.run_until(out.has(1), 5s));
  REQUIRE(out.messages() == std::vector<std::string>{"same scheduler, active 0"});
  h.shutdown(system);
}

struct Open {};
struct Job {
  int n = 0;
};
using Gate = std::variant<Open, Job>;

Behavior<Gate> opened(ActorRef<int> out) {
  return behaviors::receive<Gate>([out](ActorContext<Gate>&, Job& job) { out.tell(job.n); });
}

TEMPLATE_TEST_CASE("with_stash holds messages until they are unstashed", "[behavior][stash]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<int> out(*system);
  auto reply = out.ref();
  auto gate =
      system->spawn(behaviors::with_stash<Gate>(
                        8,
                        [reply](StashBuffer<Gate>& stash) {
                          return behaviors::receive<Gate>(
                              [reply, &stash](ActorContext<Gate>& ctx, Open&) {
                                reply.tell(&stash == &ctx.stash(8) ? 100 : -100);
                                return stash.unstash_all(opened(reply));
                              },
                              [&stash](ActorContext<Gate>&, Job& job) { stash.stash(Job{job.n}); });
                        }),
                    "gate");
  gate.tell(Job{1});
  gate.tell(Job{2});
  h.pass(10ms);
  REQUIRE(out.count() == 0);
  gate.tell(Open{});
  gate.tell(Job{3});
  REQUIRE(h.run_until(out.has(4), 5s));
  REQUIRE(out.messages() == std::vector<int>{100, 1, 2, 3});
  h.shutdown(system);
}

/// Counts what goes through, and doubles each number on its way in.
struct Doubler {
  std::shared_ptr<std::atomic<int>> seen;
  Behavior<int> around_receive(ActorContext<int>& ctx, int& n,
                               const ReceiveTarget<int>& target) const {
    ++*seen;
    n *= 2;
    return target(ctx, n);
  }
};

Behavior<int> adding(ActorRef<int> out, int total) {
  return behaviors::receive<int>([out, total](ActorContext<int>&, int& n) -> Behavior<int> {
    if (n < 0) throw std::runtime_error("negative");
    out.tell(total + n);
    return adding(out, total + n);  // a new behavior per message: the wrapper must follow it
  });
}

TEMPLATE_TEST_CASE("intercept wraps every next behavior, setups and restarts included",
                   "[behavior][intercept]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<int> out(*system);
  auto reply = out.ref();
  auto seen = std::make_shared<std::atomic<int>>(0);
  auto inner = behaviors::supervise(behaviors::setup<int>([reply](ActorContext<int>&) {
                 return adding(reply, 0);
               })).template on_failure<std::runtime_error>(SupervisorStrategy::restart());
  auto ref = system->spawn(behaviors::intercept(Doubler{seen}, Behavior<int>(inner)), "doubled");
  ref.tell(1);
  ref.tell(2);
  REQUIRE(h.run_until(out.has(2), 5s));
  ref.tell(-1);  // fails: restarts from the setup, still intercepted
  ref.tell(5);
  REQUIRE(h.run_until(out.has(3), 5s));
  REQUIRE(out.messages() == std::vector<int>{2, 6, 10});
  REQUIRE(seen->load() == 4);
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("monitor copies each message to the monitor before the behavior handles it",
                   "[behavior][intercept]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<int> handled(*system);
  test::Recorder<int> monitored(*system);
  auto reply = handled.ref();
  auto ref = system->spawn(behaviors::monitor(monitored.ref(), adding(reply, 0)), "monitored");
  ref.tell(3);
  ref.tell(4);
  REQUIRE(h.run_until(handled.has(2), 5s));
  REQUIRE(monitored.messages() == std::vector<int>{3, 4});
  REQUIRE(handled.messages() == std::vector<int>{3, 7});
  h.shutdown(system);
}

TEST_CASE("log_messages logs each message and signal through the actor's logger",
          "[behavior][intercept]") {
  test::ManualEnv env;
  auto system = ActorSystem::create(env.env());
  test::Recorder<int> handled(*system);
  auto ref =
      system->spawn(behaviors::log_messages(adding(handled.ref(), 0), LogLevel::info), "logged");
  ref.tell(7);
  env.drain();
  REQUIRE(handled.messages() == std::vector<int>{7});
  system->terminate();
  env.advance(1s);
  REQUIRE(system->terminated());
  const auto& lines = env.log().lines;
  auto has = [&](std::string_view text) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.find("[/user/logged]") != std::string::npos && l.find(text) != std::string::npos;
    });
  };
  INFO(fmt::format("{}", fmt::join(lines, "\n")));
  REQUIRE(has("received int: 7"));
  REQUIRE(has("signal PostStop"));
}

struct Add {
  int n = 0;
};
struct Shout {
  std::string text;
};
struct Halt {};
using Outer = std::variant<Add, Shout, Halt>;

TEMPLATE_TEST_CASE("transform_messages serves a wider protocol with a narrower behavior",
                   "[behavior][transform]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<int> handled(*system);
  test::Recorder<UnhandledMessage> unhandled(*system);
  system->event_stream().subscribe(unhandled.ref());
  auto reply = handled.ref();
  auto inner = behaviors::receive<int>([reply](ActorContext<int>&, int& n) -> Behavior<int> {
    if (n < 0) return behaviors::stopped();
    reply.tell(n);
    return behaviors::same();
  });
  auto outer =
      system->spawn(behaviors::transform_messages<Outer>(inner,
                                                         [](Outer& m) -> std::optional<int> {
                                                           if (auto* add = std::get_if<Add>(&m))
                                                             return add->n;
                                                           if (std::holds_alternative<Halt>(m))
                                                             return -1;
                                                           return std::nullopt;
                                                         }),
                    "outer");
  outer.tell(Add{1});
  outer.tell(Shout{"not for the inner behavior"});
  outer.tell(Add{2});
  REQUIRE(h.run_until([&] { return handled.count() == 2 && unhandled.count() == 1; }, 5s));
  REQUIRE(handled.messages() == std::vector<int>{1, 2});
  REQUIRE(unhandled.messages()[0].recipient == "/user/outer");
  REQUIRE(unhandled.messages()[0].message_type.find("Shout") != std::string::npos);
  outer.tell(Halt{});  // the inner behavior stops: so does the outer actor
  REQUIRE(h.run_until([&] { return outer.recipient()->terminated(); }, 5s));
  h.shutdown(system);
}

}  // namespace
}  // namespace orrery
