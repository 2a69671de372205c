#pragma once
// ProductionConfig: what a production node's Env is built from, in code or from the node's
// configuration file (the same TOML document the actor system reads; see config_document.hpp
// and, for every key with its default, docs/reference.toml):
//
//   [executor]
//   workers = 4                                # 0: one per hardware thread
//   spin-before-park = "50us"
//   lifo-streak-max = 64
//
//   [storage]
//   root = "/var/lib/orders"                   # required
//
//   [log]
//   threshold = "info"                         # debug | info | warning | error
//
//   [transport]
//   kind = "grpc"                              # "none" (the default) | "grpc"
//   address = "orders@10.0.0.7:2552"
//   listen-host = "0.0.0.0"
//   tls-ca-certificate = "/etc/orders/ca.pem"
//   tls-certificate-chain = "/etc/orders/node.pem"
//   tls-private-key = "/etc/orders/node.key"
//   frame-bytes-max = "1MiB"                   # and the other GrpcTransportConfig limits
//
// Unknown keys in these tables, wrong types and values out of range are errors naming the file,
// the key and its line; so is a [transport] key other than kind while kind is "none".

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <orrery/config/config_document.hpp>
#include <orrery/config/config_schema.hpp>
#include <orrery/core/result.hpp>
#include <orrery/env/log_sink.hpp>
#include <orrery/env/production/grpc_transport.hpp>
#include <orrery/env/production/thread_pool_executor.hpp>

namespace orrery {

struct ProductionConfig {
  /// The thread pool (its workers, idle spinning, fairness).
  ThreadPoolConfig executor;
  /// The directory Storage paths are relative to; created when missing. Required.
  std::string storage_root;
  /// Log lines below this level are dropped.
  LogLevel log_threshold = LogLevel::info;
  /// The gRPC transport, or none: a NullTransport whose send() answers closed. The transport's
  /// `log` may stay null: the env's own log sink is used then.
  std::optional<GrpcTransportConfig> transport;
};

/// Checks the fields ProductionEnv::create() relies on; the error names the first bad one.
Status validate(const ProductionConfig& config);

/// Reads the tables [executor], [storage], [log] and [transport] over the defaults. Keys of other
/// subsystems are left for their loaders; call document.check_all_used() after all of them.
Result<ProductionConfig> load_production_config(const ConfigDocument& document);

/// The schemas load_production_config() reads, for the reference-file check (each compares the
/// reference with its struct's defaults).
std::vector<ConfigSection> production_config_sections();

/// Reads and parses a TOML configuration file (at most 1 MiB); errors name the file (and, when
/// parsing, the line). The library parses text; reading the file is this production function's.
Result<ConfigDocument> read_config_file(const std::string& path);

}  // namespace orrery
