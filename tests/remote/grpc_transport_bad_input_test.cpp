// Bad input reaching the gRPC transport from a raw gRPC client: unparseable bytes, a missing,
// malformed or repeated Open, an unknown protocol version, oversized batches and frames. Each
// ends only its own stream, with a counter and a logged error, while a good peer's link stays up
// and its frames keep arriving in order.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <orrery/env/production/grpc_transport.hpp>

#include "support_grpc/raw_link_client.hpp"
#include "support_grpc/recording_sink.hpp"
#include "support_grpc/transport_fixtures.hpp"

using orrery::NodeAddress;
using orrery::SendStatus;
using orrery::test::eventually;
using orrery::test::RawLinkClient;

TEST_CASE("grpc transport: bad inbound streams are dropped and counted, good peers go on",
          "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  orrery::test::LinesLog log;
  orrery::test::RecordingSink sink_a, sink_b;
  auto config = orrery::test::plaintext_config("a", log);
  config.frame_bytes_max = 1024;
  config.batch_frames_max = 16;
  config.batch_bytes_max = 4096;
  config.outbound_bytes_max = 1 << 20;
  auto a = orrery::test::make_transport(config);
  config.address.system = "b";
  auto b = orrery::test::make_transport(config);
  a->attach(sink_a);
  b->attach(sink_b);
  const NodeAddress A = a->local_address(), B = b->local_address();

  int good_sent = 0;
  const auto send_good = [&](int count) {
    for (int i = 0; i < count; ++i) {
      REQUIRE(b->send(A, "good " + std::to_string(good_sent++)) == SendStatus::queued);
    }
  };
  send_good(100);
  REQUIRE(eventually([&] { return sink_a.frame_count() == 100; }));

  RawLinkClient raw(A);
  const NodeAddress raw_sender{"raw", "127.0.0.1", 9};
  const std::string open = RawLinkClient::open_message(raw_sender);
  const auto frames = [](int count, std::size_t size) {
    return std::vector<std::string>(count, std::string(size, 'f'));
  };
  struct Case {
    const char* what;
    std::vector<std::string> messages;
    grpc::StatusCode expected;
    bool malformed;  // else oversized
  };
  const std::vector<Case> cases = {
      {"unparseable bytes",
       {std::string("\xff\xff\xff\x01 garbage")},
       grpc::StatusCode::INVALID_ARGUMENT,
       true},
      {"an empty first message", {std::string()}, grpc::StatusCode::INVALID_ARGUMENT, true},
      {"a batch before any Open",
       {RawLinkClient::batch_message({"x"})},
       grpc::StatusCode::INVALID_ARGUMENT,
       true},
      {"an Open without a sender",
       {RawLinkClient::open_message(NodeAddress{"", "", 0})},
       grpc::StatusCode::INVALID_ARGUMENT,
       true},
      {"an unknown protocol version",
       {RawLinkClient::open_message(raw_sender, 99)},
       grpc::StatusCode::INVALID_ARGUMENT,
       true},
      {"a second Open", {open, open}, grpc::StatusCode::INVALID_ARGUMENT, true},
      {"too many frames in a batch",
       {open, RawLinkClient::batch_message(frames(17, 1))},
       grpc::StatusCode::RESOURCE_EXHAUSTED,
       false},
      {"a frame above frame_bytes_max",
       {open, RawLinkClient::batch_message(frames(1, 1025))},
       grpc::StatusCode::RESOURCE_EXHAUSTED,
       false},
      {"a message above the batch limit",
       {open, RawLinkClient::batch_message(frames(5, 1000))},
       grpc::StatusCode::RESOURCE_EXHAUSTED,
       false},
  };
  std::uint64_t malformed = 0, oversized = 0;
  for (const Case& bad : cases) {
    INFO("case: " << bad.what);
    const auto exchange = raw.exchange(bad.messages);
    CHECK(exchange.status.error_code() == bad.expected);
    (bad.malformed ? malformed : oversized) += 1;
    const auto stats = a->stats();
    CHECK(stats.malformed_inbound == malformed);
    CHECK(stats.oversized_inbound == oversized);
    send_good(10);  // the good link is unaffected between bad streams
  }
  CHECK(log.contains("dropped the inbound stream from"));
  CHECK(log.contains("the stream does not begin with an Open"));
  CHECK(log.contains("above frame_bytes_max 1024"));

  // The raw client done right is a peer like any other.
  const auto fine = raw.exchange({open, RawLinkClient::batch_message({"r1", "r2"})});
  CHECK(fine.status.ok());
  CHECK(fine.replies == 1);  // the Accepted
  REQUIRE(eventually([&] { return sink_a.frames_from(raw_sender).size() == 2; }));
  CHECK(sink_a.frames_from(raw_sender) == std::vector<std::string>{"r1", "r2"});

  REQUIRE(eventually([&] { return sink_a.frames_from(B).size() == std::size_t(good_sent); }));
  const auto good = sink_a.frames_from(B);
  for (int i = 0; i < good_sent; ++i)
    REQUIRE(good[i] == "good " + std::to_string(i));
  CHECK(sink_a.link_events(B, false) == 0);
  CHECK(b->stats().links_down == 0);
  CHECK(b->stats().link_drops == 0);
}

TEST_CASE("grpc transport: a newer stream from the same sender takes over from the older one",
          "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  orrery::test::LinesLog log;
  orrery::test::RecordingSink sink;
  auto a = orrery::test::make_transport(orrery::test::plaintext_config("a", log));
  a->attach(sink);
  RawLinkClient raw(a->local_address());
  const NodeAddress sender{"x", "127.0.0.1", 7};

  auto older = raw.open();
  REQUIRE(older->write(RawLinkClient::open_message(sender)));
  REQUIRE(older->write(RawLinkClient::batch_message({"one"})));
  REQUIRE(eventually([&] { return sink.frames_from(sender).size() == 1; }));
  auto newer = raw.open();
  REQUIRE(newer->write(RawLinkClient::open_message(sender)));
  REQUIRE(newer->write(RawLinkClient::batch_message({"two"})));
  REQUIRE(eventually([&] { return sink.frames_from(sender).size() == 2; }));

  // The older stream is no longer allowed to deliver: its frame is dropped and it ends.
  older->write(RawLinkClient::batch_message({"stale"}));
  CHECK(older->finish().status.error_code() == grpc::StatusCode::ABORTED);
  REQUIRE(newer->write(RawLinkClient::batch_message({"three"})));
  CHECK(newer->finish().status.ok());
  REQUIRE(eventually([&] { return sink.link_events(sender, false) == 1; }));
  CHECK(sink.frames_from(sender) == std::vector<std::string>{"one", "two", "three"});
  CHECK(sink.link_events(sender, true) == 1);  // up while either stream was
  CHECK(a->stats().link_drops == 1);
  CHECK(log.contains("a newer stream from x@127.0.0.1:7 took over"));
}
