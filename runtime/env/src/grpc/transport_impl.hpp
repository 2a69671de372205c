#pragma once
// The gRPC transport's insides, shared by its parts: the counters, the capped error log, the
// per-peer outbound state, and GrpcTransport::Impl, which owns the server, the peers and the
// inbound streams and knows how many gRPC callbacks are still to come (shutdown waits for them).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <orrery/core/prng.hpp>
#include <orrery/env/production/grpc_transport.hpp>
#include <orrery/transport/v1/link.grpc.pb.h>

#include "sink_gate.hpp"

namespace orrery::grpc_transport {

namespace wire = ::orrery::transport::v1;
using SteadyTime = std::chrono::steady_clock::time_point;

/// The wire protocol's version, sent in every Open.
inline constexpr std::uint32_t protocol_version = 1;

struct Counters {
  std::atomic<std::uint64_t> frames_sent{0}, bytes_sent{0}, batches_sent{0};
  std::atomic<std::uint64_t> frames_received{0}, bytes_received{0}, batches_received{0};
  std::atomic<std::uint64_t> overflow_drops{0}, too_large_drops{0}, link_drops{0};
  std::atomic<std::uint64_t> unattached_drops{0};
  std::atomic<std::uint64_t> malformed_inbound{0}, oversized_inbound{0}, refused_inbound{0};
  std::atomic<std::uint64_t> connect_attempts{0}, reconnects{0}, connect_failures{0};
  std::atomic<std::uint64_t> links_up{0}, links_down{0};

  static void add(std::atomic<std::uint64_t>& counter, std::uint64_t amount = 1) noexcept {
    counter.fetch_add(amount, std::memory_order_relaxed);
  }
  GrpcTransportStats snapshot() const noexcept;
};

/// Logs the first `logged_max` problems and counts the rest silently, so that a peer sending
/// garbage in a loop cannot flood the log.
class ErrorLog {
 public:
  ErrorLog(LogSink& sink, std::uint32_t logged_max) : sink_(sink), logged_max_(logged_max) {}
  void write(LogLevel level, std::string_view message);

 private:
  LogSink& sink_;
  const std::uint32_t logged_max_;
  std::atomic<std::uint32_t> logged_{0};
};

class OutboundStream;
class InboundStream;

/// What this node holds for one peer it sends to. Everything is guarded by `mutex`; streams
/// and alarms hold the Peer alive through a shared_ptr.
struct Peer : std::enable_shared_from_this<Peer> {
  explicit Peer(NodeAddress peer_address) : address(std::move(peer_address)) {}

  const NodeAddress address;
  std::mutex mutex;
  /// Frames waiting for the stream, oldest first; bounded by outbound_frames_max and
  /// outbound_bytes_max.
  std::deque<Frame> queue;
  std::uint64_t queued_bytes = 0;
  /// The attempt or link in progress, if any (one at a time).
  OutboundStream* stream = nullptr;
  /// The backoff alarm, kept until the next one replaces it (never destroyed from inside its
  /// own callback); `backoff_pending` while it has not called back.
  std::shared_ptr<grpc::Alarm> backoff_alarm;
  bool backoff_pending = false;
  /// Consecutive failed attempts; 0 once a link is up.
  std::uint32_t failures = 0;
  SteadyTime next_attempt_at{};
};

/// One sender as the inbound side sees it. Only its newest stream delivers (a stream that is
/// superseded ends), and a batch is delivered whole under `delivery`, which a new stream passes
/// through before it delivers anything: frames from a sender never overtake each other across a
/// reconnect.
struct InboundSender {
  std::mutex delivery;
  /// The serial of the stream allowed to deliver; written under the transport's inbound mutex.
  std::atomic<std::uint64_t> current_serial{0};
};

/// What dial_or_wait_locked decided, to be carried out once the peer is unlocked.
struct Dial {
  OutboundStream* stream = nullptr;    // begin() it
  std::shared_ptr<grpc::Alarm> alarm;  // set it for `when`
  SteadyTime when{};
};

/// "host:port", with brackets around an IPv6 host.
std::string host_port(std::string_view host, std::uint16_t port);

}  // namespace orrery::grpc_transport

namespace orrery {

class GrpcTransport::Impl {
 public:
  using Peer = grpc_transport::Peer;
  using Dial = grpc_transport::Dial;

  Impl(GrpcTransportConfig config, std::string ca_pem, std::string chain_pem, std::string key_pem);
  ~Impl();

  /// Binds and starts the server; a port in use is an error.
  Status start();
  void shutdown() noexcept;

  SendStatus send(const NodeAddress& to, Frame frame);
  void disconnect(const NodeAddress& peer);

  // ---- for the streams and alarms ----
  const GrpcTransportConfig& config() const noexcept { return config_; }
  const NodeAddress& address() const noexcept { return address_; }
  grpc_transport::Counters& counters() noexcept { return counters_; }
  grpc_transport::ErrorLog& errors() noexcept { return errors_; }
  grpc_transport::SinkGate& gate() noexcept { return gate_; }
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }
  /// The largest gRPC message a well-behaved peer sends under this config.
  std::uint64_t inbound_message_bytes_max() const noexcept;
  std::shared_ptr<grpc::Channel> make_channel(const NodeAddress& peer) const;

  /// Every stream and alarm registers before gRPC may call it back and deregisters as its
  /// very last step; shutdown waits until none is left. Outbound ones (streams to peers and
  /// their alarms) are counted apart: they must all be gone before the server shuts down.
  enum class Side : std::uint8_t { outbound, inbound };
  void callback_registered(Side side) noexcept;
  void callback_finished(Side side) noexcept;

  /// With `peer` locked and no stream: an attempt now, or a backoff alarm, or nothing (closed,
  /// or an alarm already pending). Carry the result out with launch() once unlocked.
  Dial dial_or_wait_locked(const std::shared_ptr<Peer>& peer);
  void launch(const std::shared_ptr<Peer>& peer, Dial dial);
  Duration next_reconnect_delay(std::uint32_t failures);

  /// Inbound streams: the service asks for a reactor per call.
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* open_inbound(
      grpc::CallbackServerContext* context);
  /// Registers `stream` as the newest from `from` and waits out a batch an older stream from
  /// the same sender is delivering.
  std::shared_ptr<grpc_transport::InboundSender> inbound_opened(
      grpc_transport::InboundStream& stream, const NodeAddress& from);
  void inbound_done(grpc_transport::InboundStream& stream);

  /// The address with the real port once listening.
  NodeAddress address_;

 private:
  class Service;

  std::shared_ptr<Peer> find_or_add_peer(const NodeAddress& to);
  bool evict_idle_peer_locked();
  void on_backoff_done(Peer& peer, bool fired);
  void cancel_outbound() noexcept;
  void cancel_inbound(const NodeAddress* only) noexcept;
  void build_channel_arguments();

  GrpcTransportConfig config_;
  const std::string ca_pem_, chain_pem_, key_pem_;
  grpc_transport::Counters counters_;
  grpc_transport::ErrorLog errors_;
  grpc_transport::SinkGate gate_;
  std::atomic<bool> closed_{false};
  grpc::ChannelArguments channel_arguments_;
  std::shared_ptr<grpc::ChannelCredentials> channel_credentials_;

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;

  /// Peers by address; bounded by peers_max (idle peers are evicted to make room).
  std::shared_mutex peers_mutex_;
  std::map<NodeAddress, std::shared_ptr<Peer>> peers_;

  /// Open inbound streams by serial number; bounded by inbound_streams_max.
  std::mutex inbound_mutex_;
  std::map<std::uint64_t, grpc_transport::InboundStream*> inbound_;
  std::uint64_t inbound_serial_ = 0;
  /// Senders with an open stream; at most one entry per inbound stream.
  std::map<NodeAddress, std::shared_ptr<grpc_transport::InboundSender>> senders_;

  std::mutex random_mutex_;
  Xoshiro256 random_;

  void wait_for_callbacks(Side side);

  std::mutex callbacks_mutex_;
  std::condition_variable callbacks_idle_;
  std::uint64_t callbacks_pending_[2] = {0, 0};  // by Side
  std::once_flag shutdown_once_;
};

}  // namespace orrery
