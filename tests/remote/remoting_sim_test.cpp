// The remoting suite in the simulator: the same remoting code over SimNetwork, with loss,
// duplication, reordering, partitions, crashes and restarts. (Its twin over real gRPC with three
// OS processes is remoting_multiprocess_test; the sweep of the whole `remoting` scenario is in
// tests/scenarios.)
#include <catch2/catch.hpp>

#include <orrery/actor.hpp>
#include <orrery/remote/remoting.hpp>
#include <orrery/sim/sim_network.hpp>
#include <orrery/testkit/multi_node.hpp>
#include <orrery/testkit/seeds.hpp>

namespace sim_remote_test {
struct Echoed {
  std::uint64_t n = 0;
  std::string by;
  friend bool operator==(const Echoed&, const Echoed&) = default;
};
struct Echo {
  std::uint64_t n = 0;
  orrery::ActorRef<Echoed> reply_to;
};
}  // namespace sim_remote_test

ORRERY_FIELDS(sim_remote_test::Echoed, &sim_remote_test::Echoed::n, &sim_remote_test::Echoed::by);
ORRERY_FIELDS(sim_remote_test::Echo, &sim_remote_test::Echo::n, &sim_remote_test::Echo::reply_to);

namespace orrery {
namespace {

using namespace std::chrono_literals;
using namespace sim_remote_test;

sim::NodeConfig echo_node(bool with_echo) {
  sim::NodeConfig config;
  config.actor_system.name = "suite";
  config.remote.heartbeat_interval = 500ms;
  config.remote.unreachable_after = 3s;
  config.log_threshold = LogLevel::error;
  config.on_start = [with_echo](sim::Node& node) {
    REQUIRE(node.system().serialization().register_type<Echo>("suite.Echo").ok());
    REQUIRE(node.system().serialization().register_type<Echoed>("suite.Echoed").ok());
    if (with_echo) {
      const std::string name = node.name();
      node.system().spawn(behaviors::receive<Echo>([name](ActorContext<Echo>&, Echo& e) {
                            e.reply_to.tell(Echoed{e.n, name});
                          }),
                          "echo");
    }
  };
  return config;
}

TEST_CASE("sim remoting: request and reply across nodes, refs inside messages", "[remote][sim]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed);
    t.add_node("a", echo_node(false));
    t.add_node("b", echo_node(true));
    auto probe = t.probe<Echoed>("a");
    auto echo = t.remote_ref<Echo>("a", "b", "/user/echo");
    for (std::uint64_t n = 1; n <= 3; ++n)
      echo.tell(Echo{n, probe->ref()});
    for (std::uint64_t n = 1; n <= 3; ++n)
      probe->expect_message(Echoed{n, "b"});
    REQUIRE(t.node("a").remoting()->stats().handshakes >= 1);
  }
}

TEST_CASE("sim remoting: at most once and in order over a lossy, duplicating, reordering network",
          "[remote][sim]") {
  for (std::uint64_t seed : test_seeds(5)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed, sim::WorldConfig{.network = sim::LinkConfig{.loss_ppm = 50'000,
                                                                      .duplicate_ppm = 100'000,
                                                                      .reorder_ppm = 100'000}});
    t.add_node("a", echo_node(false));
    t.add_node("b", echo_node(true));
    auto probe = t.probe<Echoed>("a");
    auto echo = t.remote_ref<Echo>("a", "b", "/user/echo");
    // One message per 10 ms, so that each frame carries about one (a lost frame loses them all).
    for (std::uint64_t n = 1; n <= 300; ++n) {
      echo.tell(Echo{n, probe->ref()});
      t.advance(10ms);
    }
    t.advance(10s);
    std::uint64_t last = 0;
    std::size_t got = 0;
    while (probe->queued() > 0) {
      const Echoed e = probe->receive_message();
      REQUIRE(e.n > last);  // never twice, never overtaken
      last = e.n;
      ++got;
    }
    REQUIRE(got > 150);  // most arrive: loss costs whole frames only
    const RemoteStats stats = t.node("b").remoting()->stats();
    REQUIRE(stats.duplicates_dropped > 0);
  }
}

TEST_CASE("sim remoting: remote death watch when the actor stops and when its node is cut off",
          "[remote][sim]") {
  MultiNodeTest t(test_seeds(1).front());
  t.add_node("a", echo_node(false));
  t.add_node("b", echo_node(true));
  t.add_node("c", echo_node(true));
  auto probe = t.probe<Echoed>("a");
  auto echo_b = t.remote_ref<Echo>("a", "b", "/user/echo");
  auto echo_c = t.remote_ref<Echo>("a", "c", "/user/echo");
  echo_b.tell(Echo{1, probe->ref()});
  echo_c.tell(Echo{1, probe->ref()});
  probe->receive_messages(2);
  // The actor on b stops: Terminated arrives through remoting's system messages.
  probe->watch(echo_b);
  t.advance(1s);  // the watch reaches b
  t.node("b").system().resolve("/user/echo")->post_stop();
  probe->expect_terminated(echo_b, 5s);
  // c is partitioned away: after unreachable_after, its actors are Terminated for a's watchers.
  probe->watch(echo_c);
  t.advance(1s);
  t.world().network().isolate(t.node("c").index());
  const Instant cut = t.world().now();
  probe->expect_terminated(echo_c, 10s);
  REQUIRE(t.world().now() - cut >= 3s);
  REQUIRE_FALSE(t.node("a").remoting()->reachable(t.node("c").address()));
}

TEST_CASE(
    "sim remoting: a restarted node's old incarnation is quarantined and refs to it are refused",
    "[remote][sim]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed);
    t.add_node("a", echo_node(false));
    t.add_node("b", echo_node(true));
    auto probe = t.probe<Echoed>("a");
    auto echo = t.remote_ref<Echo>("a", "b", "/user/echo");
    echo.tell(Echo{1, probe->ref()});
    probe->expect_message(Echoed{1, "b"});
    const std::uint64_t old_system = t.node("b").system().uid();
    const std::uint64_t old_actor = t.node("b").system().resolve("/user/echo")->recipient().uid();
    t.world().crash(t.node("b"));
    t.advance(2s);
    t.world().restart(t.node("b"));
    REQUIRE(t.node("b").system().uid() != old_system);
    // What a sent to the old incarnation is refused (at most once); the refusal tells a of the
    // new one, and the path-only ref then reaches it.
    bool answered = false;
    for (std::uint64_t n = 2; n < 40 && !answered; ++n) {
      echo.tell(Echo{n, probe->ref()});
      answered = t.eventually([&] { return probe->queued() > 0; }, 500ms);
    }
    REQUIRE(answered);
    REQUIRE(probe->receive_message().by == "b");
    REQUIRE(t.node("a").remoting()->stats().quarantines >= 1);
    REQUIRE(t.node("a").remoting()->peer_uid(t.node("b").address()) == t.node("b").system().uid());
    // ... but a ref naming the old actor incarnation is refused, not delivered to its successor.
    auto stale = t.node("a").remoting()->ref<Echo>(
        fmt::format("{}#{}", t.node("b").actor_uri("/user/echo"), old_actor));
    REQUIRE(stale.ok());
    const std::uint64_t undeliverable = t.node("b").remoting()->stats().undeliverable;
    stale->tell(Echo{3, probe->ref()});
    probe->expect_no_message(2s);
    REQUIRE(t.node("b").remoting()->stats().undeliverable == undeliverable + 1);
  }
}

TEST_CASE("sim remoting: messages wait out a partition and flow after it heals", "[remote][sim]") {
  MultiNodeTest t(test_seeds(1).front());
  t.add_node("a", echo_node(false));
  t.add_node("b", echo_node(true));
  auto probe = t.probe<Echoed>("a");
  auto echo = t.remote_ref<Echo>("a", "b", "/user/echo");
  echo.tell(Echo{1, probe->ref()});
  probe->expect_message(Echoed{1, "b"});
  REQUIRE(t.world().network().partition({{0}, {1}}).ok());
  echo.tell(Echo{2, probe->ref()});
  probe->expect_no_message(1s);
  t.world().network().heal();
  t.advance(5s);
  echo.tell(Echo{3, probe->ref()});
  // Echo 2 went out while the link was cut: at most once means it may be lost, never duplicated.
  const Echoed next = probe->receive_message(10s);
  REQUIRE((next.n == 2 || next.n == 3));
  if (next.n == 2) probe->expect_message(Echoed{3, "b"}, 10s);
}

}  // namespace
}  // namespace orrery
