// GrpcTransport::Impl's life: credentials and channel arguments, the server (binding, limits,
// keepalive), the inbound stream registry, and a shutdown that waits for every callback.
#include "transport_impl.hpp"

#include <algorithm>
#include <climits>
#include <random>

#include <grpc/grpc_security_constants.h>

#include <orrery/core/assert.hpp>

#include "inbound_stream.hpp"
#include "outbound_stream.hpp"

namespace orrery {

using grpc_transport::Counters;
using grpc_transport::InboundStream;

namespace {

int milliseconds_of(Duration duration) {
  const auto count = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  return static_cast<int>(std::clamp<std::int64_t>(count, 1, INT_MAX));
}

std::shared_ptr<grpc::ServerCredentials> server_credentials(const GrpcTransportConfig& config,
                                                            const std::string& ca,
                                                            const std::string& chain,
                                                            const std::string& key) {
  if (!config.tls) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = ca;
  options.pem_key_cert_pairs.push_back({key, chain});
  return grpc::SslServerCredentials(options);
}

std::uint64_t seed_from_os() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

class GrpcTransport::Impl::Service final
    : public grpc_transport::wire::Link::WithRawCallbackMethod_Stream<
          grpc_transport::wire::Link::Service> {
 public:
  explicit Service(Impl& transport) : transport_(transport) {}
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Stream(
      grpc::CallbackServerContext* context) override {
    return transport_.open_inbound(context);
  }

 private:
  Impl& transport_;
};

GrpcTransport::Impl::Impl(GrpcTransportConfig config, std::string ca_pem, std::string chain_pem,
                          std::string key_pem)
    : address_(config.address),
      config_(std::move(config)),
      ca_pem_(std::move(ca_pem)),
      chain_pem_(std::move(chain_pem)),
      key_pem_(std::move(key_pem)),
      errors_(*config_.log, config_.errors_logged_max),
      random_(seed_from_os()) {
  ORRERY_ASSERT(config_.log != nullptr, "validate() lets no config without a log through");
  build_channel_arguments();
  if (config_.tls) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ca_pem_;
    options.pem_private_key = key_pem_;
    options.pem_cert_chain = chain_pem_;
    channel_credentials_ = grpc::SslCredentials(options);
  } else {
    channel_credentials_ = grpc::InsecureChannelCredentials();
  }
}

GrpcTransport::Impl::~Impl() {
  shutdown();
}

void GrpcTransport::Impl::build_channel_arguments() {
  // A fresh channel per attempt, with its own subchannel: our backoff alone decides when to
  // dial again, and no other transport in the process shares the connection.
  channel_arguments_.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  channel_arguments_.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  channel_arguments_.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
                            milliseconds_of(config_.keepalive_interval));
  channel_arguments_.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                            milliseconds_of(config_.keepalive_timeout));
  channel_arguments_.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  channel_arguments_.SetMaxReceiveMessageSize(64 << 10);  // replies are a few bytes
  channel_arguments_.SetMaxSendMessageSize(-1);           // our batches are bounded already
  if (config_.tls && !config_.tls->server_name_override.empty()) {
    channel_arguments_.SetSslTargetNameOverride(config_.tls->server_name_override);
  }
}

Status GrpcTransport::Impl::start() {
  service_ = std::make_unique<Service>(*this);
  const std::string host = config_.listen_host.empty() ? address_.host : config_.listen_host;
  const std::string listen = grpc_transport::host_port(host, address_.port);
  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(listen, server_credentials(config_, ca_pem_, chain_pem_, key_pem_),
                           &selected_port);
  builder.RegisterService(service_.get());
  // gRPC shares ports by default (SO_REUSEPORT): a second node on a used port must fail.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Messages between our limit and twice it are read, counted and refused by us; beyond that
  // gRPC refuses them itself, which bounds what a peer can make us buffer.
  const auto hard_limit = std::min<std::uint64_t>(2 * inbound_message_bytes_max(), INT_MAX);
  builder.SetMaxReceiveMessageSize(static_cast<int>(hard_limit));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             milliseconds_of(config_.keepalive_interval));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             milliseconds_of(config_.keepalive_timeout));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             milliseconds_of(config_.keepalive_interval / 2));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || selected_port <= 0 || selected_port > 65535) {
    server_.reset();
    return make_error(Errc::io_error,
                      "GrpcTransport cannot listen on " + listen +
                          ": the port is in use, the host is not local, or the certificates "
                          "were refused");
  }
  address_.port = static_cast<std::uint16_t>(selected_port);
  return {};
}

std::uint64_t GrpcTransport::Impl::inbound_message_bytes_max() const noexcept {
  return orrery::inbound_message_bytes_max(config_);
}

std::shared_ptr<grpc::Channel> GrpcTransport::Impl::make_channel(const NodeAddress& peer) const {
  return grpc::CreateCustomChannel(grpc_transport::host_port(peer.host, peer.port),
                                   channel_credentials_, channel_arguments_);
}

void GrpcTransport::Impl::callback_registered(Side side) noexcept {
  std::lock_guard guard(callbacks_mutex_);
  ++callbacks_pending_[static_cast<int>(side)];
}

void GrpcTransport::Impl::callback_finished(Side side) noexcept {
  std::lock_guard guard(callbacks_mutex_);
  std::uint64_t& pending = callbacks_pending_[static_cast<int>(side)];
  ORRERY_ASSERT(pending > 0, "a callback finished that never registered");
  if (--pending == 0) callbacks_idle_.notify_all();
}

void GrpcTransport::Impl::wait_for_callbacks(Side side) {
  std::unique_lock lock(callbacks_mutex_);
  callbacks_idle_.wait(lock, [&] { return callbacks_pending_[static_cast<int>(side)] == 0; });
}

void GrpcTransport::Impl::shutdown() noexcept {
  std::call_once(shutdown_once_, [this] {
    closed_.store(true, std::memory_order_release);
    // Outbound streams end first, while the server still holds gRPC's process-wide callback
    // queue: a stream's channel may then be let go on gRPC's own thread without being its
    // last holder (the server lets go of it in Shutdown, not in its destructor).
    cancel_outbound();
    wait_for_callbacks(Side::outbound);
    cancel_inbound(nullptr);
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
    wait_for_callbacks(Side::inbound);
    if (server_) server_->Wait();
  });
}

// ---- inbound streams ----

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* GrpcTransport::Impl::open_inbound(
    grpc::CallbackServerContext* context) {
  ORRERY_ASSERT(context != nullptr);
  auto* stream = new InboundStream(*this, *context);
  bool refuse = false;
  {
    std::lock_guard guard(inbound_mutex_);
    refuse = closed() || inbound_.size() >= config_.inbound_streams_max;
    if (!refuse) {
      stream->serial = ++inbound_serial_;
      inbound_.emplace(stream->serial, stream);
    }
    callback_registered(Side::inbound);
  }
  stream->start(refuse);
  return stream;
}

std::shared_ptr<grpc_transport::InboundSender> GrpcTransport::Impl::inbound_opened(
    InboundStream& stream, const NodeAddress& from) {
  std::shared_ptr<grpc_transport::InboundSender> sender;
  {
    std::lock_guard guard(inbound_mutex_);
    ORRERY_ASSERT(stream.serial != 0, "a refused stream cannot open");
    stream.opened_from = from;
    auto& slot = senders_[from];
    if (slot == nullptr) slot = std::make_shared<grpc_transport::InboundSender>();
    slot->current_serial.store(stream.serial, std::memory_order_release);
    sender = slot;
  }
  // A batch the previous stream is delivering finishes before this stream delivers anything;
  // the previous stream's next batch sees it was superseded.
  { std::lock_guard barrier(sender->delivery); }
  Counters::add(counters_.links_up);
  gate_.link_up(from);
  return sender;
}

void GrpcTransport::Impl::inbound_done(InboundStream& stream) {
  std::optional<NodeAddress> opened_from;
  {
    std::lock_guard guard(inbound_mutex_);
    if (stream.serial != 0) inbound_.erase(stream.serial);
    opened_from = stream.opened_from;
    if (opened_from) {
      // A newer stream from the same sender may have come and gone already (and taken the
      // entry with it); only the current stream's end removes the entry.
      const auto sender = senders_.find(*opened_from);
      maybe(sender == senders_.end());
      if (sender != senders_.end() &&
          sender->second->current_serial.load(std::memory_order_acquire) == stream.serial) {
        senders_.erase(sender);
      }
    }
  }
  if (opened_from) {
    Counters::add(counters_.links_down);
    gate_.link_down(*opened_from);
  }
}

void GrpcTransport::Impl::cancel_inbound(const NodeAddress* only) noexcept {
  std::vector<InboundStream*> chosen;
  {
    std::lock_guard guard(inbound_mutex_);
    for (const auto& [serial, stream] : inbound_) {
      if (only != nullptr && stream->opened_from != *only) continue;
      stream->retain();
      chosen.push_back(stream);
    }
  }
  for (InboundStream* stream : chosen) {
    stream->finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "disconnected"));
    stream->release();
  }
}

}  // namespace orrery
