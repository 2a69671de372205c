// Driver fibers: sequential code outside any actor, sleeping and awaiting asks.
#include <catch2/catch.hpp>
#include <orrery/actor.hpp>
#include <orrery/fiber/driver.hpp>
#include <support/harnesses.hpp>
#include <support/recorder.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

struct Echo {
  int n = 0;
  ActorRef<int> reply_to;
};

TEMPLATE_TEST_CASE("a driver sleeps and asks, top to bottom", "[fiber][driver]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  auto echo = system->spawn(
      behaviors::receive<Echo>([](ActorContext<Echo>&, Echo& e) { e.reply_to.tell(e.n + 1); }), "echo");
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto done = start_driver(h.env(), "client", [echo, reply](Driver& d) {
    const Instant start = d.now();
    d.sleep(100ms);
    reply.tell(d.now() - start >= 100ms ? "slept" : "woke early");
    int n = 0;
    for (int i = 0; i < 3; ++i) {
      n = d.await(ask<int>(echo, [n](ActorRef<int> r) { return Echo{n, r}; }, 1s)).value();
    }
    reply.tell("n=" + std::to_string(n));
  });
  REQUIRE(h.run_until([&] { return done.ready(); }, 5s));
  REQUIRE(done.take().ok());
  REQUIRE(out.messages() == std::vector<std::string>{"slept", "n=3"});

  auto failing = start_driver(h.env(), "failing", [](Driver&) { throw std::runtime_error("oops"); });
  REQUIRE(h.run_until([&] { return failing.ready(); }, 5s));
  auto result = failing.take();
  REQUIRE_FALSE(result.ok());
  REQUIRE(result.error().message == "driver 'failing' threw: oops");
  h.shutdown(system);
}

}  // namespace
}  // namespace orrery
