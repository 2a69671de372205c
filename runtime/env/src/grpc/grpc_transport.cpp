// GrpcTransport's public face over its Impl, plus the small shared pieces: counters, the capped
// error log, host:port formatting.
#include <orrery/core/assert.hpp>
#include <orrery/env/production/grpc_transport.hpp>

#include "grpc_config.hpp"
#include "transport_impl.hpp"

namespace orrery {

namespace grpc_transport {

GrpcTransportStats Counters::snapshot() const noexcept {
  const auto load = [](const std::atomic<std::uint64_t>& counter) {
    return counter.load(std::memory_order_relaxed);
  };
  GrpcTransportStats stats;
  stats.frames_sent = load(frames_sent);
  stats.bytes_sent = load(bytes_sent);
  stats.batches_sent = load(batches_sent);
  stats.frames_received = load(frames_received);
  stats.bytes_received = load(bytes_received);
  stats.batches_received = load(batches_received);
  stats.overflow_drops = load(overflow_drops);
  stats.too_large_drops = load(too_large_drops);
  stats.link_drops = load(link_drops);
  stats.unattached_drops = load(unattached_drops);
  stats.malformed_inbound = load(malformed_inbound);
  stats.oversized_inbound = load(oversized_inbound);
  stats.refused_inbound = load(refused_inbound);
  stats.connect_attempts = load(connect_attempts);
  stats.reconnects = load(reconnects);
  stats.connect_failures = load(connect_failures);
  stats.links_up = load(links_up);
  stats.links_down = load(links_down);
  return stats;
}

void ErrorLog::write(LogLevel level, std::string_view message) {
  if (logged_.load(std::memory_order_relaxed) > logged_max_) return;  // no wrap-around
  const std::uint32_t index = logged_.fetch_add(1, std::memory_order_relaxed);
  if (index > logged_max_) return;
  if (level < sink_.threshold()) return;
  if (index == logged_max_) {
    sink_.write(level, "grpc-transport",
                "more problems follow; they are counted in stats(), no longer logged");
    return;
  }
  sink_.write(level, "grpc-transport", message);
}

std::string host_port(std::string_view host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string_view::npos;
  std::string text;
  text.reserve(host.size() + 8);
  if (ipv6) text += '[';
  text += host;
  if (ipv6) text += ']';
  text += ':';
  text += std::to_string(port);
  return text;
}

}  // namespace grpc_transport

Result<std::unique_ptr<GrpcTransport>> GrpcTransport::create(GrpcTransportConfig config) {
  if (auto valid = validate(config); !valid) return valid.error();
  std::string ca, chain, key;
  if (config.tls) {
    auto ca_pem = grpc_transport::read_pem(config.tls->ca_certificate, "tls.ca_certificate");
    if (!ca_pem) return ca_pem.error();
    auto chain_pem =
        grpc_transport::read_pem(config.tls->certificate_chain, "tls.certificate_chain");
    if (!chain_pem) return chain_pem.error();
    auto key_pem = grpc_transport::read_pem(config.tls->private_key, "tls.private_key");
    if (!key_pem) return key_pem.error();
    ca = std::move(ca_pem).value();
    chain = std::move(chain_pem).value();
    key = std::move(key_pem).value();
  }
  auto impl =
      std::make_unique<Impl>(std::move(config), std::move(ca), std::move(chain), std::move(key));
  if (auto started = impl->start(); !started) return started.error();
  return std::unique_ptr<GrpcTransport>(new GrpcTransport(std::move(impl)));
}

GrpcTransport::GrpcTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  ORRERY_ASSERT(impl_ != nullptr);
  ORRERY_ASSERT(impl_->address().port != 0, "a started transport knows its port");
}

GrpcTransport::~GrpcTransport() {
  shutdown();
}

const NodeAddress& GrpcTransport::local_address() const noexcept {
  return impl_->address();
}

void GrpcTransport::attach(FrameSink& sink) {
  impl_->gate().attach(sink);
}

void GrpcTransport::detach() noexcept {
  impl_->gate().detach();
}

SendStatus GrpcTransport::send(const NodeAddress& to, Frame frame) {
  return impl_->send(to, std::move(frame));
}

void GrpcTransport::disconnect(const NodeAddress& peer) {
  impl_->disconnect(peer);
}

void GrpcTransport::shutdown() noexcept {
  impl_->shutdown();
}

GrpcTransportStats GrpcTransport::stats() const noexcept {
  return impl_->counters().snapshot();
}

const GrpcTransportConfig& GrpcTransport::config() const noexcept {
  return impl_->config();
}

}  // namespace orrery
