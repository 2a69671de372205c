// The refusal property, held by counting deliveries: over generated sequences of peer restarts
// and envelopes, a frame from a quarantined incarnation of the peer, or addressed to another
// incarnation of this node, is never delivered; every other fresh envelope is, exactly once.
// (A quarantine check looking at the wrong uid fails this at once, not only in a golden hash.)
#include <support/memory_network.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <orrery/actor.hpp>
#include <orrery/remote/remoting.hpp>
#include <orrery/remote/v1/remote.pb.h>

namespace refusal_test {
struct Numbered {
  std::uint64_t n = 0;
};
}  // namespace refusal_test

ORRERY_FIELDS(refusal_test::Numbered, &refusal_test::Numbered::n);

namespace orrery {
namespace {

using namespace std::chrono_literals;
using refusal_test::Numbered;

/// One step of the peer: it restarts (a new incarnation shakes hands), or sends an envelope from
/// one of its incarnations (`from`: 0 the live one, k > 0 the k-th quarantined one, counting
/// back) to one of this node's (`to`: 0 unknown, 1 the live one, 2 a previous one).
struct Step {
  bool restart = false;
  std::uint32_t from = 0;
  std::uint32_t to = 1;
};

std::string frame(std::uint64_t from_uid, std::uint64_t to_uid,
                  const std::function<void(remote::v1::RemoteFrame&)>& body) {
  remote::v1::RemoteFrame out;
  out.set_from_uid(from_uid);
  out.set_to_uid(to_uid);
  body(out);
  return out.SerializeAsString();
}

TEST_CASE(
    "remoting property: a frame from a quarantined incarnation or for a stale uid is never "
    "delivered",
    "[remote][property]") {
  rc::prop("deliveries are exactly the fresh envelopes from the live incarnation to this one", [] {
    const auto steps = *rc::gen::resize(
        60,
        rc::gen::container<std::vector<Step>>(rc::gen::build<Step>(
            rc::gen::set(&Step::restart, rc::gen::weightedElement<bool>({{1, true}, {5, false}})),
            rc::gen::set(&Step::from,
                         rc::gen::weightedElement<std::uint32_t>({{4, 0}, {1, 1}, {1, 2}, {1, 5}})),
            rc::gen::set(&Step::to, rc::gen::inRange<std::uint32_t>(0, 3)))));
    test::MemoryNetwork network;
    const NodeAddress here{"prop", "here", 1};
    const NodeAddress peer{"prop", "peer", 1};
    Env& env = network.add_node(here);
    ActorSystemConfig config;
    config.name = "prop";
    ActorSystemPtr system = ActorSystem::create(env, config);
    RC_ASSERT(system->serialization().register_type<Numbered>("prop.Numbered").ok());
    RemotingPtr remoting = Remoting::start(*system, env.transport);
    auto delivered = std::make_shared<std::vector<std::uint64_t>>();
    system->spawn(behaviors::receive<Numbered>([delivered](ActorContext<Numbered>&, Numbered& m) {
                    delivered->push_back(m.n);
                  }),
                  "sink");
    const std::uint64_t me = system->uid();
    std::vector<std::uint64_t> incarnations;  // the peer's, oldest first; the last is live
    auto shake_hands = [&](std::uint64_t uid) {
      incarnations.push_back(uid);
      remoting->on_frame(peer, frame(uid, 0, [](remote::v1::RemoteFrame& f) {
                           f.mutable_handshake()->set_to_system("prop");
                         }));
    };
    shake_hands(1000);
    std::vector<std::uint64_t> expected;
    std::uint64_t sequence = 0;
    for (const Step& step : steps) {
      if (step.restart) {
        shake_hands(1000 + incarnations.size());
        continue;
      }
      if (step.from >= incarnations.size()) continue;
      const std::uint64_t from_uid = incarnations[incarnations.size() - 1 - step.from];
      const std::uint64_t to_uid = step.to == 0 ? 0 : step.to == 1 ? me : me ^ 0x5a5a;
      const std::uint64_t n = ++sequence;  // fresh: never a duplicate of a delivered one
      auto encoded = system->serialization().encode(Numbered{n}, *remoting);
      RC_ASSERT(encoded.ok());
      remoting->on_frame(peer, frame(from_uid, to_uid, [&](remote::v1::RemoteFrame& f) {
                           auto& envelope = *f.mutable_envelope();
                           envelope.set_sequence(n);
                           envelope.set_recipient("/user/sink");
                           envelope.set_manifest(encoded->manifest);
                           envelope.set_payload(encoded->payload);
                         }));
      if (step.from == 0 && step.to != 2) expected.push_back(n);
    }
    network.advance(10ms);
    RC_ASSERT(*delivered == expected);
    RC_ASSERT(remoting->stats().messages_delivered == expected.size());
    remoting.reset();
    system->abort();
  });
}

}  // namespace
}  // namespace orrery
