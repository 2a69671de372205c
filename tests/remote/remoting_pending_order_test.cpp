// Messages buffered for a handshake keep their place: when any frame (not only a handshake)
// makes the peer's incarnation known, the buffer goes out before what is sent after it. (After a
// quarantine the peer is unknown again, so this happens whenever a peer comes back.)
#include <support/memory_network.hpp>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>
#include <orrery/remote/remoting.hpp>
#include <orrery/remote/v1/remote.pb.h>

namespace pending_order_test {
struct Numbered {
  std::uint64_t n = 0;
};
}  // namespace pending_order_test

ORRERY_FIELDS(pending_order_test::Numbered, &pending_order_test::Numbered::n);

namespace orrery {
namespace {

using namespace std::chrono_literals;
using pending_order_test::Numbered;

/// The peer's side, raw: records the envelopes it is sent.
struct RecordingPeer final : FrameSink {
  std::vector<remote::v1::Envelope> envelopes;
  void on_frame(const NodeAddress&, Frame frame) override {
    remote::v1::RemoteFrame parsed;
    REQUIRE(parsed.ParseFromString(frame));
    if (parsed.has_envelope()) envelopes.push_back(parsed.envelope());
  }
  void on_link_up(const NodeAddress&) override {}
  void on_link_down(const NodeAddress&) override {}
};

TEST_CASE(
    "remoting: messages buffered for a handshake go out before later ones when a heartbeat makes "
    "the peer known",
    "[remote]") {
  test::MemoryNetwork network;
  const NodeAddress here{"order", "here", 1};
  const NodeAddress there{"order", "there", 1};
  Env& env = network.add_node(here);
  Env& peer_env = network.add_node(there);
  RecordingPeer peer;
  peer_env.transport.attach(peer);
  ActorSystemConfig config;
  config.name = "order";
  ActorSystemPtr system = ActorSystem::create(env, config);
  REQUIRE(system->serialization().register_type<Numbered>("order.Numbered").ok());
  RemotingPtr remoting = Remoting::start(*system, env.transport);
  auto target = remoting->ref<Numbered>("orrery://order@there:1/user/sink").value();

  target.tell(Numbered{1});  // buffered: the handshake is out, not answered
  network.advance(5ms);
  REQUIRE(peer.envelopes.empty());
  // The peer's heartbeat (not a handshake ack) is the first frame that names its incarnation.
  remote::v1::RemoteFrame heartbeat;
  heartbeat.set_from_uid(4242);
  heartbeat.set_to_uid(system->uid());
  heartbeat.mutable_heartbeat();
  remoting->on_frame(there, heartbeat.SerializeAsString());
  target.tell(Numbered{2});
  network.advance(5ms);

  REQUIRE(peer.envelopes.size() == 2);
  std::vector<std::uint64_t> order;
  for (const auto& envelope : peer.envelopes) {
    auto decoded =
        system->serialization().decode(envelope.manifest(), envelope.payload(), *remoting);
    REQUIRE(decoded.ok());
    order.push_back(decoded->get_if<Numbered>()->n);
  }
  CHECK(order == std::vector<std::uint64_t>{1, 2});
  CHECK(peer.envelopes[0].sequence() < peer.envelopes[1].sequence());
  remoting.reset();
  system->abort();
}

}  // namespace
}  // namespace orrery
