// Remoting in the simulator: death watch keeps working and Terminated stays final where the
// outside review found it did not (issue 12): a watch after a handshake timeout, a full buffer of
// unacknowledged system messages (delivery gives up: quarantine), the incarnation that was up
// when watches fired for a handshake timeout (refused, a restart adopted), a new watch of a
// quarantined node (fires at once), the quarantine memory's bound (the stalest node goes), and a
// dead-letter subscriber that sends to the peer whose frame made the dead letter.
#include <span>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>
#include <orrery/remote/remoting.hpp>
#include <orrery/remote/v1/remote.pb.h>
#include <orrery/sim/sim_network.hpp>
#include <orrery/testkit/multi_node.hpp>
#include <orrery/testkit/seeds.hpp>

namespace sim_watch_delivery_test {
struct Answer {
  std::uint64_t n = 0;
  std::string by;
  friend bool operator==(const Answer&, const Answer&) = default;
};
struct Question {
  std::uint64_t n = 0;
  orrery::ActorRef<Answer> reply_to;
};
}  // namespace sim_watch_delivery_test

ORRERY_FIELDS(sim_watch_delivery_test::Answer, &sim_watch_delivery_test::Answer::n,
              &sim_watch_delivery_test::Answer::by);
ORRERY_FIELDS(sim_watch_delivery_test::Question, &sim_watch_delivery_test::Question::n,
              &sim_watch_delivery_test::Question::reply_to);
ORRERY_FIELDS(orrery::DeadLetter, &orrery::DeadLetter::recipient, &orrery::DeadLetter::message_type,
              &orrery::DeadLetter::reason);

namespace orrery {
namespace {

using namespace std::chrono_literals;
using namespace sim_watch_delivery_test;

constexpr int watched_actors = 5;

/// Every node registers the messages; `answers` nodes run /user/echo (answers and counts),
/// /user/stopper (stops on a Question) and /user/w1 .. /user/w5 (do nothing).
sim::NodeConfig watch_node(bool answers, std::shared_ptr<std::uint64_t> received = nullptr) {
  sim::NodeConfig config;
  config.actor_system.name = "watch";
  config.remote.heartbeat_interval = 500ms;
  config.remote.unreachable_after = 3s;
  config.remote.handshake_timeout = 8s;
  config.remote.handshake_retry_interval = 500ms;
  config.remote.handshake_retry_interval_max = 2s;
  config.remote.peer_idle_timeout = 60s;
  config.log_threshold = LogLevel::error;
  config.on_start = [answers, received](sim::Node& node) {
    REQUIRE(node.system().serialization().register_type<Question>("watch.Question").ok());
    REQUIRE(node.system().serialization().register_type<Answer>("watch.Answer").ok());
    REQUIRE(node.system().serialization().register_type<DeadLetter>("watch.DeadLetter").ok());
    if (!answers) return;
    const std::string name = node.name();
    node.system().spawn(
        behaviors::receive<Question>([name, received](ActorContext<Question>&, Question& q) {
          if (received) ++*received;
          q.reply_to.tell(Answer{q.n, name});
        }),
        "echo");
    node.system().spawn(
        behaviors::receive<Question>([](ActorContext<Question>&, Question&) -> Behavior<Question> {
          return behaviors::stopped();
        }),
        "stopper");
    for (int i = 1; i <= watched_actors; ++i) {
      node.system().spawn(behaviors::receive<Question>([](ActorContext<Question>&, Question&) {}),
                          "w" + std::to_string(i));
    }
  };
  return config;
}

RemoteStats stats(MultiNodeTest& t, std::string_view node) {
  return t.node(node).remoting()->stats();
}

TEST_CASE(
    "sim remoting: a node slower than the handshake timeout to come up can be watched afterwards "
    "- the watch reaches it and its death comes back",
    "[remote][sim]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed);
    t.add_node("a", watch_node(false));
    t.add_node("b", watch_node(true));
    t.world().crash(t.node("b"));  // not up yet
    auto probe = t.probe<Answer>("a");
    auto stopper = t.remote_ref<Question>("a", "b", "/user/stopper");
    probe->watch(stopper);
    probe->expect_terminated(stopper, 12s);  // the handshake timed out
    REQUIRE(stats(t, "a").handshake_timeouts == 1);
    t.advance(2s);
    t.world().restart(t.node("b"));  // comes up now, well within peer_idle_timeout

    probe->watch(stopper);
    // The Watch is numbered 1 again, as the new association expects: b takes it.
    REQUIRE(t.eventually([&] { return t.node("b").remoting()->watched_for_peers() == 1; }, 5s));
    stopper.tell(Question{1, probe->ref()});
    probe->expect_terminated(stopper, 5s);             // b's DeathNotice came back
    REQUIRE(stats(t, "a").quarantined_unproven == 0);  // b started after the watch fired
    REQUIRE(t.node("a").remoting()->peer_uid(t.node("b").address()) == t.node("b").system().uid());
  }
}

TEST_CASE(
    "sim remoting: over system-messages-max unacknowledged, delivery gives up - the peer is "
    "quarantined and every watch of it fires, no channel wedged",
    "[remote][sim]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed);
    sim::NodeConfig a = watch_node(false);
    a.remote.system_messages_max = 3;
    t.add_node("a", a);
    t.add_node("b", watch_node(true));
    auto probe = t.probe<Answer>("a");
    auto echo = t.remote_ref<Question>("a", "b", "/user/echo");
    echo.tell(Question{1, probe->ref()});
    probe->expect_message(Answer{1, "b"});
    // a's Watches are lost on the way (a still hears b): none is acknowledged.
    const std::uint32_t a_index = t.node("a").index();
    const std::uint32_t b_index = t.node("b").index();
    t.world().network().cut_one_way(std::span(&a_index, 1), std::span(&b_index, 1));
    std::vector<ActorRef<Question>> targets;
    for (int i = 1; i <= watched_actors; ++i) {
      targets.push_back(t.remote_ref<Question>("a", "b", "/user/w" + std::to_string(i)));
      probe->watch(targets.back());
    }
    t.advance(100ms);
    t.world().network().heal();
    // Well before unreachable_after (3 s): the give-up, not the failure detector, fired them.
    for (const ActorRef<Question>& target : targets)
      probe->expect_terminated(target, 1s);
    const RemoteStats s = stats(t, "a");
    REQUIRE(s.system_delivery_gave_up == 1);
    REQUIRE(s.quarantines == 1);
    REQUIRE(s.unreachable == 0);
    REQUIRE_FALSE(t.node("a").remoting()->reachable(t.node("b").address()));
    t.advance(2s);  // the notice reaches b, which stops talking to a as well
    REQUIRE(stats(t, "b").quarantined_by_peer >= 1);
  }
}

TEST_CASE(
    "sim remoting: after watches fired for a handshake timeout, the incarnation that was up then "
    "never delivers - both ways - and a restart is adopted",
    "[remote][sim]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed);
    auto received = std::make_shared<std::uint64_t>(0);
    t.add_node("a", watch_node(false));
    t.add_node("b", watch_node(true, received));
    // Cut before any first contact: a never learns b's incarnation.
    REQUIRE(t.world().network().partition({{0}, {1}}).ok());
    auto probe = t.probe<Answer>("a");
    auto echo = t.remote_ref<Question>("a", "b", "/user/echo");
    auto to_probe = t.remote_ref<Answer>("b", "a", probe->ref().path());
    probe->watch(echo);
    echo.tell(Question{1, probe->ref()});
    probe->expect_terminated(echo, 12s);
    REQUIRE(stats(t, "a").handshake_timeouts >= 1);
    t.world().network().heal();
    const std::uint64_t delivered_a = stats(t, "a").messages_delivered;
    // b was up all along: whichever side speaks first, nothing of it reaches a's actors.
    for (std::uint64_t n = 2; n <= 12; ++n) {
      echo.tell(Question{n, probe->ref()});
      to_probe.tell(Answer{100 + n, "direct"});
      t.advance(500ms);
    }
    t.advance(10s);
    probe->expect_no_message(1s);
    REQUIRE(*received == 0);
    REQUIRE(stats(t, "a").messages_delivered == delivered_a);
    REQUIRE(stats(t, "a").quarantined_unproven == 1);
    REQUIRE(t.node("a").remoting()->peer_uid(t.node("b").address()) == 0);
    // A new watch of it fires at once: its node is gone.
    auto late = t.probe<Answer>("a", "late");
    late->expect_terminated(echo, 200ms);

    // b restarts: an incarnation that started after the watches fired is adopted.
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
    "sim remoting: a new watch of an actor on a quarantined node fires at once, not after a "
    "handshake timeout, and a restarted node is watched normally",
    "[remote][sim]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed);
    t.add_node("a", watch_node(false));
    t.add_node("b", watch_node(true));
    auto probe = t.probe<Answer>("a");
    auto echo = t.remote_ref<Question>("a", "b", "/user/echo");
    echo.tell(Question{1, probe->ref()});
    probe->expect_message(Answer{1, "b"});
    probe->watch(echo);
    t.advance(1s);
    t.world().network().isolate(t.node("b").index());
    probe->expect_terminated(echo, 10s);  // unreachable: b's incarnation is quarantined
    auto second = t.probe<Answer>("a", "second");
    second->expect_terminated(echo, 200ms);  // still cut off
    t.world().network().heal();
    t.advance(2s);
    auto third = t.probe<Answer>("a", "third");
    third->expect_terminated(echo, 200ms);  // healed, but the incarnation stays quarantined

    t.world().crash(t.node("b"));
    t.world().restart(t.node("b"));
    echo.tell(Question{2, probe->ref()});
    REQUIRE(t.eventually([&] { return probe->queued() > 0; }, 10s));
    REQUIRE(probe->receive_message().n == 2);
    auto fourth = t.probe<Answer>("a", "fourth");
    fourth->watch(echo);
    REQUIRE(t.eventually([&] { return t.node("b").remoting()->watched_for_peers() == 1; }, 5s));
    fourth->expect_no_message(1s);
  }
}

/// A frame from `from_uid` to `to_uid`: a handshake, or with `notice` a quarantine notice.
Frame frame_of(std::uint64_t from_uid, std::uint64_t to_uid, bool notice) {
  remote::v1::RemoteFrame frame;
  frame.set_from_uid(from_uid);
  frame.set_to_uid(to_uid);
  if (notice) {
    frame.mutable_quarantine_notice();
  } else {
    frame.mutable_handshake()->set_to_system("watch");
  }
  return frame.SerializeAsString();
}

TEST_CASE(
    "sim remoting: past quarantined-nodes-max the node quarantined longest ago is forgotten, not "
    "the lowest address",
    "[remote][sim]") {
  MultiNodeTest t(test_seeds(1).front());
  sim::NodeConfig a = watch_node(false);
  a.remote.quarantined_nodes_max = 2;
  t.add_node("a", a);
  Remoting& remoting = *t.node("a").remoting();
  const std::uint64_t me = t.node("a").system().uid();
  // Quarantined in this order (each told a it quarantined a): the highest address first.
  const std::vector<std::uint16_t> ports{30, 10, 20};
  for (std::uint16_t port : ports) {
    remoting.on_frame(NodeAddress{"watch", "peer", port}, frame_of(1000 + port, me, true));
  }
  REQUIRE(remoting.stats().quarantined_by_peer == 3);
  const auto refused_from = [&](std::uint16_t port) {
    const std::uint64_t before = remoting.stats().refused_quarantined;
    remoting.on_frame(NodeAddress{"watch", "peer", port}, frame_of(1000 + port, me, false));
    return remoting.stats().refused_quarantined > before;
  };
  REQUIRE(refused_from(10));
  REQUIRE(refused_from(20));
  REQUIRE_FALSE(refused_from(30));  // the oldest went
}

TEST_CASE(
    "sim remoting: a dead-letter subscriber that is a ref on the sending node gets the dead "
    "letters of that node's frames - no lock held while they are published",
    "[remote][sim]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed);
    t.add_node("a", watch_node(false));
    t.add_node("b", watch_node(true));
    auto letters = t.probe<DeadLetter>("b", "letters");
    t.system("b").spawn(behaviors::receive<DeadLetter>(
                            [to = letters->ref()](ActorContext<DeadLetter>&, DeadLetter& letter) {
                              to.tell(std::move(letter));
                            }),
                        "letters");
    // a publishes its dead letters to b's /user/letters: each publish sends to b.
    t.system("a").event_stream().subscribe(t.remote_ref<DeadLetter>("a", "b", "/user/letters"));
    auto nobody = t.remote_ref<Answer>("b", "a", "/user/nobody");
    for (std::uint64_t n = 1; n <= 3; ++n)
      nobody.tell(Answer{n, "b"});
    for (int i = 0; i < 3; ++i) {
      const DeadLetter letter = letters->receive_message(5s);
      REQUIRE(letter.recipient == "/user/nobody");
      REQUIRE(letter.reason == "no such actor");
    }
    REQUIRE(stats(t, "a").undeliverable == 3);
  }
}

}  // namespace
}  // namespace orrery
