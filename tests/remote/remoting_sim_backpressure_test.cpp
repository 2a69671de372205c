// Remoting under the simulator's transport back-pressure: with a tiny per-link bound, frames the
// transport refuses (SendStatus::overflow) are counted as send failures and lost (at most once),
// nothing crashes, what is delivered keeps its order per sender and receiver, and the link takes
// messages again once it drains.
#include <memory>
#include <vector>

#include <catch2/catch.hpp>

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
    REQUIRE(after.messages_sent - before.messages_sent == burst);

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

}  // namespace
}  // namespace orrery
