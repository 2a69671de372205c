// The gRPC transport's configuration: validation that names the bad field, reading PEM data,
// and the reconnect backoff schedule.
#include "grpc_config.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <orrery/core/assert.hpp>
#include <orrery/env/production/grpc_transport.hpp>

namespace orrery {

namespace {

constexpr std::uint64_t message_bytes_limit = 256u << 20;  // keeps 2x a message within gRPC's int

Error bad_field(std::string_view field, std::string_view problem) {
  return make_error(Errc::invalid_argument,
                    "GrpcTransportConfig." + std::string(field) + " " + std::string(problem));
}

Status validate_pem_source(const PemSource& source, std::string_view field) {
  if (source.text.empty() == source.path.empty()) {
    return bad_field(field, "needs exactly one of text (PEM) or path (a PEM file)");
  }
  return {};
}

Status validate_tls(const GrpcTransportConfig& config) {
  if (config.tls.has_value() == config.plaintext) {
    return bad_field("tls", config.plaintext
                                ? "is set together with plaintext = true; choose one"
                                : "is missing: give CA, certificate chain and key for mutual "
                                  "TLS, or set plaintext = true explicitly");
  }
  if (!config.tls) return {};
  if (auto ok = validate_pem_source(config.tls->ca_certificate, "tls.ca_certificate"); !ok) {
    return ok;
  }
  if (auto ok = validate_pem_source(config.tls->certificate_chain, "tls.certificate_chain"); !ok) {
    return ok;
  }
  return validate_pem_source(config.tls->private_key, "tls.private_key");
}

Status validate_bounds(const GrpcTransportConfig& config) {
  if (config.outbound_frames_max == 0) return bad_field("outbound_frames_max", "must be >= 1");
  if (config.frame_bytes_max == 0 || config.frame_bytes_max > message_bytes_limit) {
    return bad_field("frame_bytes_max", "must be in [1, 256 MiB]");
  }
  if (config.outbound_bytes_max < config.frame_bytes_max) {
    return bad_field("outbound_bytes_max", "must be >= frame_bytes_max (or no maximal frame fits)");
  }
  if (config.batch_frames_max == 0 || config.batch_frames_max > 1'000'000) {
    return bad_field("batch_frames_max", "must be in [1, 1000000]");
  }
  if (config.batch_bytes_max == 0 || config.batch_bytes_max > message_bytes_limit) {
    return bad_field("batch_bytes_max", "must be in [1, 256 MiB]");
  }
  if (config.peers_max == 0) return bad_field("peers_max", "must be >= 1");
  if (config.inbound_streams_max == 0) return bad_field("inbound_streams_max", "must be >= 1");
  return {};
}

Status validate_times(const GrpcTransportConfig& config) {
  using std::chrono::milliseconds;
  if (config.reconnect_backoff_min < milliseconds(1)) {
    return bad_field("reconnect_backoff_min", "must be at least 1 ms");
  }
  if (config.reconnect_backoff_max < config.reconnect_backoff_min) {
    return bad_field("reconnect_backoff_max", "must be >= reconnect_backoff_min");
  }
  if (config.reconnect_jitter_permille > 1000) {
    return bad_field("reconnect_jitter_permille", "must be in [0, 1000]");
  }
  if (config.connect_timeout < milliseconds(1)) {
    return bad_field("connect_timeout", "must be at least 1 ms");
  }
  if (config.keepalive_interval < milliseconds(1)) {
    return bad_field("keepalive_interval", "must be at least 1 ms");
  }
  if (config.keepalive_timeout < milliseconds(1)) {
    return bad_field("keepalive_timeout", "must be at least 1 ms");
  }
  return {};
}

}  // namespace

Status validate(const GrpcTransportConfig& config) {
  if (config.address.system.empty()) return bad_field("address.system", "is empty");
  if (config.address.host.empty()) return bad_field("address.host", "is empty");
  if (config.log == nullptr) return bad_field("log", "is not set (a LogSink is required)");
  if (auto ok = validate_tls(config); !ok) return ok;
  if (auto ok = validate_bounds(config); !ok) return ok;
  return validate_times(config);
}

Duration reconnect_delay(const GrpcTransportConfig& config, std::uint32_t failures,
                         std::uint64_t random_word) noexcept {
  if (failures == 0) return Duration::zero();
  Duration base = config.reconnect_backoff_min;
  for (std::uint32_t doubling = 1; doubling < failures && base < config.reconnect_backoff_max;
       ++doubling) {
    base *= 2;
  }
  base = std::min(base, config.reconnect_backoff_max);
  // Lemire's mapping of the word's top half onto [0, jitter_permille]: integer-only, and
  // unbiased enough for spreading reconnects.
  const auto extra_permille = static_cast<std::int64_t>(
      ((random_word >> 32) * (config.reconnect_jitter_permille + 1ULL)) >> 32);
  const Duration delay = base + base * extra_permille / 1000;
  ORRERY_ASSERT(delay >= config.reconnect_backoff_min, "a backoff below its minimum");
  return delay;
}

std::uint64_t inbound_message_bytes_max(const GrpcTransportConfig& config) noexcept {
  // The frames of a batch (one frame alone may pass batch_bytes_max), plus a tag and a length of
  // at most 5 bytes per frame, plus the batch's own tag and length.
  const std::uint64_t payload =
      std::max<std::uint64_t>(config.batch_bytes_max, config.frame_bytes_max);
  return payload + 6ULL * config.batch_frames_max + 16;
}

namespace grpc_transport {

Result<std::string> read_pem(const PemSource& source, std::string_view field) {
  std::string pem = source.text;
  if (!source.path.empty()) {
    std::ifstream file(source.path, std::ios::binary);
    std::ostringstream contents;
    if (file) contents << file.rdbuf();
    if (!file || file.bad()) {
      return make_error(Errc::io_error, "GrpcTransportConfig." + std::string(field) +
                                            ": cannot read '" + source.path + "'");
    }
    pem = std::move(contents).str();
  }
  if (pem.find("-----BEGIN ") == std::string::npos) {
    return make_error(Errc::invalid_argument, "GrpcTransportConfig." + std::string(field) + ": " +
                                                  (source.path.empty() ? std::string("the text")
                                                                       : "'" + source.path + "'") +
                                                  " holds no PEM data");
  }
  return pem;
}

}  // namespace grpc_transport

}  // namespace orrery
