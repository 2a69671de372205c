// ProductionConfig: validation, the configuration file's schemas, and reading the file.

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <orrery/config/config_schema.hpp>
#include <orrery/env/production/production_config.hpp>

#include "posix_errors.hpp"

namespace orrery {

namespace {

using namespace std::chrono_literals;

/// The table [transport]: the gRPC config's own fields plus those that are not plain values
/// there (the kind, the address, the TLS files).
struct TransportSection : GrpcTransportConfig {
  enum class Kind : std::uint8_t { none, grpc };
  Kind kind = Kind::none;
  std::string address_text;
  std::string tls_ca_certificate;
  std::string tls_certificate_chain;
  std::string tls_private_key;
  std::string tls_server_name_override;
  // Byte sizes as 64-bit values so that "1MiB" parses; narrowed after the range check. The
  // defaults are the gRPC config's, so the reference check sees a drift between the two.
  std::uint64_t frame_bytes = GrpcTransportConfig{}.frame_bytes_max;
  std::uint64_t batch_bytes = GrpcTransportConfig{}.batch_bytes_max;
};

constexpr std::uint64_t message_bytes_limit = 256u << 20;

std::vector<std::pair<std::string, LogLevel>> level_names() {
  return {{"debug", LogLevel::debug},
          {"info", LogLevel::info},
          {"warning", LogLevel::warning},
          {"error", LogLevel::error}};
}

ConfigSchema<ThreadPoolConfig> executor_schema() {
  ConfigSchema<ThreadPoolConfig> schema("executor");
  schema.integer("workers", &ThreadPoolConfig::workers, 0, 1024)
      .duration("spin-before-park", &ThreadPoolConfig::spin_before_park, 0ns, 10ms)
      .duration("spin-pausing", &ThreadPoolConfig::spin_pausing, 0ns, 10ms)
      .integer("lifo-streak-max", &ThreadPoolConfig::lifo_streak_max, 1, 1'000'000);
  return schema;
}

/// [storage]: no check on the root here, so that the reference file can show its default (empty);
/// load_production_config() refuses an empty root.
ConfigSchema<ProductionConfig> storage_schema() {
  ConfigSchema<ProductionConfig> schema("storage");
  schema.string("root", &ProductionConfig::storage_root);
  return schema;
}

ConfigSchema<ProductionConfig> log_schema() {
  ConfigSchema<ProductionConfig> schema("log");
  schema.enumeration("threshold", &ProductionConfig::log_threshold, level_names());
  return schema;
}

/// Integer and duration fields of the base need their template arguments spelled out: a
/// pointer to a base's member converts to the section's, but is not deduced as one.
ConfigSchema<TransportSection> transport_schema() {
  using Section = TransportSection;
  using U32 = std::uint32_t;
  using Rep = Duration::rep;
  using Period = Duration::period;
  ConfigSchema<Section> schema("transport");
  schema
      .enumeration("kind", &Section::kind,
                   {{"none", Section::Kind::none}, {"grpc", Section::Kind::grpc}})
      .string("address", &Section::address_text)
      .string("listen-host", &Section::listen_host)
      .boolean("plaintext", &Section::plaintext)
      .string("tls-ca-certificate", &Section::tls_ca_certificate)
      .string("tls-certificate-chain", &Section::tls_certificate_chain)
      .string("tls-private-key", &Section::tls_private_key)
      .string("tls-server-name-override", &Section::tls_server_name_override)
      .integer<U32>("outbound-frames-max", &Section::outbound_frames_max, 1, 10'000'000)
      .bytes("outbound-bytes-max", &Section::outbound_bytes_max, 1, 1ull << 36)
      .bytes("frame-bytes-max", &Section::frame_bytes, 1, message_bytes_limit)
      .integer<U32>("batch-frames-max", &Section::batch_frames_max, 1, 1'000'000)
      .bytes("batch-bytes-max", &Section::batch_bytes, 1, message_bytes_limit)
      .duration<Rep, Period>("reconnect-backoff-min", &Section::reconnect_backoff_min, 1ms, 1h)
      .duration<Rep, Period>("reconnect-backoff-max", &Section::reconnect_backoff_max, 1ms, 1h)
      .integer<U32>("reconnect-jitter-permille", &Section::reconnect_jitter_permille, 0, 1000)
      .duration<Rep, Period>("connect-timeout", &Section::connect_timeout, 1ms, 1h)
      .duration<Rep, Period>("keepalive-interval", &Section::keepalive_interval, 1ms, 1h)
      .duration<Rep, Period>("keepalive-timeout", &Section::keepalive_timeout, 1ms, 1h)
      .integer<U32>("peers-max", &Section::peers_max, 1, 1'000'000)
      .integer<U32>("inbound-streams-max", &Section::inbound_streams_max, 1, 1'000'000)
      .integer<U32>("errors-logged-max", &Section::errors_logged_max, 0, 1'000'000);
  return schema;
}

Error error_at(const ConfigDocument& document, std::string_view key, std::string_view problem) {
  const ConfigDocument::Entry* entry = document.find(key);
  const std::uint32_t line = entry != nullptr ? entry->line : 0;
  return make_error(Errc::invalid_argument,
                    fmt::format("{}:{}: key '{}': {}", document.origin(), line, key, problem));
}

/// With [transport] kind = "none", any other transport key is a mistake, not a silent no-op.
Status check_no_transport_keys(const ConfigDocument& document) {
  for (const auto& [key, entry] : document.entries()) {
    if (key.starts_with("transport.") && key != "transport.kind") {
      return error_at(document, key, "is set but transport.kind is \"none\" (set it to \"grpc\")");
    }
  }
  return {};
}

/// The TLS files: all three or none.
Result<std::optional<GrpcTlsConfig>> tls_from(const ConfigDocument& document,
                                              const TransportSection& section) {
  const bool any = !section.tls_ca_certificate.empty() || !section.tls_certificate_chain.empty() ||
                   !section.tls_private_key.empty();
  if (!any) return std::optional<GrpcTlsConfig>();
  const std::pair<const char*, const std::string*> files[] = {
      {"transport.tls-ca-certificate", &section.tls_ca_certificate},
      {"transport.tls-certificate-chain", &section.tls_certificate_chain},
      {"transport.tls-private-key", &section.tls_private_key}};
  for (const auto& [key, path] : files) {
    if (path->empty()) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{}: key '{}' is missing: mutual TLS needs the CA, the "
                                    "certificate chain and the private key",
                                    document.origin(), key));
    }
  }
  return std::optional<GrpcTlsConfig>(GrpcTlsConfig{
      PemSource::file(section.tls_ca_certificate), PemSource::file(section.tls_certificate_chain),
      PemSource::file(section.tls_private_key), section.tls_server_name_override});
}

Result<std::optional<GrpcTransportConfig>> load_transport(const ConfigDocument& document) {
  TransportSection section;
  if (auto applied = transport_schema().apply(document, section); !applied) return applied.error();
  if (section.kind == TransportSection::Kind::none) {
    if (auto clean = check_no_transport_keys(document); !clean) return clean.error();
    return std::optional<GrpcTransportConfig>();
  }
  auto address = NodeAddress::parse(section.address_text);
  if (!address) {
    if (document.find("transport.address") == nullptr) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{}: key 'transport.address' is missing (system@host:port)",
                                    document.origin()));
    }
    return error_at(document, "transport.address", address.error().message);
  }
  auto tls = tls_from(document, section);
  if (!tls) return tls.error();
  GrpcTransportConfig config = static_cast<const GrpcTransportConfig&>(section);
  config.address = std::move(address).value();
  config.tls = std::move(tls).value();
  config.frame_bytes_max = static_cast<std::uint32_t>(section.frame_bytes);
  config.batch_bytes_max = static_cast<std::uint32_t>(section.batch_bytes);
  return std::optional<GrpcTransportConfig>(std::move(config));
}

}  // namespace

Status validate(const ProductionConfig& config) {
  if (config.storage_root.empty()) {
    return make_error(Errc::invalid_argument, "ProductionConfig.storage_root is empty");
  }
  if (config.executor.workers > 1024) {
    return make_error(Errc::invalid_argument, "ProductionConfig.executor.workers is above 1024");
  }
  if (config.executor.lifo_streak_max == 0) {
    return make_error(Errc::invalid_argument, "ProductionConfig.executor.lifo_streak_max is 0");
  }
  return {};
}

Result<ProductionConfig> load_production_config(const ConfigDocument& document) {
  ProductionConfig config;
  if (auto applied = executor_schema().apply(document, config.executor); !applied) {
    return applied.error();
  }
  if (auto applied = storage_schema().apply(document, config); !applied) return applied.error();
  if (auto applied = log_schema().apply(document, config); !applied) return applied.error();
  auto transport = load_transport(document);
  if (!transport) return transport.error();
  config.transport = std::move(transport).value();
  if (config.storage_root.empty()) {
    if (document.find("storage.root") != nullptr) {
      return error_at(document, "storage.root", "must not be empty");
    }
    return make_error(Errc::invalid_argument,
                      fmt::format("{}: key 'storage.root' is missing (the directory for journals "
                                  "and snapshots)",
                                  document.origin()));
  }
  return config;
}

std::vector<ConfigSection> production_config_sections() {
  return {executor_schema().section(), storage_schema().section(), log_schema().section(),
          transport_schema().section()};
}

Result<ConfigDocument> read_config_file(const std::string& path) {
  constexpr std::size_t config_bytes_max = 1u << 20;  // a node's config, not a data file
  int descriptor = -1;
  do {
    descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (descriptor < 0 && errno == EINTR);
  if (descriptor < 0) return posix::make_posix_error("read config", path, errno);
  std::string text;
  char buffer[8192];
  for (;;) {
    const ssize_t got = ::read(descriptor, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int read_error = errno;
      ::close(descriptor);
      return posix::make_posix_error("read config", path, read_error);
    }
    if (got == 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
    if (text.size() > config_bytes_max) {
      ::close(descriptor);
      return make_error(
          Errc::invalid_argument,
          fmt::format("read config '{}': larger than {} bytes", path, config_bytes_max));
    }
  }
  ::close(descriptor);
  return ConfigDocument::parse(text, path);
}

}  // namespace orrery
