// SimNetwork: latency, order, loss, duplication, reordering, clogging, partitions of every shape.
#include <catch2/catch.hpp>

#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_network.hpp>
#include <orrery/sim/world.hpp>
#include <orrery/testkit/seeds.hpp>

namespace orrery::sim {
namespace {

using namespace std::chrono_literals;

/// Records what a node's transport delivers, with arrival times.
struct Inbox final : FrameSink {
  explicit Inbox(World& w) : world(w) {}
  void on_frame(const NodeAddress& from, Frame frame) override {
    frames.push_back({from.host, std::move(frame), world.now()});
  }
  void on_link_up(const NodeAddress& peer) override { ups.push_back(peer.host); }
  void on_link_down(const NodeAddress& peer) override { downs.push_back(peer.host); }
  struct Arrival {
    std::string from;
    Frame frame;
    Instant at;
  };
  World& world;
  std::vector<Arrival> frames;
  std::vector<std::string> ups;
  std::vector<std::string> downs;
  std::vector<std::string> payloads() const {
    std::vector<std::string> out;
    for (const auto& a : frames)
      out.push_back(a.frame);
    return out;
  }
};

/// Three bare nodes (no remoting): their transports are ours to drive.
struct Net {
  explicit Net(std::uint64_t seed, LinkConfig link = {})
      : world(seed, WorldConfig{.network = link}) {
    for (const char* name : {"a", "b", "c"}) {
      Node& node = world.add_node(name, {.remoting = false});
      inboxes.push_back(std::make_unique<Inbox>(world));
      node.env().transport.attach(*inboxes.back());
    }
  }
  Transport& transport(std::uint32_t i) { return world.node(i).env().transport; }
  const NodeAddress& address(std::uint32_t i) { return world.node(i).address(); }
  World world;
  std::vector<std::unique_ptr<Inbox>> inboxes;
};

std::vector<std::string> numbered(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i)
    out.push_back(std::to_string(i));
  return out;
}

TEST_CASE("frames arrive within the link's latency, in order, as the same bytes", "[network]") {
  Net net(1, LinkConfig{.latency_min = 2ms, .latency_max = 5ms});
  const Instant sent = net.world.now();
  for (const auto& payload : numbered(50))
    REQUIRE(net.transport(0).send(net.address(1), payload) == SendStatus::queued);
  net.world.run_for(1s);
  const Inbox& b = *net.inboxes[1];
  REQUIRE(b.payloads() == numbered(50));
  for (const auto& arrival : b.frames) {
    REQUIRE(arrival.from == "a");
    REQUIRE(arrival.at - sent >= 2ms);
    REQUIRE(arrival.at - sent <= 5ms);
  }
  // a learns of the link at once, b when it reaches b (no later than the bytes), as over gRPC.
  REQUIRE(b.ups == std::vector<std::string>{"a"});
  REQUIRE(net.inboxes[0]->ups == std::vector<std::string>{"b"});
  REQUIRE(net.world.network().stats().delivered == 50);
}

TEST_CASE("oversized frames are refused and sends from a crashed node are closed", "[network]") {
  World world(2, WorldConfig{.max_frame_bytes = 16});
  Node& a = world.add_node("a", {.remoting = false});
  Node& b = world.add_node("b", {.remoting = false});
  REQUIRE(a.env().transport.send(b.address(), std::string(17, 'x')) == SendStatus::too_large);
  REQUIRE(a.env().transport.send(b.address(), std::string(16, 'x')) == SendStatus::queued);
  world.crash(a);
  REQUIRE(a.env().transport.send(b.address(), "late") == SendStatus::closed);
}

TEST_CASE("loss, duplication and reordering happen at their rates, from the seed", "[network]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    Net net(seed,
            LinkConfig{.loss_ppm = 100'000, .duplicate_ppm = 100'000, .reorder_ppm = 100'000});
    for (const auto& payload : numbered(2000))
      net.transport(0).send(net.address(1), payload);
    net.world.run_for(10s);
    const auto& stats = net.world.network().stats();
    REQUIRE(stats.lost > 120);
    REQUIRE(stats.lost < 300);
    REQUIRE(stats.duplicated > 120);
    REQUIRE(stats.duplicated < 300);
    REQUIRE(stats.reordered > 120);
    const auto got = net.inboxes[1]->payloads();
    REQUIRE(got.size() == stats.delivered);
    bool out_of_order = false;
    for (std::size_t i = 1; i < got.size(); ++i)
      out_of_order |= std::stoi(got[i]) < std::stoi(got[i - 1]);
    REQUIRE(out_of_order);
  }
}

TEST_CASE("a symmetric partition cuts both ways, loses what is in flight, and heals",
          "[network][partition]") {
  Net net(3, LinkConfig{.latency_min = 10ms, .latency_max = 10ms});
  net.transport(0).send(net.address(1), "in flight");
  REQUIRE(net.world.network().partition({{0}, {1, 2}}).ok());
  net.transport(0).send(net.address(1), "a to b");
  net.transport(1).send(net.address(0), "b to a");
  net.transport(1).send(net.address(2), "b to c");
  net.world.run_for(1s);
  REQUIRE(net.inboxes[1]->frames.empty());
  REQUIRE(net.inboxes[0]->frames.empty());
  REQUIRE(net.inboxes[2]->payloads() == std::vector<std::string>{"b to c"});
  net.world.network().heal();
  net.transport(0).send(net.address(1), "after heal");
  net.world.run_for(1s);
  REQUIRE(net.inboxes[1]->payloads() == std::vector<std::string>{"after heal"});
}

TEST_CASE("an asymmetric partition cuts one direction only", "[network][partition]") {
  Net net(4);
  const std::uint32_t from[] = {0};
  const std::uint32_t to[] = {1};
  net.world.network().cut_one_way(from, to);
  net.transport(0).send(net.address(1), "a to b");
  net.transport(1).send(net.address(0), "b to a");
  net.world.run_for(1s);
  REQUIRE(net.inboxes[1]->frames.empty());
  REQUIRE(net.inboxes[0]->payloads() == std::vector<std::string>{"b to a"});
}

TEST_CASE("isolating a node cuts it from everyone, peers with open links are told",
          "[network][partition]") {
  Net net(5);
  net.transport(0).send(net.address(2), "hello");
  net.transport(1).send(net.address(2), "hello");
  net.world.run_for(1s);
  net.world.network().isolate(2);
  net.world.run_for(1s);
  REQUIRE(net.inboxes[0]->downs == std::vector<std::string>{"c"});
  REQUIRE(net.inboxes[1]->downs == std::vector<std::string>{"c"});
  net.transport(0).send(net.address(1), "a to b flows");
  net.transport(0).send(net.address(2), "a to c is cut");
  net.world.run_for(1s);
  REQUIRE(net.inboxes[1]->payloads() == std::vector<std::string>{"a to b flows"});
  REQUIRE(net.inboxes[2]->payloads() == std::vector<std::string>{"hello", "hello"});
}

TEST_CASE("a partition that puts a node in two groups is refused and changes nothing",
          "[network][partition]") {
  Net net(6);
  const Status refused = net.world.network().partition({{0, 1}, {1, 2}});
  REQUIRE_FALSE(refused.ok());
  REQUIRE(refused.error().message.find("'b' in two groups") != std::string::npos);
  REQUIRE_FALSE(net.world.network().partitioned());
}

TEST_CASE("a clogged link holds frames until the stall ends, in order", "[network]") {
  Net net(7, LinkConfig{.latency_min = 1ms, .latency_max = 1ms});
  const Instant start = net.world.now();
  net.world.network().clog(0, 1, start + 2s);
  net.transport(0).send(net.address(1), "1");
  net.transport(0).send(net.address(1), "2");
  net.transport(0).send(net.address(2), "unclogged");
  net.world.run_for(1s);
  REQUIRE(net.inboxes[1]->frames.empty());
  REQUIRE(net.inboxes[2]->frames.size() == 1);
  net.world.run_for(2s);
  REQUIRE(net.inboxes[1]->payloads() == std::vector<std::string>{"1", "2"});
  REQUIRE(net.inboxes[1]->frames[0].at == start + 2s);
}

TEST_CASE("frames in flight to a node that crashes are lost, even after it restarts", "[network]") {
  Net net(8, LinkConfig{.latency_min = 50ms, .latency_max = 50ms});
  net.transport(0).send(net.address(1), "lost");
  net.world.run_for(10ms);
  net.world.crash(net.world.node(1));
  net.world.restart(net.world.node(1));
  net.world.node(1).env().transport.attach(*net.inboxes[1]);
  net.world.run_for(1s);
  REQUIRE(net.inboxes[1]->frames.empty());
  REQUIRE(net.world.network().stats().to_down_nodes == 1);
}

}  // namespace
}  // namespace orrery::sim
