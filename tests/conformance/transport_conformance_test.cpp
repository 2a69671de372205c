// Conformance of Transport: the same bodies run against the gRPC transport on loopback and the
// simulator's SimNetwork endpoints (transport_factories.hpp says what a factory provides).
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "transport_factories.hpp"

namespace {

using namespace std::chrono_literals;
using orrery::Frame;
using orrery::NodeAddress;
using orrery::SendStatus;
using orrery::test::RecordingSink;

std::vector<Frame> numbered(const std::string& prefix, int count) {
  std::vector<Frame> out;
  for (int i = 0; i < count; ++i)
    out.push_back(prefix + std::to_string(i));
  return out;
}

/// Two attached transports and their sinks.
template <class Parts>
struct Pair {
  Pair() {
    parts.transport(0).attach(sinks[0]);
    parts.transport(1).attach(sinks[1]);
  }
  ~Pair() {
    parts.transport(0).detach();
    parts.transport(1).detach();
  }
  const NodeAddress& address(int i) { return parts.transport(i).local_address(); }
  Parts parts;
  RecordingSink sinks[2];
};

}  // namespace

TEMPLATE_TEST_CASE("conformance: transport delivers each link's frames in order, both ways",
                   "[conformance][transport]", ORRERY_TRANSPORT_FACTORIES) {
  Pair<TestType> pair;
  const NodeAddress zero = pair.address(0);
  const NodeAddress one = pair.address(1);
  const auto forth = numbered("0>1 ", 300);
  const auto back = numbered("1>0 ", 300);
  for (std::size_t i = 0; i < forth.size(); ++i) {
    REQUIRE(pair.parts.transport(0).send(one, forth[i]) == SendStatus::queued);
    REQUIRE(pair.parts.transport(1).send(zero, back[i]) == SendStatus::queued);
  }
  REQUIRE(pair.parts.run_until(
      [&] { return pair.sinks[1].frame_count() == 300 && pair.sinks[0].frame_count() == 300; },
      10s));
  CHECK(pair.sinks[1].frames_from(zero) == forth);
  CHECK(pair.sinks[0].frames_from(one) == back);
}

TEMPLATE_TEST_CASE("conformance: transport tells both sides of a new link that it is up",
                   "[conformance][transport]", ORRERY_TRANSPORT_FACTORIES) {
  Pair<TestType> pair;
  const NodeAddress zero = pair.address(0);
  const NodeAddress one = pair.address(1);
  REQUIRE(pair.parts.transport(0).send(one, "hello") == SendStatus::queued);
  // The dialer and the dialled each hear of the link once, the dialled no later than the frame.
  REQUIRE(pair.parts.run_until([&] { return pair.sinks[1].frame_count() == 1; }, 10s));
  CHECK(pair.sinks[1].link_events(zero, true) == 1);
  REQUIRE(pair.parts.run_until([&] { return pair.sinks[0].link_events(one, true) == 1; }, 10s));
  // An answer rides the same link: no second up on either side.
  REQUIRE(pair.parts.transport(1).send(zero, "hi") == SendStatus::queued);
  REQUIRE(pair.parts.run_until([&] { return pair.sinks[0].frame_count() == 1; }, 10s));
  CHECK(pair.sinks[0].link_events(one, true) == 1);
  CHECK(pair.sinks[1].link_events(zero, true) == 1);
  CHECK(pair.sinks[0].link_events(one, false) == 0);
}

TEMPLATE_TEST_CASE("conformance: transport takes the largest frame whole and refuses one more",
                   "[conformance][transport]", ORRERY_TRANSPORT_FACTORIES) {
  Pair<TestType> pair;
  const NodeAddress zero = pair.address(0);
  const NodeAddress one = pair.address(1);
  const std::string largest(pair.parts.frame_bytes_max(), 'x');
  REQUIRE(pair.parts.transport(0).send(one, largest) == SendStatus::queued);
  CHECK(pair.parts.transport(0).send(one, largest + "y") == SendStatus::too_large);
  REQUIRE(pair.parts.transport(0).send(one, "after") == SendStatus::queued);
  REQUIRE(pair.parts.run_until([&] { return pair.sinks[1].frame_count() == 2; }, 10s));
  // The refused frame was not taken: nothing of it arrives, the link goes on.
  CHECK(pair.sinks[1].frames_from(zero) == std::vector<Frame>{largest, "after"});
  CHECK(pair.sinks[0].link_events(one, false) == 0);
}

TEMPLATE_TEST_CASE(
    "conformance: transport disconnect takes the link down on both sides, and "
    "the next send redials",
    "[conformance][transport]", ORRERY_TRANSPORT_FACTORIES) {
  Pair<TestType> pair;
  const NodeAddress zero = pair.address(0);
  const NodeAddress one = pair.address(1);
  REQUIRE(pair.parts.transport(0).send(one, "one") == SendStatus::queued);
  REQUIRE(pair.parts.run_until(
      [&] { return pair.sinks[1].frame_count() == 1 && pair.sinks[0].link_events(one, true) == 1; },
      10s));
  pair.parts.transport(0).disconnect(one);
  REQUIRE(pair.parts.run_until(
      [&] {
        return pair.sinks[0].link_events(one, false) == 1 &&
               pair.sinks[1].link_events(zero, false) == 1;
      },
      10s));
  REQUIRE(pair.parts.transport(0).send(one, "two") == SendStatus::queued);
  REQUIRE(pair.parts.run_until([&] { return pair.sinks[1].frame_count() == 2; }, 10s));
  CHECK(pair.sinks[1].frames_from(zero) == std::vector<Frame>{"one", "two"});
  REQUIRE(pair.parts.run_until([&] { return pair.sinks[0].link_events(one, true) == 2; }, 10s));
  // A disconnect of a peer without a link, or twice, changes nothing.
  pair.parts.transport(1).disconnect(pair.parts.unreachable());
  CHECK(pair.sinks[1].link_events(pair.parts.unreachable(), false) == 0);
}

TEMPLATE_TEST_CASE(
    "conformance: transport sends never block - an unreachable peer's queue is "
    "bounded and taken again once the attempt gives up, a closed transport says closed",
    "[conformance][transport]", ORRERY_TRANSPORT_FACTORIES) {
  Pair<TestType> pair;
  const NodeAddress nobody = pair.parts.unreachable();
  const std::size_t bound = pair.parts.outbound_frames_max();
  const std::size_t attempts = bound + 8;
  std::size_t queued = 0;
  std::size_t overflow = 0;
  for (std::size_t i = 0; i < attempts; ++i) {
    const SendStatus status = pair.parts.transport(0).send(nobody, "frame");
    REQUIRE((status == SendStatus::queued || status == SendStatus::overflow));
    (status == SendStatus::queued ? queued : overflow) += 1;
  }
  // Back-pressure: the first `bound` frames wait for the peer, the rest are refused at once.
  CHECK(queued == bound);
  CHECK(overflow == attempts - bound);
  // The other link is unaffected by the full one.
  REQUIRE(pair.parts.transport(0).send(pair.address(1), "through") == SendStatus::queued);
  REQUIRE(pair.parts.run_until([&] { return pair.sinks[1].frame_count() == 1; }, 10s));
  // The queue drains: the attempt to reach a peer that never answers gives up, drops what
  // waited on it (nothing of it arrives anywhere), and the peer's queue takes frames again.
  REQUIRE(pair.parts.run_until(
      [&] { return pair.parts.transport(0).send(nobody, "again") == SendStatus::queued; },
      pair.parts.connect_timeout() * 2));
  CHECK(pair.sinks[1].frame_count() == 1);
  pair.parts.close(0);
  CHECK(pair.parts.transport(0).send(pair.address(1), "late") == SendStatus::closed);
}

TEST_CASE("conformance: the simulator's back-pressure defaults are the gRPC transport's",
          "[conformance][transport]") {
  const orrery::GrpcTransportConfig grpc;
  const orrery::sim::WorldConfig sim;
  CHECK(sim.outbound_frames_max == grpc.outbound_frames_max);
  CHECK(sim.connect_timeout == grpc.connect_timeout);
}
