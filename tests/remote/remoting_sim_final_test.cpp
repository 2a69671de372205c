// Remoting in the simulator: Terminated is final (an incarnation reported unreachable is
// quarantined on both sides and delivers nothing again, a restart talks again), an ask's
// continuation may send to the replying node, and nothing waits or grows forever (handshake
// timeout and backoff, peers made only for valid frames and forgotten when idle).
#include <algorithm>
#include <span>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>
#include <orrery/remote/local_refs.hpp>
#include <orrery/remote/remoting.hpp>
#include <orrery/remote/v1/remote.pb.h>
#include <orrery/sim/sim_network.hpp>
#include <orrery/testkit/multi_node.hpp>
#include <orrery/testkit/seeds.hpp>

namespace sim_final_test {
struct Answer {
  std::uint64_t n = 0;
  std::string by;
  friend bool operator==(const Answer&, const Answer&) = default;
};
struct Question {
  std::uint64_t n = 0;
  orrery::ActorRef<Answer> reply_to;
};
}  // namespace sim_final_test

ORRERY_FIELDS(sim_final_test::Answer, &sim_final_test::Answer::n, &sim_final_test::Answer::by);
ORRERY_FIELDS(sim_final_test::Question, &sim_final_test::Question::n,
              &sim_final_test::Question::reply_to);

namespace orrery {
namespace {

using namespace std::chrono_literals;
using namespace sim_final_test;

/// Every node registers the messages; `answers` nodes run /user/echo, which counts what it gets.
sim::NodeConfig final_node(bool answers, std::shared_ptr<std::uint64_t> received = nullptr) {
  sim::NodeConfig config;
  config.actor_system.name = "final";
  config.remote.heartbeat_interval = 500ms;
  config.remote.unreachable_after = 3s;
  config.remote.handshake_timeout = 8s;
  config.remote.handshake_retry_interval = 500ms;
  config.remote.handshake_retry_interval_max = 2s;
  config.remote.peer_idle_timeout = 20s;
  config.log_threshold = LogLevel::error;
  config.on_start = [answers, received](sim::Node& node) {
    REQUIRE(node.system().serialization().register_type<Question>("final.Question").ok());
    REQUIRE(node.system().serialization().register_type<Answer>("final.Answer").ok());
    if (!answers) return;
    const std::string name = node.name();
    node.system().spawn(
        behaviors::receive<Question>([name, received](ActorContext<Question>&, Question& q) {
          if (received) ++*received;
          q.reply_to.tell(Answer{q.n, name});
        }),
        "echo");
  };
  return config;
}

RemoteStats stats(MultiNodeTest& t, std::string_view node) {
  return t.node(node).remoting()->stats();
}

TEST_CASE(
    "sim remoting: after a watch fired for unreachability, nothing from that incarnation is "
    "delivered - both ways, and a restart talks again",
    "[remote][sim]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed);
    auto received = std::make_shared<std::uint64_t>(0);
    t.add_node("a", final_node(false));
    t.add_node("b", final_node(true, received));
    auto probe = t.probe<Answer>("a");
    auto echo = t.remote_ref<Question>("a", "b", "/user/echo");
    auto to_probe = t.remote_ref<Answer>("b", "a", probe->ref().path());
    echo.tell(Question{1, probe->ref()});
    probe->expect_message(Answer{1, "b"});
    to_probe.tell(Answer{100, "direct"});
    probe->expect_message(Answer{100, "direct"});
    probe->watch(echo);
    t.advance(1s);  // the watch reaches b

    REQUIRE(t.world().network().partition({{0}, {1}}).ok());
    probe->expect_terminated(echo, 10s);
    t.world().network().heal();
    const std::uint64_t delivered_a = stats(t, "a").messages_delivered;
    const std::uint64_t delivered_b = stats(t, "b").messages_delivered;
    const std::uint64_t received_before = *received;
    // Both incarnations live on and keep talking after the heal: neither may hear the other.
    for (std::uint64_t n = 2; n <= 12; ++n) {
      echo.tell(Question{n, probe->ref()});
      to_probe.tell(Answer{100 + n, "direct"});
      t.advance(500ms);
    }
    t.advance(15s);
    probe->expect_no_message(1s);
    REQUIRE(*received == received_before);
    REQUIRE(stats(t, "a").messages_delivered == delivered_a);
    REQUIRE(stats(t, "b").messages_delivered == delivered_b);
    REQUIRE(stats(t, "a").quarantines >= 1);
    REQUIRE(stats(t, "b").quarantines >= 1);
    // What waited for a handshake the quarantined peer never completes went to dead letters.
    REQUIRE(stats(t, "a").pending_expired >= 1);

    // b restarts: its new incarnation is a stranger to the quarantine and is answered again.
    t.world().crash(t.node("b"));
    t.advance(1s);
    t.world().restart(t.node("b"));
    bool answered = false;
    for (std::uint64_t n = 50; n < 70 && !answered; ++n) {
      echo.tell(Question{n, probe->ref()});
      answered = t.eventually([&] { return probe->queued() > 0; }, 1s);
    }
    REQUIRE(answered);
    REQUIRE(probe->receive_message().by == "b");
    REQUIRE(t.node("a").remoting()->peer_uid(t.node("b").address()) == t.node("b").system().uid());
  }
}

TEST_CASE(
    "sim remoting: a one-way cut - the side that stops hearing quarantines, and the notice makes "
    "the other side stop too",
    "[remote][sim]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed);
    auto received = std::make_shared<std::uint64_t>(0);
    t.add_node("a", final_node(false));
    t.add_node("b", final_node(true, received));
    auto probe = t.probe<Answer>("a");
    auto echo = t.remote_ref<Question>("a", "b", "/user/echo");
    auto to_probe = t.remote_ref<Answer>("b", "a", probe->ref().path());
    echo.tell(Question{1, probe->ref()});
    probe->expect_message(Answer{1, "b"});
    probe->watch(echo);
    t.advance(1s);
    // b -> a is cut: a stops hearing b (and its watch fires), b still hears a's heartbeats.
    const std::uint32_t a_index = t.node("a").index();
    const std::uint32_t b_index = t.node("b").index();
    t.world().network().cut_one_way(std::span(&b_index, 1), std::span(&a_index, 1));
    probe->expect_terminated(echo, 10s);
    t.advance(2s);  // a's notice reaches b over the open direction
    REQUIRE(stats(t, "b").quarantined_by_peer >= 1);
    REQUIRE_FALSE(t.node("b").remoting()->reachable(t.node("a").address()));
    t.world().network().heal();
    const std::uint64_t delivered_a = stats(t, "a").messages_delivered;
    const std::uint64_t received_before = *received;
    for (std::uint64_t n = 2; n <= 6; ++n) {
      echo.tell(Question{n, probe->ref()});
      to_probe.tell(Answer{100 + n, "direct"});
      t.advance(500ms);
    }
    t.advance(15s);
    probe->expect_no_message(1s);
    REQUIRE(*received == received_before);
    REQUIRE(stats(t, "a").messages_delivered == delivered_a);
    REQUIRE(stats(t, "b").pending_expired >= 1);  // b's sends waited for a handshake a refuses
  }
}

TEST_CASE(
    "sim remoting: an ask's continuation that sends to the replying node runs, no self-deadlock",
    "[remote][sim]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed);
    t.add_node("a", final_node(false));
    t.add_node("b", final_node(true));
    auto probe = t.probe<Answer>("a");
    auto echo = t.remote_ref<Question>("a", "b", "/user/echo");
    Future<Answer> answer = ask<Answer>(
        echo,
        [](ActorRef<Answer> reply_to) {
          return Question{1, reply_to};
        },
        5s);
    auto continued = std::make_shared<bool>(false);
    // Runs on the thread that delivers the reply, inside remoting's inbound path.
    answer.on_complete([echo, reply_to = probe->ref(), continued](const Result<Answer>& result) {
      REQUIRE(result.ok());
      *continued = true;
      echo.tell(Question{result->n + 1, reply_to});
    });
    probe->expect_message(Answer{2, "b"});
    REQUIRE(*continued);
  }
}

TEST_CASE(
    "sim remoting: a node that never answers - handshakes back off, time out, buffered messages "
    "dead-letter and watches fire",
    "[remote][sim]") {
  MultiNodeTest t(test_seeds(1).front());
  t.add_node("a", final_node(false));
  t.add_node("c", final_node(true));
  auto probe = t.probe<Answer>("a");
  t.world().crash(t.node("c"));  // c never answers: no first contact ever
  auto echo = t.remote_ref<Question>("a", "c", "/user/echo");
  probe->watch(echo);
  const Instant start = t.world().now();
  for (std::uint64_t n = 1; n <= 5; ++n)
    echo.tell(Question{n, probe->ref()});
  probe->expect_terminated(echo, 12s);
  REQUIRE(t.world().now() - start >= 8s);  // the handshake timeout, not earlier
  const RemoteStats s = stats(t, "a");
  REQUIRE(s.handshake_timeouts == 1);
  REQUIRE(s.pending_expired == 5);
  // Backoff 0.5 s, 1 s, 2 s, 2 s ... over 8 s: about 6 attempts, not one per 500 ms tick (16).
  REQUIRE(s.handshake_attempts >= 4);
  REQUIRE(s.handshake_attempts <= 7);
  // Nothing waits any more: no handshake goes out after the give-up.
  t.advance(10s);
  REQUIRE(stats(t, "a").handshake_attempts == s.handshake_attempts);
  // The peer entry is forgotten once idle past peer_idle_timeout.
  t.advance(25s);
  REQUIRE(stats(t, "a").peers_removed == 1);
  REQUIRE(t.node("a").remoting()->peer_count() == 0);
}

TEST_CASE("sim remoting: a buffer full of messages for a pending handshake is bounded and counted",
          "[remote][sim]") {
  MultiNodeTest t(test_seeds(1).front());
  sim::NodeConfig a = final_node(false);
  a.remote.pending_messages_max = 3;
  t.add_node("a", a);
  t.add_node("c", final_node(true));
  auto probe = t.probe<Answer>("a");
  t.world().crash(t.node("c"));
  auto echo = t.remote_ref<Question>("a", "c", "/user/echo");
  for (std::uint64_t n = 1; n <= 10; ++n)
    echo.tell(Question{n, probe->ref()});
  REQUIRE(stats(t, "a").pending_overflow == 7);
  t.advance(10s);
  REQUIRE(stats(t, "a").pending_expired == 3);
}

TEST_CASE(
    "sim remoting: reply slots written to the wire and never answered are bounded, the oldest "
    "forgotten and counted",
    "[remote][sim]") {
  MultiNodeTest t(test_seeds(1).front());
  sim::NodeConfig a = final_node(false);
  a.remote.exported_refs_max = 5;
  t.add_node("a", a);
  t.add_node("c", final_node(true));
  t.world().crash(t.node("c"));  // never answers: every ask's reply slot stays exported
  auto echo = t.remote_ref<Question>("a", "c", "/user/echo");
  std::vector<Future<Answer>> asks;
  for (std::uint64_t n = 1; n <= 12; ++n) {
    asks.push_back(ask<Answer>(
        echo,
        [n](ActorRef<Answer> reply_to) {
          return Question{n, reply_to};
        },
        60s));
  }
  REQUIRE(t.node("a").system().exported_refs().size() == 5);
  REQUIRE(stats(t, "a").exported_refs_evicted == 7);
}

TEST_CASE("sim remoting: over the bound on exported refs, answered reply slots go before live ones",
          "[remote][sim]") {
  MultiNodeTest t(test_seeds(1).front());
  sim::NodeConfig a = final_node(false);
  a.remote.exported_refs_max = 5;
  t.add_node("a", a);
  t.add_node("b", final_node(true));
  t.add_node("c", final_node(true));
  t.world().crash(t.node("c"));  // never answers: these reply slots stay live
  auto answering = t.remote_ref<Question>("a", "b", "/user/echo");
  auto silent = t.remote_ref<Question>("a", "c", "/user/echo");
  const auto ask_of = [](const ActorRef<Question>& target, std::uint64_t n) {
    return ask<Answer>(
        target,
        [n](ActorRef<Answer> reply_to) {
          return Question{n, reply_to};
        },
        60s);
  };
  std::vector<Future<Answer>> answered;
  for (std::uint64_t n = 1; n <= 3; ++n)
    answered.push_back(ask_of(answering, n));
  REQUIRE(t.eventually(
      [&] {
        return std::all_of(answered.begin(), answered.end(), [](auto& f) { return f.ready(); });
      },
      10s));
  std::vector<Future<Answer>> pending;
  for (std::uint64_t n = 4; n <= 8; ++n)
    pending.push_back(ask_of(silent, n));
  // Five live slots fit exactly: only the three answered ones were forgotten, none evicted.
  REQUIRE(t.node("a").system().exported_refs().size() == 5);
  REQUIRE(stats(t, "a").exported_refs_evicted == 0);
}

/// A frame as a peer would send it.
Frame frame_of(std::uint64_t from_uid, std::uint64_t to_uid, const std::string& to_system) {
  remote::v1::RemoteFrame frame;
  frame.set_from_uid(from_uid);
  frame.set_to_uid(to_uid);
  frame.mutable_handshake()->set_to_system(to_system);
  return frame.SerializeAsString();
}

TEST_CASE(
    "sim remoting: frames that fail validation make no peer entry, and a quarantined incarnation "
    "stays refused after its entry is forgotten",
    "[remote][sim]") {
  MultiNodeTest t(test_seeds(1).front());
  t.add_node("a", final_node(false));
  t.add_node("b", final_node(true));
  Remoting& remoting = *t.node("a").remoting();
  const std::uint64_t me = t.node("a").system().uid();
  for (std::uint16_t port = 1; port <= 50; ++port) {
    const NodeAddress stranger{"final", "stranger", port};
    remoting.on_frame(stranger, "not a frame");
    remoting.on_frame(stranger, frame_of(0, 0, "final"));       // no sender incarnation
    remoting.on_frame(stranger, frame_of(7, 0, "elsewhere"));   // another system
    remoting.on_frame(stranger, frame_of(7, me + 1, "final"));  // a previous incarnation of a
  }
  REQUIRE(remoting.peer_count() == 0);
  const RemoteStats s = remoting.stats();
  REQUIRE(s.malformed_frames == 100);
  REQUIRE(s.refused_wrong_system == 50);
  REQUIRE(s.refused_stale == 50);

  // b's incarnation is quarantined (unreachable), its entry then forgotten when idle; a frame
  // from that incarnation is still refused.
  auto probe = t.probe<Answer>("a");
  auto echo = t.remote_ref<Question>("a", "b", "/user/echo");
  echo.tell(Question{1, probe->ref()});
  probe->expect_message(Answer{1, "b"});
  const std::uint64_t b_uid = t.node("b").system().uid();
  t.world().network().isolate(t.node("b").index());
  t.advance(30s);
  REQUIRE(remoting.peer_count() == 0);
  const std::uint64_t refused = remoting.stats().refused_quarantined;
  remoting.on_frame(t.node("b").address(), frame_of(b_uid, me, "final"));
  REQUIRE(remoting.stats().refused_quarantined == refused + 1);
  REQUIRE(remoting.peer_uid(t.node("b").address()) == 0);
}

}  // namespace
}  // namespace orrery
