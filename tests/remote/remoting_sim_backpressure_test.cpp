// Remoting under the simulator's transport back-pressure: with a tiny per-link bound, frames the
// transport refuses (SendStatus::overflow) are counted as send failures, the user messages they
// carried go to dead letters with the reason (counted and logged with a limit), nothing crashes,
// what is delivered keeps its order per sender and receiver, and the link takes messages again
// once it drains. A link that takes nothing at all for unreachable_after is given up.
#include <algorithm>
#include <deque>
#include <memory>
#include <string>
#include <support/recorder.hpp>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <orrery/actor.hpp>
#include <orrery/remote/remoting.hpp>
#include <orrery/sim/sim_network.hpp>
#include <orrery/testkit/multi_node.hpp>
#include <orrery/testkit/seeds.hpp>

namespace sim_backpressure_test {
struct Counted {
  std::uint64_t n = 0;
};
struct Ack {
  std::uint64_t n = 0;
  friend bool operator==(const Ack&, const Ack&) = default;
};
struct Ping {
  std::uint64_t n = 0;
  orrery::ActorRef<Ack> reply_to;
};
}  // namespace sim_backpressure_test

ORRERY_FIELDS(sim_backpressure_test::Counted, &sim_backpressure_test::Counted::n);
ORRERY_FIELDS(sim_backpressure_test::Ack, &sim_backpressure_test::Ack::n);
ORRERY_FIELDS(sim_backpressure_test::Ping, &sim_backpressure_test::Ping::n,
              &sim_backpressure_test::Ping::reply_to);

namespace orrery {
namespace {

using namespace std::chrono_literals;
using namespace sim_backpressure_test;

constexpr std::uint32_t bound = 4;
constexpr std::uint64_t burst = 40;

sim::WorldConfig tiny_bound() {
  return sim::WorldConfig{.network = sim::LinkConfig{.latency_min = 5ms, .latency_max = 10ms},
                          .outbound_frames_max = bound};
}

/// Every node registers the messages; `records` nodes run /user/counter, which keeps the
/// numbers it receives in order, and /user/ping, which answers.
sim::NodeConfig node(std::shared_ptr<std::vector<std::uint64_t>> received = nullptr) {
  sim::NodeConfig config;
  config.actor_system.name = "pressure";
  config.remote.heartbeat_interval = 500ms;
  config.remote.unreachable_after = 3s;
  config.log_threshold = LogLevel::error;
  config.on_start = [received](sim::Node& n) {
    REQUIRE(n.system().serialization().register_type<Counted>("pressure.Counted").ok());
    REQUIRE(n.system().serialization().register_type<Ack>("pressure.Ack").ok());
    REQUIRE(n.system().serialization().register_type<Ping>("pressure.Ping").ok());
    if (received == nullptr) return;
    n.system().spawn(behaviors::receive<Counted>([received](ActorContext<Counted>&, Counted& c) {
                       received->push_back(c.n);
                     }),
                     "counter");
    n.system().spawn(
        behaviors::receive<Ping>([](ActorContext<Ping>&, Ping& p) { p.reply_to.tell(Ack{p.n}); }),
        "ping");
  };
  return config;
}

/// Every number once at most, in the order sent.
bool strictly_increasing(const std::vector<std::uint64_t>& numbers) {
  for (std::size_t i = 1; i < numbers.size(); ++i) {
    if (numbers[i] <= numbers[i - 1]) return false;
  }
  return true;
}

TEST_CASE(
    "sim remoting: a burst above the transport's bound is refused in part and counted, what "
    "arrives keeps its order, and the link recovers",
    "[remote][sim][backpressure]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed, tiny_bound());
    auto received = std::make_shared<std::vector<std::uint64_t>>();
    t.add_node("a", node());
    t.add_node("b", node(received));
    auto probe = t.probe<Ack>("a");
    auto ping = t.remote_ref<Ping>("a", "b", "/user/ping");
    auto counter = t.remote_ref<Counted>("a", "b", "/user/counter");
    ping.tell(Ping{0, probe->ref()});  // the handshake is done: the burst goes straight out
    probe->expect_message(Ack{0});
    t.advance(100ms);

    const RemoteStats before = t.node("a").remoting()->stats();
    const std::uint64_t overflow_before = t.world().network().stats().overflow;
    for (std::uint64_t n = 1; n <= burst; ++n)
      counter.tell(Counted{n});
    const RemoteStats after = t.node("a").remoting()->stats();
    // The burst is sent in this one turn: at most `bound` frames taken, the rest refused, and
    // every refusal the transport made is one remoting counted.
    const std::uint64_t refused = after.send_failures - before.send_failures;
    REQUIRE(refused >= burst - bound);
    REQUIRE(refused == t.world().network().stats().overflow - overflow_before);
    REQUIRE(after.messages_sent - before.messages_sent == burst - refused);

    t.advance(2s);
    // Exactly what was taken arrived (the network loses nothing here), once each, in order.
    REQUIRE(received->size() == burst - refused);
    REQUIRE(strictly_increasing(*received));
    // Drained: the next message goes through, and the peer is still reachable (not failed).
    counter.tell(Counted{burst + 1});
    ping.tell(Ping{1, probe->ref()});
    probe->expect_message(Ack{1});
    REQUIRE(received->back() == burst + 1);
    REQUIRE(t.node("a").remoting()->reachable(t.node("b").address()));
    REQUIRE(t.node("b").remoting()->stats().duplicates_dropped == 0);
  }
}

TEST_CASE(
    "sim remoting: messages buffered for a handshake and flushed at once into a tiny bound are "
    "delivered or counted, never reordered",
    "[remote][sim][backpressure]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed, tiny_bound());
    auto received = std::make_shared<std::vector<std::uint64_t>>();
    t.add_node("a", node());
    t.add_node("b", node(received));
    auto counter = t.remote_ref<Counted>("a", "b", "/user/counter");
    // No handshake yet: these wait in remoting's buffer and go out together when it completes.
    for (std::uint64_t n = 1; n <= burst; ++n)
      counter.tell(Counted{n});
    t.advance(3s);
    const RemoteStats a = t.node("a").remoting()->stats();
    REQUIRE(a.handshakes >= 1);
    REQUIRE(a.pending_overflow == 0);
    REQUIRE(!received->empty());
    REQUIRE(received->size() < burst);  // the flush met the bound
    // Each message arrived or its frame was refused and counted: none lost uncounted.
    REQUIRE(received->size() + a.send_failures >= burst);
    REQUIRE(strictly_increasing(*received));
    REQUIRE(t.world().network().stats().overflow >= burst - received->size());
    counter.tell(Counted{burst + 1});
    t.advance(1s);
    REQUIRE(received->back() == burst + 1);
  }
}

std::size_t lines_with(const std::deque<std::string>& lines, std::string_view text) {
  return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](const auto& line) {
    return line.find(text) != std::string::npos;
  }));
}

TEST_CASE(
    "sim remoting: messages whose frames the transport refuses go to dead letters with the "
    "reason, counted per reason and logged with a limit",
    "[remote][sim][backpressure]") {
  constexpr std::uint32_t logged_max = 3;
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed, tiny_bound());
    auto received = std::make_shared<std::vector<std::uint64_t>>();
    sim::NodeConfig a_config = node();
    a_config.remote.send_refusals_logged_max = logged_max;
    a_config.log_threshold = LogLevel::warning;
    t.add_node("a", a_config);
    t.add_node("b", node(received));
    test::Recorder<DeadLetter> dead(t.node("a").system());
    t.node("a").system().event_stream().subscribe(dead.ref());
    auto probe = t.probe<Ack>("a");
    auto ping = t.remote_ref<Ping>("a", "b", "/user/ping");
    auto counter = t.remote_ref<Counted>("a", "b", "/user/counter");
    ping.tell(Ping{0, probe->ref()});
    probe->expect_message(Ack{0});
    t.advance(100ms);
    REQUIRE(dead.count() == 0);

    const RemoteStats before = t.node("a").remoting()->stats();
    const std::uint64_t overflow_before = t.world().network().stats().overflow;
    for (std::uint64_t n = 1; n <= burst; ++n)
      counter.tell(Counted{n});
    const RemoteStats after = t.node("a").remoting()->stats();
    const std::uint64_t refused = after.send_failures - before.send_failures;
    REQUIRE(refused >= burst - bound);
    // One dead letter per refused frame, at once (published after remoting's lock), and the
    // three counts agree: remoting's per-reason count, its send failures, the network's.
    REQUIRE(after.messages_refused_overflow - before.messages_refused_overflow == refused);
    REQUIRE(t.world().network().stats().overflow - overflow_before == refused);
    REQUIRE(after.messages_refused_too_large == 0);
    REQUIRE(after.messages_refused_closed == 0);
    const std::vector<DeadLetter> letters = dead.messages();
    REQUIRE(letters.size() == refused);
    const std::string recipient =
        ActorAddress{t.node("b").address(), "/user/counter", 0}.to_string();
    const std::string reason =
        "remote send queue to " + t.node("b").address().to_string() + " full";
    for (const DeadLetter& letter : letters) {
      CHECK(letter.recipient == recipient);
      CHECK(letter.message_type == type_name<Counted>());
      CHECK(letter.reason == reason);
    }

    t.advance(2s);
    // Refused ones did not arrive; the rest did, in order.
    REQUIRE(received->size() == burst - refused);
    REQUIRE(strictly_increasing(*received));
    // The first `logged_max` are logged one by one, the rest summed up by the next tick.
    const auto& lines = t.world().log_lines();
    CHECK(lines_with(lines, "full") >= logged_max);
    CHECK(lines_with(lines, fmt::format("dropped {}", type_name<Counted>())) == logged_max);
    CHECK(lines_with(lines, fmt::format("dropped {} more messages the transport refused",
                                        refused - logged_max)) == 1);
    REQUIRE(t.node("a").remoting()->reachable(t.node("b").address()));
    REQUIRE(t.node("a").remoting()->stats().refusing_unreachable == 0);
  }
}

TEST_CASE(
    "sim remoting: a link that takes no frame for unreachable_after is given up, so a watch "
    "that cannot be sent still ends in Terminated, for good",
    "[remote][sim][backpressure]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed, tiny_bound());
    auto received = std::make_shared<std::vector<std::uint64_t>>();
    t.add_node("a", node());
    // b keeps hearing nothing from a without ever giving up on it, and keeps talking to a: a's
    // own failure detector hears b, so only the refusals tell a that its link is stuck.
    sim::NodeConfig b_config = node(received);
    b_config.remote.unreachable_after = 1h;
    t.add_node("b", b_config);
    auto probe = t.probe<Ack>("a");
    auto ping = t.remote_ref<Ping>("a", "b", "/user/ping");
    ping.tell(Ping{0, probe->ref()});
    probe->expect_message(Ack{0});

    const std::uint32_t a = t.node("a").index();
    const std::uint32_t b = t.node("b").index();
    t.world().network().clog(a, b, t.world().now() + 1h);  // a's frames stall in flight
    auto counter = t.remote_ref<Counted>("a", "b", "/user/counter");
    for (std::uint64_t n = 1; n <= bound; ++n)
      counter.tell(Counted{n});  // fills the link: from now on it refuses everything
    probe->watch(ping);          // its Watch is refused, kept, resent, refused again
    probe->expect_terminated(ping, 10s);
    const RemoteStats stats = t.node("a").remoting()->stats();
    CHECK(stats.refusing_unreachable == 1);
    CHECK(stats.quarantines >= 1);
    CHECK(!t.node("a").remoting()->reachable(t.node("b").address()));
    // Final: b's incarnation is quarantined on a, whatever b still sends is refused.
    t.advance(2s);
    CHECK(t.node("a").remoting()->stats().refused_quarantined > 0);
  }
}

}  // namespace
}  // namespace orrery
