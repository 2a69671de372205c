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
  auto document = ConfigDocument::parse(text, "node.toml");
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
    [actor.system]
    name = "orders"                   # another loader's key: left alone

    [executor]
    workers = 4
    spin-before-park = "20us"
    lifo-streak-max = 32

    [storage]
    root = "/var/lib/orders"

    [log]
    threshold = "warning"

    [transport]
    kind = "grpc"
    address = "orders@10.0.0.7:2552"
    listen-host = "0.0.0.0"
    tls-ca-certificate = "/etc/orders/ca.pem"
    tls-certificate-chain = "/etc/orders/node.pem"
    tls-private-key = "/etc/orders/node.key"
    frame-bytes-max = "2MiB"
    outbound-bytes-max = "64MiB"
    reconnect-backoff-max = "10s"
    peers-max = 100
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
  auto config = load("[storage]\nroot = \"data\"\n");
  REQUIRE(config.ok());
  CHECK(config->executor.workers == 0);
  CHECK(config->log_threshold == orrery::LogLevel::info);
  CHECK_FALSE(config->transport.has_value());
  CHECK(orrery::validate(*config).ok());
}

TEST_CASE("production config: errors name the file, the line and the key", "[production][config]") {
  const std::string storage = "[storage]\nroot = \"data\"\n";
  CHECK(error_of(storage + "[executor]\nwrokers = 4\n") ==
        "node.toml:4: unknown key 'executor.wrokers' (known in [executor]: workers, "
        "spin-before-park, spin-pausing, lifo-streak-max)");
  CHECK(error_of(storage + "[executor]\n\nworkers = 5000\n") ==
        "node.toml:5: key 'executor.workers': 5000 is outside [0, 1024]");
  CHECK(error_of(storage + "[executor]\nworkers = \"4\"\n") ==
        "node.toml:4: key 'executor.workers': expected an integer, got a string (4)");
  CHECK(error_of(storage + "[log]\nthreshold = \"loud\"\n") ==
        "node.toml:4: key 'log.threshold': 'loud' is not one of: debug, info, warning, error");
  CHECK(error_of(storage + "[transport]\nkind = \"grpc\"\naddress = \"nonsense\"\n")
            .starts_with("node.toml:5: key 'transport.address': "));
  CHECK(error_of(storage + "[transport]\nframe-bytes-max = \"1GiB\"\nkind = \"grpc\"\n") ==
        "node.toml:4: key 'transport.frame-bytes-max': 1073741824 bytes is outside [1, "
        "268435456]");
  CHECK(error_of(storage + "[transport]\nplaintext = \"yes\"\n") ==
        "node.toml:4: key 'transport.plaintext': expected a boolean (true or false), got a "
        "string (yes)");
}

TEST_CASE("production config: sizes and durations need their units", "[production][config]") {
  const std::string head = "[storage]\nroot = \"data\"\n[transport]\nkind = \"grpc\"\n";
  CHECK(error_of(head + "frame-bytes-max = 4096\n") ==
        "node.toml:5: key 'transport.frame-bytes-max': 4096 has no unit: write a string such as "
        "\"64KiB\"");
  CHECK(error_of(head + "frame-bytes-max = \"4096\"\n") ==
        "node.toml:5: key 'transport.frame-bytes-max': '4096' has no unit (write e.g. \"4096B\" "
        "or \"4096KiB\")");
  CHECK(error_of(head + "frame-bytes-max = \"1TB\"\n") ==
        "node.toml:5: key 'transport.frame-bytes-max': '1TB' has an unknown size unit 'TB' (B, "
        "KiB, MiB, GiB)");
  CHECK(error_of(head + "connect-timeout = 5\n") ==
        "node.toml:5: key 'transport.connect-timeout': 5 has no unit: write a string such as "
        "\"250ms\"");
  CHECK(error_of(head + "connect-timeout = \"5 fortnights\"\n") ==
        "node.toml:5: key 'transport.connect-timeout': '5 fortnights' has an unknown time unit "
        "'fortnights' (ns, us, ms, s, m, h)");
  auto sized = load(head +
                    "address = \"a@b:1\"\nplaintext = true\nbatch-bytes-max = \"64KiB\"\n"
                    "outbound-bytes-max = \"4MiB\"\nkeepalive-interval = \"250ms\"\n");
  REQUIRE(sized.ok());
  CHECK(sized->transport->batch_bytes_max == 64u << 10);
  CHECK(sized->transport->outbound_bytes_max == 4u << 20);
  CHECK(sized->transport->keepalive_interval == 250ms);
}

TEST_CASE("production config: what is missing or contradictory is an error",
          "[production][config]") {
  CHECK(error_of("[executor]\nworkers = 2\n") ==
        "node.toml: key 'storage.root' is missing (the directory for journals and snapshots)");
  CHECK(error_of("[storage]\nroot = \"\"\n") ==
        "node.toml:2: key 'storage.root': must not be empty");
  // A transport key while the kind is none would be silently ignored.
  CHECK(error_of("[storage]\nroot = \"d\"\n[transport]\naddress = \"a@b:1\"\n") ==
        "node.toml:4: key 'transport.address': is set but transport.kind is \"none\" (set it to "
        "\"grpc\")");
  CHECK(contains(error_of("[storage]\nroot = \"d\"\n[transport]\nkind = \"grpc\"\n"),
                 "transport.address"));
  const std::string partial_tls = error_of(
      "[storage]\nroot = \"d\"\n[transport]\nkind = \"grpc\"\naddress = \"a@b:1\"\n"
      "tls-ca-certificate = \"ca.pem\"\n");
  CHECK(contains(partial_tls, "transport.tls-certificate-chain"));
}

TEST_CASE("production config: read from a file", "[production][config]") {
  orrery::conformance::TemporaryDirectory directory;
  const std::string path = directory.path() + "/node.toml";
  std::ofstream(path) << "[storage]\nroot = \"data\"\n\n[log]\nthreshold = \"debug\"\n";
  auto document = orrery::read_config_file(path);
  REQUIRE(document.ok());
  CHECK(document->origin() == path);
  auto config = orrery::load_production_config(*document);
  REQUIRE(config.ok());
  CHECK(config->log_threshold == orrery::LogLevel::debug);
  CHECK(document->check_all_used().ok());

  const std::string broken = directory.path() + "/broken.toml";
  std::ofstream(broken) << "[storage]\nroot = \"data\"\n[log\n";
  auto unparsed = orrery::read_config_file(broken);
  REQUIRE_FALSE(unparsed.ok());
  CHECK(unparsed.error().message.starts_with(broken + ":3: "));

  auto missing = orrery::read_config_file(directory.path() + "/absent.toml");
  REQUIRE_FALSE(missing.ok());
  CHECK(contains(missing.error().message, directory.path() + "/absent.toml"));
  CHECK(contains(missing.error().message, "No such file or directory"));
}
