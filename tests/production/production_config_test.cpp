// ProductionConfig from a configuration document: every key read, and errors that name the key
// and its line.

#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include <orrery/config/config_document.hpp>
#include <orrery/env/production/production_config.hpp>

#include "conformance/production_factories.hpp"

namespace {

using namespace std::chrono_literals;
using orrery::ConfigDocument;
using orrery::ProductionConfig;

orrery::Result<ProductionConfig> load(const std::string& text) {
  auto document = ConfigDocument::parse(text, "node.conf");
  REQUIRE(document.ok());
  return orrery::load_production_config(*document);
}

/// The error of loading `text`; REQUIREs that it fails.
std::string error_of(const std::string& text) {
  auto loaded = load(text);
  REQUIRE_FALSE(loaded.ok());
  return loaded.error().message;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("production config: a full document", "[production][config]") {
  auto config = load(R"(
    actor.system.name = orders          # another loader's key: left alone
    executor.workers = 4
    executor.spin-before-park = 20us
    executor.lifo-streak-max = 32
    storage.root = /var/lib/orders
    log.threshold = warning
    transport.kind = grpc
    transport.address = orders@10.0.0.7:2552
    transport.listen-host = 0.0.0.0
    transport.tls-ca-certificate = /etc/orders/ca.pem
    transport.tls-certificate-chain = /etc/orders/node.pem
    transport.tls-private-key = /etc/orders/node.key
    transport.frame-bytes-max = 2MiB
    transport.outbound-bytes-max = 64MiB
    transport.reconnect-backoff-max = 10s
    transport.peers-max = 100
  )");
  REQUIRE(config.ok());
  CHECK(config->executor.workers == 4);
  CHECK(config->executor.spin_before_park == 20us);
  CHECK(config->executor.lifo_streak_max == 32);
  CHECK(config->storage_root == "/var/lib/orders");
  CHECK(config->log_threshold == orrery::LogLevel::warning);
  REQUIRE(config->transport.has_value());
  const orrery::GrpcTransportConfig& transport = *config->transport;
  CHECK(transport.address == orrery::NodeAddress{"orders", "10.0.0.7", 2552});
  CHECK(transport.listen_host == "0.0.0.0");
  REQUIRE(transport.tls.has_value());
  CHECK(transport.tls->ca_certificate.path == "/etc/orders/ca.pem");
  CHECK(transport.tls->private_key.path == "/etc/orders/node.key");
  CHECK_FALSE(transport.plaintext);
  CHECK(transport.frame_bytes_max == 2u << 20);
  CHECK(transport.outbound_bytes_max == 64u << 20);
  CHECK(transport.reconnect_backoff_max == 10s);
  CHECK(transport.peers_max == 100);
  CHECK(transport.batch_frames_max == orrery::GrpcTransportConfig{}.batch_frames_max);
}

TEST_CASE("production config: defaults, and no transport unless asked", "[production][config]") {
  auto config = load("storage.root = data\n");
  REQUIRE(config.ok());
  CHECK(config->executor.workers == 0);
  CHECK(config->log_threshold == orrery::LogLevel::info);
  CHECK_FALSE(config->transport.has_value());
  CHECK(orrery::validate(*config).ok());
}

TEST_CASE("production config: errors name the key and its line", "[production][config]") {
  std::string error = error_of("storage.root = data\nexecutor.wrokers = 4\n");
  INFO(error);
  CHECK(contains(error, "node.conf:2"));
  CHECK(contains(error, "executor.wrokers"));

  error = error_of("storage.root = data\n\nexecutor.workers = 5000\n");
  CHECK(contains(error, "node.conf:3"));
  CHECK(contains(error, "executor.workers"));
  CHECK(contains(error, "outside"));

  error = error_of("storage.root = data\nlog.threshold = loud\n");
  CHECK(contains(error, "node.conf:2"));
  CHECK(contains(error, "log.threshold"));

  error = error_of("storage.root = data\ntransport.kind = grpc\ntransport.address = nonsense\n");
  CHECK(contains(error, "node.conf:3"));
  CHECK(contains(error, "transport.address"));

  error =
      error_of("storage.root = data\ntransport.frame-bytes-max = 1GiB\ntransport.kind = grpc\n");
  CHECK(contains(error, "node.conf:2"));
  CHECK(contains(error, "transport.frame-bytes-max"));
}

TEST_CASE("production config: what is missing or contradictory is an error",
          "[production][config]") {
  CHECK(contains(error_of("executor.workers = 2\n"), "storage.root"));
  CHECK(contains(error_of("storage.root =\n"), "storage.root"));
  // A transport key while the kind is none would be silently ignored.
  const std::string ignored = error_of("storage.root = d\ntransport.address = a@b:1\n");
  CHECK(contains(ignored, "node.conf:2"));
  CHECK(contains(ignored, "transport.kind"));
  CHECK(contains(error_of("storage.root = d\ntransport.kind = grpc\n"), "transport.address"));
  const std::string partial_tls = error_of(
      "storage.root = d\ntransport.kind = grpc\ntransport.address = a@b:1\n"
      "transport.tls-ca-certificate = ca.pem\n");
  CHECK(contains(partial_tls, "transport.tls-certificate-chain"));
}

TEST_CASE("production config: read from a file", "[production][config]") {
  orrery::conformance::TemporaryDirectory directory;
  const std::string path = directory.path() + "/node.conf";
  std::ofstream(path) << "storage.root = data\nlog.threshold = debug\n";
  auto document = orrery::read_config_file(path);
  REQUIRE(document.ok());
  CHECK(document->origin() == path);
  auto config = orrery::load_production_config(*document);
  REQUIRE(config.ok());
  CHECK(config->log_threshold == orrery::LogLevel::debug);
  CHECK(document->check_all_used().ok());

  auto missing = orrery::read_config_file(directory.path() + "/absent.conf");
  REQUIRE_FALSE(missing.ok());
  CHECK(contains(missing.error().message, directory.path() + "/absent.conf"));
  CHECK(contains(missing.error().message, "No such file or directory"));
}
