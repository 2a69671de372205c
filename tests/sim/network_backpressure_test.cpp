// SimNetwork's back-pressure: per directed link, frames in flight and frames waiting on an attempt
// to reach a peer that cannot be reached hold places up to outbound_frames_max; send() beyond it
// answers overflow and does not take the frame, as the gRPC transport's per-peer queue does.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_network.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::sim {
namespace {

using namespace std::chrono_literals;

struct Inbox final : FrameSink {
  void on_frame(const NodeAddress&, Frame frame) override { frames.push_back(std::move(frame)); }
  void on_link_up(const NodeAddress&) override {}
  void on_link_down(const NodeAddress&) override {}
  std::vector<Frame> frames;
};

constexpr std::uint32_t bound = 8;

/// Three bare nodes with a small bound, a fixed latency and a known connect timeout; the
/// trace's overflow lines are kept.
struct Net {
  explicit Net(LinkConfig link = {.latency_min = 10ms, .latency_max = 10ms})
      : world(17,
              WorldConfig{.network = link, .outbound_frames_max = bound, .connect_timeout = 2s}) {
    for (const char* name : {"a", "b", "c"}) {
      Node& node = world.add_node(name, {.remoting = false});
      node.env().transport.attach(inboxes[node.index()]);
    }
    world.trace().set_sink([this](std::string_view line) {
      if (line.find("\"overflow\"") != std::string_view::npos) overflow_lines.emplace_back(line);
    });
  }
  Transport& transport(std::uint32_t i) { return world.node(i).env().transport; }
  const NodeAddress& address(std::uint32_t i) { return world.node(i).address(); }
  /// Sends `count` frames from a to `to`; how many were queued.
  std::uint32_t fill(const NodeAddress& to, std::uint32_t count, const std::string& prefix) {
    std::uint32_t queued = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
      const SendStatus status = transport(0).send(to, prefix + std::to_string(i));
      REQUIRE((status == SendStatus::queued || status == SendStatus::overflow));
      queued += status == SendStatus::queued ? 1 : 0;
    }
    return queued;
  }
  World world;
  Inbox inboxes[3];
  std::vector<std::string> overflow_lines;
};

const NodeAddress nobody{"silent", "nowhere", 1};

TEST_CASE(
    "a link holds at most outbound_frames_max frames in flight, refuses the rest untaken, "
    "and takes frames again as they arrive",
    "[network][backpressure]") {
  Net net;
  REQUIRE(net.world.network().outbound_frames_max() == bound);
  REQUIRE(net.fill(net.address(1), bound + 3, "f") == bound);
  CHECK(net.world.network().frames_held(0, 1) == bound);
  CHECK(net.world.network().stats().overflow == 3);
  CHECK(net.overflow_lines.size() == 3);
  // The bound is per link: a to c and b to a are not held back by a to b.
  REQUIRE(net.transport(0).send(net.address(2), "to c") == SendStatus::queued);
  REQUIRE(net.transport(1).send(net.address(0), "to a") == SendStatus::queued);
  net.world.run_for(1s);
  // Exactly the frames taken arrived, in order; the refused ones never left.
  std::vector<Frame> taken;
  for (std::uint32_t i = 0; i < bound; ++i)
    taken.push_back("f" + std::to_string(i));
  CHECK(net.inboxes[1].frames == taken);
  CHECK(net.world.network().frames_held(0, 1) == 0);
  REQUIRE(net.transport(0).send(net.address(1), "again") == SendStatus::queued);
  net.world.run_for(1s);
  CHECK(net.inboxes[1].frames.back() == "again");
}

TEST_CASE("a duplicated frame holds one place, and a lost one none", "[network][backpressure]") {
  SECTION("duplicated") {
    Net net({.latency_min = 10ms, .latency_max = 10ms, .duplicate_ppm = 1'000'000});
    REQUIRE(net.fill(net.address(1), bound, "d") == bound);
    CHECK(net.world.network().frames_held(0, 1) == bound);
    net.world.run_for(1s);
    CHECK(net.inboxes[1].frames.size() == 2 * bound);
    CHECK(net.world.network().frames_held(0, 1) == 0);
  }
  SECTION("lost on the wire") {
    Net net({.latency_min = 10ms, .latency_max = 10ms, .loss_ppm = 1'000'000});
    REQUIRE(net.fill(net.address(1), 3 * bound, "l") == 3 * bound);
    CHECK(net.world.network().frames_held(0, 1) == 0);
  }
}

TEST_CASE("frames to an address no node has hold their places until the attempt gives up",
          "[network][backpressure]") {
  Net net;
  REQUIRE(net.fill(nobody, bound + 2, "n") == bound);
  CHECK(net.world.network().stats().overflow == 2);
  // Still trying a second later; two seconds after the first frame the attempt gives up.
  net.world.run_for(1s);
  CHECK(net.transport(0).send(nobody, "late") == SendStatus::overflow);
  net.world.run_for(1s + 1ms);
  CHECK(net.fill(nobody, bound + 1, "m") == bound);
  // Another sender's attempt is its own.
  CHECK(net.transport(1).send(nobody, "from b") == SendStatus::queued);
}

TEST_CASE("a cut link holds what is sent into it until the attempt gives up or the link heals",
          "[network][backpressure][partition]") {
  Net net;
  REQUIRE(net.world.network().partition({{0}, {1, 2}}).ok());
  REQUIRE(net.fill(net.address(1), bound + 1, "cut") == bound);
  CHECK(net.world.network().frames_held(0, 1) == bound);
  net.world.run_for(1s);
  CHECK(net.transport(0).send(net.address(1), "still cut") == SendStatus::overflow);
  net.world.network().heal();
  // Healed: the attempt reaches the peer; what was sent into the cut was lost (at most once).
  CHECK(net.world.network().frames_held(0, 1) == 0);
  REQUIRE(net.transport(0).send(net.address(1), "healed") == SendStatus::queued);
  net.world.run_for(1s);
  CHECK(net.inboxes[1].frames == std::vector<Frame>{"healed"});

  REQUIRE(net.world.network().partition({{0}, {1, 2}}).ok());
  REQUIRE(net.fill(net.address(1), bound + 1, "again") == bound);
  net.world.run_for(2s);
  CHECK(net.world.network().frames_held(0, 1) == 0);  // given up while still cut
  CHECK(net.transport(0).send(net.address(1), "retry") == SendStatus::queued);
}

TEST_CASE("disconnect and the sender's crash end an attempt and free its places",
          "[network][backpressure]") {
  Net net;
  REQUIRE(net.fill(nobody, bound, "n") == bound);
  REQUIRE(net.transport(0).send(nobody, "full") == SendStatus::overflow);
  net.transport(0).disconnect(nobody);
  REQUIRE(net.fill(nobody, bound + 1, "after disconnect") == bound);

  REQUIRE(net.world.network().partition({{0}, {1, 2}}).ok());
  REQUIRE(net.fill(net.address(1), bound + 1, "cut") == bound);
  net.transport(0).disconnect(net.address(1));
  CHECK(net.world.network().frames_held(0, 1) == 0);

  REQUIRE(net.fill(net.address(1), bound, "cut") == bound);
  net.world.crash(net.world.node(0));
  net.world.restart(net.world.node(0));
  net.transport(0).attach(net.inboxes[0]);
  CHECK(net.world.network().frames_held(0, 1) == 0);
  CHECK(net.fill(nobody, bound + 1, "new incarnation") == bound);
}

}  // namespace
}  // namespace orrery::sim
