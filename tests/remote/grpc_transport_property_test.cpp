// A model-based property for the gRPC transport's inbound decoder: any sequence of messages on a
// stream (random bytes, valid or mutated Opens, batches near the frame and batch limits) ends the
// way a small model of the rules says: delivered in order, or refused at the first bad message
// with exactly one malformed or oversized count. The node goes on, and a good peer's link with
// it. A failing property prints rapidcheck's reproduce line (RC_PARAMS="reproduce=...").
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <orrery/env/production/grpc_transport.hpp>
#include <orrery/transport/v1/link.pb.h>

#include "support_grpc/raw_link_client.hpp"
#include "support_grpc/recording_sink.hpp"
#include "support_grpc/transport_fixtures.hpp"

using orrery::GrpcTransportConfig;
using orrery::NodeAddress;
using orrery::test::RawLinkClient;
namespace wire = orrery::transport::v1;

namespace {

/// What the rules say a stream of `messages` comes to.
struct Outcome {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::uint64_t malformed = 0;
  std::uint64_t oversized = 0;
  std::optional<NodeAddress> sender;
  std::vector<std::string> delivered;
  const char* reason = "delivered";
};

std::optional<NodeAddress> valid_sender(const wire::LinkMessage& message) {
  if (!message.has_open() || message.open().protocol_version() != 1) return std::nullopt;
  if (!message.open().has_from()) return std::nullopt;
  const wire::NodeAddress& from = message.open().from();
  if (from.system().empty() || from.system().size() > 255 || from.host().empty() ||
      from.host().size() > 255 || from.port() == 0 || from.port() > 65535) {
    return std::nullopt;
  }
  return NodeAddress{from.system(), from.host(), static_cast<std::uint16_t>(from.port())};
}

bool batch_within_limits(const wire::Batch& batch, const GrpcTransportConfig& config) {
  if (static_cast<std::uint64_t>(batch.frames_size()) > config.batch_frames_max) return false;
  std::uint64_t bytes = 0;
  for (const auto& frame : batch.frames()) {
    if (frame.size() > config.frame_bytes_max) return false;
    bytes += frame.size();
  }
  return bytes <= std::max(config.batch_bytes_max, config.frame_bytes_max);
}

Outcome model(const std::vector<std::string>& messages, const GrpcTransportConfig& config) {
  Outcome outcome;
  const auto refuse = [&](bool malformed, const char* reason) {
    outcome.reason = reason;
    (malformed ? outcome.malformed : outcome.oversized) = 1;
    outcome.code =
        malformed ? grpc::StatusCode::INVALID_ARGUMENT : grpc::StatusCode::RESOURCE_EXHAUSTED;
    return outcome;
  };
  for (const std::string& bytes : messages) {
    if (bytes.size() > orrery::inbound_message_bytes_max(config)) {
      return refuse(false, "message too long");
    }
    wire::LinkMessage message;
    if (!message.ParseFromString(bytes)) return refuse(true, "unparseable");
    if (!outcome.sender) {
      outcome.sender = valid_sender(message);
      if (!outcome.sender) return refuse(true, "bad open");
      continue;
    }
    if (!message.has_batch()) return refuse(true, "not a batch");
    if (!batch_within_limits(message.batch(), config)) return refuse(false, "batch above limits");
    for (const auto& frame : message.batch().frames()) {
      outcome.delivered.push_back(frame);
    }
  }
  return outcome;
}

rc::Gen<std::string> random_bytes() {
  return rc::gen::resize(64, rc::gen::container<std::string>(rc::gen::arbitrary<char>()));
}

rc::Gen<std::string> open_message(std::uint16_t port) {
  const auto open = [](std::string system, std::uint16_t at, std::uint32_t version = 1) {
    return rc::gen::just(
        RawLinkClient::open_message(NodeAddress{std::move(system), "127.0.0.1", at}, version));
  };
  return rc::gen::weightedOneOf<std::string>({{30, open("fuzz", port)},
                                              {1, open("", port)},
                                              {1, open(std::string(256, 's'), port)},
                                              {1, open("fuzz", 0)},
                                              {1, open("fuzz", port, 0)},
                                              {1, open("fuzz", port, 2)}});
}

/// A batch within the limits (frames of 0 to 1024 bytes, at most 16, at most 4096 bytes).
rc::Gen<std::string> batch_message() {
  const auto frame = rc::gen::apply(
      [](std::size_t size, char fill) { return std::string(size, fill); },
      rc::gen::weightedElement<std::size_t>({{2, 0}, {4, 1}, {16, 10}, {2, 1000}, {1, 1024}}),
      rc::gen::arbitrary<char>());
  const auto frames = rc::gen::mapcat(rc::gen::inRange<std::size_t>(0, 17), [frame](std::size_t n) {
    return rc::gen::container<std::vector<std::string>>(n, frame);
  });
  return rc::gen::map(frames, [](std::vector<std::string> frames) {
    std::size_t total = 0;
    std::size_t keep = 0;
    while (keep < frames.size() && total + frames[keep].size() <= 4096) {
      total += frames[keep++].size();
    }
    frames.resize(keep);
    return RawLinkClient::batch_message(frames);
  });
}

/// A batch above a limit: too many frames, a frame too large, too many bytes (within the length
/// limit or beyond it). All stay well under gRPC's own limit (twice ours), which would end the
/// stream before our decoder saw the message.
rc::Gen<std::string> oversized_batch_message() {
  return rc::gen::weightedOneOf<std::string>({
      {1, rc::gen::just(RawLinkClient::batch_message(std::vector<std::string>(17, "x")))},
      {1, rc::gen::just(RawLinkClient::batch_message({"a", std::string(1025, 'b')}))},
      {1, rc::gen::just(
              RawLinkClient::batch_message(std::vector<std::string>(5, std::string(900, 'c'))))},
      {1, rc::gen::just(
              RawLinkClient::batch_message(std::vector<std::string>(6, std::string(1000, 'd'))))},
  });
}

rc::Gen<std::string> mutated(rc::Gen<std::string> valid) {
  return rc::gen::mapcat(std::move(valid), [](const std::string& bytes) {
    const auto flips =
        rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, 1'000'000));
    return rc::gen::map(flips, [bytes](const std::vector<std::size_t>& positions) {
      std::string flipped = bytes;
      for (std::size_t at : positions) {
        if (!flipped.empty()) flipped[at % flipped.size()] ^= 0x5a;
      }
      return flipped;
    });
  });
}

rc::Gen<std::string> any_message(std::uint16_t port) {
  return rc::gen::weightedOneOf<std::string>({{16, batch_message()},
                                              {2, oversized_batch_message()},
                                              {1, open_message(port)},
                                              {1, random_bytes()},
                                              {1, mutated(batch_message())},
                                              {1, mutated(open_message(port))}});
}

}  // namespace

TEST_CASE("grpc transport: any inbound stream ends as the decoding rules say", "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  orrery::test::LinesLog log;
  orrery::test::RecordingSink sink_a, sink_b;
  auto config = orrery::test::plaintext_config("a", log);
  config.frame_bytes_max = 1024;
  config.batch_frames_max = 16;
  config.batch_bytes_max = 4096;
  config.errors_logged_max = 10;
  auto a = orrery::test::make_transport(config);
  auto b = orrery::test::make_transport(orrery::test::plaintext_config("b", log));
  a->attach(sink_a);
  b->attach(sink_b);
  const NodeAddress A = a->local_address(), B = b->local_address();
  REQUIRE(b->send(A, "good before") == orrery::SendStatus::queued);
  RawLinkClient raw(A);

  rc::prop("delivered in order, or refused at the first bad message and counted once", [&] {
    const auto first = *rc::gen::weightedOneOf<std::string>(
        {{12, open_message(A.port)}, {1, any_message(A.port)}});
    auto messages =
        *rc::gen::resize(4, rc::gen::container<std::vector<std::string>>(any_message(A.port)));
    messages.insert(messages.begin(), first);
    const Outcome expected = model(messages, config);
    RC_LOG() << "the model expects: " << expected.reason << "\n";
    const auto before = a->stats();
    const std::size_t frames_before =
        expected.sender ? sink_a.frames_from(*expected.sender).size() : 0;

    const auto exchange = raw.exchange(messages);
    RC_ASSERT(exchange.status.error_code() == expected.code);
    const auto after = a->stats();
    RC_ASSERT(after.malformed_inbound - before.malformed_inbound == expected.malformed);
    RC_ASSERT(after.oversized_inbound - before.oversized_inbound == expected.oversized);
    if (expected.sender) {
      const auto frames = sink_a.frames_from(*expected.sender);
      RC_ASSERT(std::vector<std::string>(frames.begin() + frames_before, frames.end()) ==
                expected.delivered);
    }
  });

  REQUIRE(b->send(A, "good after") == orrery::SendStatus::queued);
  REQUIRE(orrery::test::eventually([&] { return sink_a.frames_from(B).size() == 2; }));
  CHECK(sink_a.frames_from(B).back() == "good after");
  CHECK(sink_a.link_events(B, false) == 0);
}
