// Mutual TLS with certificates the test makes with openssl: two nodes of one CA talk both ways
// (one given its PEM inline, one as files); a rogue node whose certificate another CA signed is
// refused in both directions and nothing it sends is delivered; a plaintext client is refused.
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include <orrery/env/production/grpc_transport.hpp>

#include "support_grpc/raw_link_client.hpp"
#include "support_grpc/recording_sink.hpp"
#include "support_grpc/transport_fixtures.hpp"

using namespace std::chrono_literals;
using orrery::NodeAddress;
using orrery::PemSource;
using orrery::SendStatus;
using orrery::test::eventually;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("grpc transport: mutual TLS admits nodes of the CA and refuses the rest",
          "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  auto generated = orrery::test::TestCertificates::generate();
  if (!generated.ok()) FAIL("openssl: " << generated.error().message);
  const auto& certificates = generated.value();
  const std::string ca = certificates.ca_certificate();

  orrery::test::LinesLog log;
  orrery::test::RecordingSink sink_a, sink_b, sink_rogue;
  auto config_a = orrery::test::tls_config("a", log, certificates, "node-a", ca);
  config_a.tls =
      orrery::GrpcTlsConfig{PemSource::inline_text(read_file(ca)),
                            PemSource::inline_text(read_file(certificates.certificate("node-a"))),
                            PemSource::inline_text(read_file(certificates.key("node-a"))),
                            {}};
  auto a = orrery::test::make_transport(config_a);
  auto b =
      orrery::test::make_transport(orrery::test::tls_config("b", log, certificates, "node-b", ca));
  // The rogue trusts the right CA (it would accept b's certificate) but presents its own.
  auto rogue_config = orrery::test::tls_config("rogue", log, certificates, "rogue", ca);
  rogue_config.connect_timeout = 500ms;
  auto rogue = orrery::test::make_transport(rogue_config);
  a->attach(sink_a);
  b->attach(sink_b);
  rogue->attach(sink_rogue);
  const NodeAddress A = a->local_address(), B = b->local_address(), R = rogue->local_address();

  REQUIRE(a->send(B, "hello b") == SendStatus::queued);
  REQUIRE(b->send(A, "hello a") == SendStatus::queued);
  REQUIRE(eventually([&] { return sink_a.frame_count() == 1 && sink_b.frame_count() == 1; }));
  CHECK(sink_b.frames_from(A) == std::vector<std::string>{"hello b"});
  CHECK(sink_a.frames_from(B) == std::vector<std::string>{"hello a"});

  // The rogue dials b (refused: b requires a certificate of its CA) and b dials the rogue
  // (refused: the rogue's certificate does not verify against b's CA).
  REQUIRE(eventually([&] {
    rogue->send(B, "from the rogue");
    b->send(R, "to the rogue");
    return rogue->stats().connect_failures >= 2 && b->stats().connect_failures >= 2;
  }));
  std::this_thread::sleep_for(50ms);  // a frame let through would have arrived by now
  CHECK(sink_b.frame_count() == 1);
  CHECK(sink_rogue.frame_count() == 0);
  CHECK(rogue->stats().links_up == 0);
  CHECK(sink_b.link_events(R, true) == 0);
  CHECK(b->stats().frames_received == 1);

  // A plaintext client gets no stream at all.
  orrery::test::RawLinkClient plaintext(A);
  const auto refused = plaintext.exchange(
      {orrery::test::RawLinkClient::open_message(NodeAddress{"raw", "127.0.0.1", 9}),
       orrery::test::RawLinkClient::batch_message({"sneaky"})},
      2s);
  CHECK_FALSE(refused.status.ok());
  CHECK(sink_a.frame_count() == 1);

  // The good pair still talks.
  REQUIRE(a->send(B, "still here") == SendStatus::queued);
  REQUIRE(eventually([&] { return sink_b.frame_count() == 2; }));
}
