// The actor system: graceful termination with coordinated shutdown, abort (a crash), the
// receptionist, the event stream, path resolution.
#include <support/harnesses.hpp>
#include <support/recorder.hpp>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

struct Msg {};

Behavior<Msg> noting_stop(ActorRef<std::string> out, std::string name) {
  return behaviors::receive<Msg>([](ActorContext<Msg>&, Msg&) {})
      .receive_signal([out, name](ActorContext<Msg>&, const PostStop&) { out.tell(name); });
}

TEMPLATE_TEST_CASE("terminate runs shutdown phases in order, then stops every actor", "[system]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  system->spawn(noting_stop(reply, "a"), "a");
  system->spawn(behaviors::setup<Msg>([reply](ActorContext<Msg>& ctx) {
                  ctx.spawn(noting_stop(reply, "b/child"), "child");
                  return noting_stop(reply, "b");
                }),
                "b");
  auto& shutdown = system->coordinated_shutdown();
  REQUIRE(shutdown
              .add_task(phase::service_stop, "second",
                        [reply] {
                          reply.tell("task service-stop");
                          return ready_future<Done>(Done{});
                        })
              .ok());
  REQUIRE(shutdown
              .add_task(phase::service_unbind, "first",
                        [reply] {
                          reply.tell("task service-unbind");
                          return ready_future<Done>(Done{});
                        })
              .ok());
  REQUIRE(shutdown.set_phase_timeout(phase::cluster_leave, 50ms).ok());
  Promise<Done> never(h.env());
  REQUIRE(
      shutdown.add_task(phase::cluster_leave, "hangs", [never] { return never.future(); }).ok());
  auto bad = shutdown.add_task("no-such-phase", "x", [] { return Future<Done>(); });
  REQUIRE_FALSE(bad.ok());
  REQUIRE(bad.error().message == "no shutdown phase named 'no-such-phase'");

  system->terminate();
  REQUIRE(h.run_until([&] { return system->terminated(); }, 10s));
  auto seen = out.messages();
  REQUIRE(seen.size() == 5);
  REQUIRE(seen[0] == "task service-unbind");
  REQUIRE(seen[1] == "task service-stop");
  auto position = [&](const std::string& s) {
    return std::find(seen.begin(), seen.end(), s) - seen.begin();
  };
  REQUIRE(position("b/child") < position("b"));
  REQUIRE(shutdown.reason() == std::optional<std::string>("actor system terminate"));
  REQUIRE_FALSE(shutdown.add_task(phase::service_stop, "late", [] { return Future<Done>(); }).ok());
  system.reset();
}

TEST_CASE("abort is a crash: no PostStop, parked turns unwound, mail refused", "[system]") {
  test::ManualHarness h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto quiet = system->spawn(noting_stop(reply, "quiet"), "quiet");
  auto never = system->spawn(behaviors::receive<Msg>([](ActorContext<Msg>&, Msg&) {}), "never");
  struct Guard {
    ActorRef<std::string> out;
    ~Guard() { out.tell("unwound"); }
  };
  struct Query {
    ActorRef<int> reply_to;
  };
  auto silent =
      system->spawn(behaviors::receive<Query>([](ActorContext<Query>&, Query&) {}), "silent");
  auto waiter =
      system->spawn(behaviors::receive<Msg>([reply, silent](ActorContext<Msg>& ctx, Msg&) {
                      Guard guard{reply};
                      ctx.await(ask<int>(
                          silent, [](ActorRef<int> r) { return Query{r}; }, 1h));
                      reply.tell("resumed");
                    }),
                    "waiter");
  waiter.tell(Msg{});
  h.pass(1ms);
  REQUIRE(out.count() == 0);
  system->abort();
  REQUIRE(out.messages() == std::vector<std::string>{"unwound"});
  REQUIRE(system->terminated());
  REQUIRE(quiet.recipient()->terminated());
  quiet.tell(Msg{});
  static_cast<void>(never);
  system.reset();
}

struct Work {
  int n = 0;
};

TEMPLATE_TEST_CASE("the receptionist lists, updates and forgets services", "[receptionist]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  const ServiceKey<Work> key{"workers"};
  test::Recorder<Listing<Work>> listings(*system);
  auto worker = [] {
    return behaviors::receive<Work>([](ActorContext<Work>&, Work& w) -> Behavior<Work> {
      if (w.n < 0) return behaviors::stopped();
      return behaviors::same();
    });
  };
  system->receptionist().tell(receptionist::subscribe(key, listings.ref()));
  REQUIRE(h.run_until(listings.has(1), 5s));
  REQUIRE(listings.messages()[0].services.empty());
  auto b = system->spawn(worker(), "b");
  auto a = system->spawn(worker(), "a");
  system->receptionist().tell(receptionist::register_service(key, b));
  system->receptionist().tell(receptionist::register_service(key, a));
  REQUIRE(h.run_until(listings.has(3), 5s));
  auto full = listings.messages()[2].services;
  REQUIRE(full.size() == 2);
  REQUIRE(full[0].path() == "/user/a");  // sorted by path
  b.tell(Work{-1});
  REQUIRE(h.run_until(listings.has(4), 5s));
  REQUIRE(listings.messages()[3].services == std::vector<ActorRef<Work>>{a});
  test::Recorder<Listing<Work>> once(*system);
  system->receptionist().tell(receptionist::find(key, once.ref()));
  REQUIRE(h.run_until(once.has(1), 5s));
  REQUIRE(once.messages()[0].services.size() == 1);
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("event stream subscribers get copies until they unsubscribe", "[system]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<int> first(*system);
  test::Recorder<int> second(*system);
  system->event_stream().subscribe(first.ref());
  system->event_stream().subscribe(second.ref());
  system->event_stream().subscribe(second.ref());  // once only
  REQUIRE(system->event_stream().publish(1) == 2);
  system->event_stream().unsubscribe(first.ref());
  REQUIRE(system->event_stream().publish(2) == 1);
  REQUIRE(first.messages() == std::vector<int>{1});
  REQUIRE(second.messages() == std::vector<int>{1, 2});
  REQUIRE(system->resolve("/system/receptionist") != nullptr);
  REQUIRE(system->resolve("/user/nobody") == nullptr);
  h.shutdown(system);
}

// Every world, the manual test Env included: its executor is driven by the system, timers too
// (a shutdown task that never finishes ends at its phase's timeout).
TEMPLATE_TEST_CASE(
    "dropping a live system terminates it gracefully - shutdown tasks and PostStop run", "[system]",
    ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  system->spawn(behaviors::setup<Msg>([reply](ActorContext<Msg>& ctx) {
                  ctx.spawn(noting_stop(reply, "parent/child"), "child");
                  return noting_stop(reply, "parent");
                }),
                "parent");
  REQUIRE(system->coordinated_shutdown()
              .add_task(phase::service_stop, "note",
                        [reply] {
                          reply.tell("shutdown task");
                          return ready_future<Done>(Done{});
                        })
              .ok());
  auto& shutdown = system->coordinated_shutdown();
  REQUIRE(shutdown.set_phase_timeout(phase::cluster_leave, 50ms).ok());
  Promise<Done> never(h.env());
  REQUIRE(
      shutdown.add_task(phase::cluster_leave, "hangs", [never] { return never.future(); }).ok());
  Future<Done> terminated = system->when_terminated();
  system.reset();  // returns once the system has terminated, in every world
  REQUIRE(terminated.ready());
  REQUIRE(out.messages() == std::vector<std::string>{"shutdown task", "parent/child", "parent"});
}

TEST_CASE("Future::get on the simulator's thread fails at once and names await", "[system]") {
  test::SimHarness h;
  auto system = ActorSystem::create(h.env());
  struct Query {
    ActorRef<int> reply_to;
  };
  auto silent =
      system->spawn(behaviors::receive<Query>([](ActorContext<Query>&, Query&) {}), "silent");
  auto pending = ask<int>(
      silent, [](ActorRef<int> r) { return Query{r}; }, 1s);
  REQUIRE_THROWS_AS(pending.get(), std::logic_error);
  REQUIRE_THROWS_WITH(pending.get(),
                      Catch::Matchers::Contains("await") && Catch::Matchers::Contains("script"));
  REQUIRE_THROWS_AS(system->when_terminated().get(), std::logic_error);
  // A promise the user makes on the node's side learns its world from the node's Env.
  Promise<int> user(h.env());
  Future<int> user_future = user.future();
  REQUIRE_THROWS_WITH(user_future.get(), Catch::Matchers::Contains("await"));
  struct StatusQuery {
    ActorRef<StatusReply<int>> reply_to;
  };
  auto silent_status = system->spawn(
      behaviors::receive<StatusQuery>([](ActorContext<StatusQuery>&, StatusQuery&) {}), "status");
  auto status = ask_with_status<int>(
      silent_status, [](ActorRef<StatusReply<int>> r) { return StatusQuery{r}; }, 1s);
  REQUIRE_THROWS_AS(status.get(), std::logic_error);
  REQUIRE(h.run_until([&] { return pending.ready(); }, 5s));
  REQUIRE(pending.get().error().code == Errc::timeout);  // a ready future reads as ever
  user.complete(5);
  REQUIRE(user_future.get().value() == 5);
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("a user promise refuses get() at once on one thread and blocks on the pool",
                   "[system]", ORRERY_HARNESSES) {
  TestType h;
  Promise<int> promise(h.env());
  Future<int> future = promise.future();
  if (!h.threaded()) {
    // The manual Env and the simulator: nothing else would complete it while get() waited.
    REQUIRE_THROWS_AS(future.get(), std::logic_error);
    REQUIRE(!future.ready());
    promise.complete(7);
    REQUIRE(future.get().value() == 7);
    return;
  }
  // The production pool: get() blocks until work on the pool completes it.
  auto system = ActorSystem::create(h.env());
  auto completer = system->spawn(
      behaviors::receive<int>([shared = std::make_shared<Promise<int>>(promise)](
                                  ActorContext<int>&, int& n) { shared->complete(n); }),
      "completer");
  completer.tell(7);
  REQUIRE(future.get().value() == 7);
  h.shutdown(system);
}
}  // namespace
}  // namespace orrery
