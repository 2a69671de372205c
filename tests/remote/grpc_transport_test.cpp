// The production gRPC transport on 127.0.0.1: configuration checks, frames both ways in order
// and coalesced, the maximum frame, back-pressure (overflow, too_large, closed, a receiver that
// stops reading), peers that vanish and return, disconnect, detach, connect timeouts and the
// peer table's bound.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <orrery/env/production/grpc_transport.hpp>

#include "support_grpc/raw_link_client.hpp"
#include "support_grpc/recording_sink.hpp"
#include "support_grpc/transport_fixtures.hpp"

using namespace std::chrono_literals;
using orrery::GrpcTransport;
using orrery::GrpcTransportConfig;
using orrery::NodeAddress;
using orrery::SendStatus;
using orrery::test::eventually;
using orrery::test::LinesLog;
using orrery::test::make_transport;
using orrery::test::plaintext_config;
using orrery::test::RecordingSink;

namespace {

std::vector<std::string> numbered(const std::string& prefix, int count) {
  std::vector<std::string> frames;
  frames.reserve(count);
  for (int i = 0; i < count; ++i)
    frames.push_back(prefix + std::to_string(i));
  return frames;
}

void send_all(GrpcTransport& from, const NodeAddress& to, const std::vector<std::string>& frames) {
  for (const auto& frame : frames)
    REQUIRE(from.send(to, frame) == SendStatus::queued);
}

}  // namespace

TEST_CASE("grpc transport: configs are validated and the bad field is named", "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  LinesLog log;
  const GrpcTransportConfig good = plaintext_config("a", log);
  REQUIRE(orrery::validate(good).ok());

  GrpcTransportConfig neither = good;
  neither.plaintext = false;
  auto refused = GrpcTransport::create(neither);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == orrery::Errc::invalid_argument);
  CHECK_THAT(refused.error().message, Catch::Contains("plaintext = true"));

  struct Case {
    const char* field;
    void (*change)(GrpcTransportConfig&);
  };
  const Case cases[] = {
      {"address.system",
       [](GrpcTransportConfig& c) {
         c.address.system.clear();
       }},
      {"address.host",
       [](GrpcTransportConfig& c) {
         c.address.host.clear();
       }},
      {"log",
       [](GrpcTransportConfig& c) {
         c.log = nullptr;
       }},
      {"tls",
       [](GrpcTransportConfig& c) {
         c.tls = orrery::GrpcTlsConfig{};
       }},
      {"outbound_frames_max",
       [](GrpcTransportConfig& c) {
         c.outbound_frames_max = 0;
       }},
      {"frame_bytes_max",
       [](GrpcTransportConfig& c) {
         c.frame_bytes_max = 0;
       }},
      {"outbound_bytes_max",
       [](GrpcTransportConfig& c) {
         c.outbound_bytes_max = 10;
       }},
      {"batch_frames_max",
       [](GrpcTransportConfig& c) {
         c.batch_frames_max = 0;
       }},
      {"batch_bytes_max",
       [](GrpcTransportConfig& c) {
         c.batch_bytes_max = 0;
       }},
      {"reconnect_backoff_min",
       [](GrpcTransportConfig& c) {
         c.reconnect_backoff_min = 0ms;
       }},
      {"reconnect_backoff_max",
       [](GrpcTransportConfig& c) {
         c.reconnect_backoff_max = 1ms;
       }},
      {"reconnect_jitter_permille",
       [](GrpcTransportConfig& c) {
         c.reconnect_jitter_permille = 1001;
       }},
      {"connect_timeout",
       [](GrpcTransportConfig& c) {
         c.connect_timeout = 0ms;
       }},
      {"keepalive_interval",
       [](GrpcTransportConfig& c) {
         c.keepalive_interval = 0ms;
       }},
      {"peers_max",
       [](GrpcTransportConfig& c) {
         c.peers_max = 0;
       }},
      {"inbound_streams_max",
       [](GrpcTransportConfig& c) {
         c.inbound_streams_max = 0;
       }},
  };
  for (const Case& bad : cases) {
    GrpcTransportConfig config = good;
    bad.change(config);
    const auto verdict = orrery::validate(config);
    INFO("field " << bad.field);
    REQUIRE_FALSE(verdict.ok());
    CHECK_THAT(verdict.error().message,
               Catch::StartsWith("GrpcTransportConfig." + std::string(bad.field) + " "));
  }

  GrpcTransportConfig tls = good;
  tls.plaintext = false;
  tls.tls = orrery::GrpcTlsConfig{orrery::PemSource::file("/nonexistent/ca.pem"),
                                  orrery::PemSource::inline_text("-----BEGIN CERTIFICATE-----"),
                                  orrery::PemSource::inline_text("not a key"),
                                  {}};
  auto missing = GrpcTransport::create(tls);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == orrery::Errc::io_error);
  CHECK_THAT(missing.error().message, Catch::Contains("/nonexistent/ca.pem"));
  tls.tls->ca_certificate = orrery::PemSource::inline_text("-----BEGIN CERTIFICATE-----");
  auto not_pem = GrpcTransport::create(tls);
  REQUIRE_FALSE(not_pem.ok());
  CHECK_THAT(not_pem.error().message,
             Catch::Contains("tls.private_key") && Catch::Contains("no PEM data"));
}

TEST_CASE("grpc transport: reconnect delays double from min to max with bounded jitter",
          "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  LinesLog log;
  GrpcTransportConfig config = plaintext_config("a", log);
  config.reconnect_backoff_min = 10ms;
  config.reconnect_backoff_max = 1s;
  config.reconnect_jitter_permille = 0;
  CHECK(orrery::reconnect_delay(config, 0, 0) == 0ms);
  CHECK(orrery::reconnect_delay(config, 1, ~0ULL) == 10ms);
  CHECK(orrery::reconnect_delay(config, 2, ~0ULL) == 20ms);
  CHECK(orrery::reconnect_delay(config, 5, ~0ULL) == 160ms);
  CHECK(orrery::reconnect_delay(config, 8, ~0ULL) == 1s);
  CHECK(orrery::reconnect_delay(config, 64, ~0ULL) == 1s);
  config.reconnect_jitter_permille = 200;
  CHECK(orrery::reconnect_delay(config, 2, 0) == 20ms);
  CHECK(orrery::reconnect_delay(config, 2, ~0ULL) == 24ms);
  CHECK(orrery::reconnect_delay(config, 64, ~0ULL) == 1200ms);
  const auto middle = orrery::reconnect_delay(config, 2, 0x8000'0000'0000'0000ULL);
  CHECK((middle > 20ms && middle < 24ms));
}

TEST_CASE("grpc transport: port 0 picks a free port, a port in use is an error", "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  LinesLog log;
  auto a = make_transport(plaintext_config("a", log));
  const NodeAddress& address = a->local_address();
  CHECK(address.system == "a");
  CHECK(address.host == "127.0.0.1");
  REQUIRE(address.port != 0);
  auto clash = GrpcTransport::create(plaintext_config("b", log, address.port));
  REQUIRE_FALSE(clash.ok());
  CHECK(clash.error().code == orrery::Errc::io_error);
  CHECK_THAT(clash.error().message, Catch::Contains(std::to_string(address.port)));
}

TEST_CASE("grpc transport: frames flow both ways in order, coalesced into batches",
          "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  LinesLog log;
  RecordingSink sink_a, sink_b;
  GrpcTransportConfig config_a = plaintext_config("a", log);
  config_a.outbound_frames_max = 100'000;
  config_a.frame_bytes_max = 256 << 10;
  GrpcTransportConfig config_b = config_a;
  config_b.address.system = "b";
  auto a = make_transport(config_a);
  auto b = make_transport(config_b);
  a->attach(sink_a);
  b->attach(sink_b);
  const NodeAddress A = a->local_address(), B = b->local_address();

  const int count = 20'000;
  const auto to_b = numbered("a>b ", count), to_a = numbered("b>a ", count);
  std::thread sender([&] { send_all(*b, A, to_a); });
  send_all(*a, B, to_b);
  sender.join();
  REQUIRE(
      eventually([&] { return sink_b.frame_count() == count && sink_a.frame_count() == count; }));
  CHECK(sink_b.frames_from(A) == to_b);
  CHECK(sink_a.frames_from(B) == to_a);

  REQUIRE(eventually([&] { return a->stats().frames_sent == count; }));
  const auto sent = a->stats();
  const auto received = b->stats();
  CHECK(received.frames_received == count);
  CHECK(received.batches_received == sent.batches_sent);
  CHECK(received.batches_received < received.frames_received / 4);  // coalesced
  CHECK(sent.bytes_sent == received.bytes_received);
  CHECK(sink_a.link_events(B, true) == 1);
  CHECK(sink_b.link_events(A, true) == 1);

  // The largest frame there is goes through whole; one byte more is refused at the door.
  const std::string largest(config_a.frame_bytes_max, 'x');
  REQUIRE(a->send(B, largest) == SendStatus::queued);
  REQUIRE(a->send(B, largest + "x") == SendStatus::too_large);
  REQUIRE(eventually([&] { return sink_b.frame_count() == count + 1; }));
  CHECK(sink_b.frames_from(A).back() == largest);
  CHECK(a->stats().too_large_drops == 1);
}

TEST_CASE("grpc transport: a full peer buffer answers overflow, a shut transport closed",
          "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  LinesLog log;
  orrery::test::SilentListener silent;  // streams to it are never accepted: frames stay queued
  GrpcTransportConfig config = plaintext_config("a", log);
  config.outbound_frames_max = 4;
  config.outbound_bytes_max = 1000;
  config.frame_bytes_max = 600;
  config.connect_timeout = 30s;
  auto a = make_transport(config);
  const NodeAddress by_count{"silent", "127.0.0.1", silent.port()};
  const NodeAddress by_bytes{"other", "127.0.0.1", silent.port()};

  for (int i = 0; i < 4; ++i)
    REQUIRE(a->send(by_count, "frame") == SendStatus::queued);
  CHECK(a->send(by_count, "frame") == SendStatus::overflow);
  REQUIRE(a->send(by_bytes, std::string(600, 'x')) == SendStatus::queued);
  CHECK(a->send(by_bytes, std::string(401, 'x')) == SendStatus::overflow);
  CHECK(a->send(by_bytes, std::string(400, 'x')) == SendStatus::queued);
  CHECK(a->send(by_bytes, std::string(601, 'x')) == SendStatus::too_large);
  auto stats = a->stats();
  CHECK(stats.overflow_drops == 2);
  CHECK(stats.too_large_drops == 1);
  CHECK(stats.links_up == 0);

  a->shutdown();
  CHECK(a->send(by_count, "frame") == SendStatus::closed);
  CHECK(a->stats().link_drops == 6);  // what was queued when the transport shut
}

TEST_CASE("grpc transport: a receiver that stops reading pushes back without losing frames",
          "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  LinesLog log;
  std::mutex mutex;
  std::condition_variable opened;
  bool blocked = true;
  RecordingSink sink_a, sink_b;
  sink_b.on_frame_hook = [&](const NodeAddress&, const orrery::Frame&) {
    std::unique_lock lock(mutex);
    opened.wait_for(lock, 30s, [&] { return !blocked; });
  };
  GrpcTransportConfig config = plaintext_config("a", log);
  config.frame_bytes_max = 64 << 10;
  config.outbound_frames_max = 64;
  config.outbound_bytes_max = 64 * (64 << 10);
  auto a = make_transport(config);
  config.address.system = "b";
  auto b = make_transport(config);
  a->attach(sink_a);
  b->attach(sink_b);
  const NodeAddress B = b->local_address();

  std::vector<std::string> accepted;
  bool overflowed = false;
  for (int i = 0; i < 4096 && !overflowed; ++i) {  // at most 256 MiB before giving up
    std::string frame(64 << 10, static_cast<char>('a' + i % 26));
    frame.replace(0, 8, std::to_string(10'000'000 + i));
    const SendStatus status = a->send(B, frame);
    if (status == SendStatus::overflow) {
      overflowed = true;
    } else {
      REQUIRE(status == SendStatus::queued);
      accepted.push_back(std::move(frame));
    }
  }
  {
    std::lock_guard guard(mutex);
    blocked = false;
  }
  opened.notify_all();
  REQUIRE(overflowed);
  CHECK(a->stats().overflow_drops == 1);
  REQUIRE(eventually([&] { return sink_b.frame_count() == accepted.size(); }, 30s));
  CHECK(sink_b.frames_from(a->local_address()) == accepted);
}

TEST_CASE("grpc transport: a peer that goes away and comes back is redialled", "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  LinesLog log;
  RecordingSink sink_a, sink_b, sink_b_again;
  auto a = make_transport(plaintext_config("a", log));
  auto b = make_transport(plaintext_config("b", log));
  a->attach(sink_a);
  b->attach(sink_b);
  const NodeAddress B = b->local_address();
  REQUIRE(a->send(B, "before") == SendStatus::queued);
  REQUIRE(
      eventually([&] { return sink_b.frame_count() == 1 && sink_a.link_events(B, true) == 1; }));

  b.reset();
  REQUIRE(eventually([&] { return sink_a.link_events(B, false) == 1; }));

  auto b_again = make_transport(plaintext_config("b", log, B.port));
  b_again->attach(sink_b_again);
  // Traffic keeps the sender dialling; frames sent while the peer was away may be lost.
  REQUIRE(eventually([&] {
    CHECK(a->send(B, "after") != SendStatus::closed);
    return sink_b_again.frame_count() > 0;
  }));
  REQUIRE(eventually([&] { return sink_a.link_events(B, true) == 2; }));
  const auto frames = sink_b_again.frames_from(a->local_address());
  CHECK(frames.front() == "after");
  const auto stats = a->stats();
  CHECK(stats.reconnects >= 1);
  CHECK(stats.links_down == 1);
  const auto events = sink_a.events();
  REQUIRE(events.size() == 3);
  CHECK((events[0].up && !events[1].up && events[2].up));
}

TEST_CASE("grpc transport: disconnect drops the link both ways, the next send redials",
          "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  LinesLog log;
  RecordingSink sink_a, sink_b;
  auto a = make_transport(plaintext_config("a", log));
  auto b = make_transport(plaintext_config("b", log));
  a->attach(sink_a);
  b->attach(sink_b);
  const NodeAddress A = a->local_address(), B = b->local_address();
  REQUIRE(a->send(B, "one") == SendStatus::queued);
  REQUIRE(
      eventually([&] { return sink_b.frame_count() == 1 && sink_a.link_events(B, true) == 1; }));

  a->disconnect(B);  // the sender drops its stream
  REQUIRE(eventually(
      [&] { return sink_a.link_events(B, false) == 1 && sink_b.link_events(A, false) == 1; }));
  REQUIRE(a->send(B, "two") == SendStatus::queued);
  REQUIRE(eventually([&] { return sink_b.frame_count() == 2; }));

  b->disconnect(A);  // the receiver drops the stream from A
  REQUIRE(eventually([&] { return sink_a.link_events(B, false) == 2; }));
  REQUIRE(eventually([&] {
    CHECK(a->send(B, "three") == SendStatus::queued);
    return sink_b.frames_from(A).back() == "three";
  }));
  const auto frames = sink_b.frames_from(A);
  CHECK(frames[0] == "one");
  CHECK(frames[1] == "two");
  CHECK(log.contains("lost the link"));
}

TEST_CASE("grpc transport: after detach no frame or event reaches the sink", "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  LinesLog log;
  RecordingSink sink_a, sink_b;
  auto a = make_transport(plaintext_config("a", log));
  auto b = make_transport(plaintext_config("b", log));
  a->attach(sink_a);
  b->attach(sink_b);
  const NodeAddress B = b->local_address();
  REQUIRE(a->send(B, "seen") == SendStatus::queued);
  REQUIRE(eventually([&] { return sink_b.frame_count() == 1; }));
  b->detach();
  const auto events_before = sink_b.events().size();
  send_all(*a, B, numbered("unseen ", 10));
  REQUIRE(eventually([&] { return b->stats().unattached_drops == 10; }));
  a.reset();  // the link from A goes down: no event either
  CHECK(sink_b.frame_count() == 1);
  CHECK(sink_b.events().size() == events_before);
}

TEST_CASE("grpc transport: an attempt that is never accepted times out, drops and redials",
          "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  LinesLog log;
  orrery::test::SilentListener silent;
  GrpcTransportConfig config = plaintext_config("a", log);
  config.connect_timeout = 50ms;
  config.reconnect_backoff_min = 5ms;
  config.reconnect_backoff_max = 20ms;
  auto a = make_transport(config);
  const NodeAddress silent_peer{"silent", "127.0.0.1", silent.port()};
  REQUIRE(a->send(silent_peer, "lost") == SendStatus::queued);
  REQUIRE(eventually([&] { return a->stats().connect_failures >= 1; }));
  CHECK(a->stats().link_drops >= 1);
  REQUIRE(eventually([&] {
    CHECK(a->send(silent_peer, "more") == SendStatus::queued);
    return a->stats().reconnects >= 2;
  }));
  CHECK(a->stats().links_up == 0);
  CHECK(log.contains("cannot reach silent@127.0.0.1"));

  // Nothing listening at all: refused at once, and dialled again with the next traffic.
  const NodeAddress nobody{"nobody", "127.0.0.1", 1};
  const auto failures = a->stats().connect_failures;
  REQUIRE(a->send(nobody, "x") == SendStatus::queued);
  REQUIRE(eventually([&] { return a->stats().connect_failures > failures; }));
}

TEST_CASE("grpc transport: the peer table is bounded", "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  LinesLog log;
  orrery::test::SilentListener silent;
  GrpcTransportConfig config = plaintext_config("a", log);
  config.peers_max = 1;
  config.connect_timeout = 30s;
  auto a = make_transport(config);
  REQUIRE(a->send(NodeAddress{"one", "127.0.0.1", silent.port()}, "x") == SendStatus::queued);
  CHECK(a->send(NodeAddress{"two", "127.0.0.1", silent.port()}, "x") == SendStatus::overflow);
  CHECK(log.contains("peers_max"));
}

TEST_CASE("grpc transport: shutting down with traffic in flight is clean", "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  LinesLog log;
  RecordingSink sink_a, sink_b;
  auto a = make_transport(plaintext_config("a", log));
  auto b = make_transport(plaintext_config("b", log));
  a->attach(sink_a);
  b->attach(sink_b);
  const NodeAddress A = a->local_address(), B = b->local_address();
  std::atomic<bool> stop{false};
  std::thread flood([&] {
    for (int i = 0; !stop.load(); ++i) {
      b->send(A, std::string(1000, 'b'));
      if (i % 64 == 0) std::this_thread::yield();
    }
  });
  for (int i = 0; i < 20'000; ++i)
    a->send(B, std::string(1000, 'a'));
  REQUIRE(eventually([&] { return sink_a.frame_count() > 0 && sink_b.frame_count() > 0; }));
  a.reset();  // with frames queued both ways, streams open in both directions
  REQUIRE(eventually([&] { return sink_b.link_events(A, false) == 1; }));
  stop = true;
  flood.join();
  b.reset();
}
