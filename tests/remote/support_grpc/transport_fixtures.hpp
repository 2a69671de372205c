#pragma once
// Building gRPC transports for tests: plaintext or mutual-TLS configs on 127.0.0.1 with port 0,
// quick backoff, and creation that fails the test with the transport's own error. Every test
// prints the command that reruns it alone.

#include <chrono>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include <orrery/env/production/grpc_transport.hpp>

#include "recording_sink.hpp"
#include "test_certificates.hpp"

/// Prints (on failure) how to rerun the current test case alone.
#define ORRERY_GRPC_REPRODUCE()                                                        \
  INFO("reproduce: build/tests/orrery-tests-remote \""                                 \
       << Catch::getResultCapture().getCurrentTestName() << "\" (from the build dir: " \
       << "ctest -R '<name>')")

namespace orrery::test {

inline GrpcTransportConfig plaintext_config(const std::string& system, LogSink& log,
                                            std::uint16_t port = 0) {
  GrpcTransportConfig config;
  config.address = NodeAddress{system, "127.0.0.1", port};
  config.plaintext = true;
  config.log = &log;
  config.reconnect_backoff_min = std::chrono::milliseconds(5);
  config.reconnect_backoff_max = std::chrono::milliseconds(100);
  config.connect_timeout = std::chrono::seconds(5);
  return config;
}

inline GrpcTransportConfig tls_config(const std::string& system, LogSink& log,
                                      const TestCertificates& certificates, const std::string& node,
                                      const std::string& ca_path) {
  GrpcTransportConfig config = plaintext_config(system, log);
  config.plaintext = false;
  config.tls = GrpcTlsConfig{PemSource::file(ca_path),
                             PemSource::file(certificates.certificate(node)),
                             PemSource::file(certificates.key(node)),
                             {}};
  return config;
}

inline std::unique_ptr<GrpcTransport> make_transport(GrpcTransportConfig config) {
  auto created = GrpcTransport::create(std::move(config));
  if (!created.ok()) FAIL("GrpcTransport::create: " << created.error().message);
  return std::move(created).value();
}

}  // namespace orrery::test
