#pragma once
// GrpcTransport: the production Transport. Frames travel over gRPC bidirectional streams, one
// long-lived stream per sending node and peer (each node dials the peers it sends to), coalesced
// into batches while a write is in flight, bounded per peer, over mutual TLS unless plaintext is
// asked for explicitly. Peers that go away are redialled with exponential backoff and jitter while
// there is traffic for them.
//
//   GrpcTransportConfig config;
//   config.address = {"shop", "10.0.0.7", 2552};
//   config.tls = GrpcTlsConfig{PemSource::file("ca.pem"), PemSource::file("node.pem"),
//                              PemSource::file("node.key")};
//   config.log = &log_sink;
//   auto transport = GrpcTransport::create(std::move(config));   // Result: a used port is an error
//
// Why one stream per direction rather than one per pair: each direction's order and back-pressure
// then belong to one sender alone, two nodes dialling each other at once need no tie-break, and the
// receiver learns who is sending from the stream's first message. The price is two connections per
// pair of nodes that talk both ways.
//
// The sink is called from gRPC's callback threads, which are few and shared by the whole process:
// its callbacks must be brief and must not block. A peer is "up" for the sink while at least one
// stream to or from it is; on_link_up and on_link_down alternate per peer.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <orrery/core/result.hpp>
#include <orrery/core/time.hpp>
#include <orrery/env/log_sink.hpp>
#include <orrery/env/transport.hpp>

namespace orrery {

/// PEM data, given inline or as a file to read at creation (exactly one of the two).
struct PemSource {
  std::string text;
  std::string path;

  static PemSource inline_text(std::string pem) { return PemSource{std::move(pem), {}}; }
  static PemSource file(std::string file_path) { return PemSource{{}, std::move(file_path)}; }
};

/// Mutual TLS: this node presents its certificate chain, and both sides verify the other's
/// certificate against the CA. A server refuses clients without a valid certificate.
struct GrpcTlsConfig {
  PemSource ca_certificate;
  PemSource certificate_chain;
  PemSource private_key;
  /// The name a server's certificate must carry when it is not the host dialled (empty: the
  /// host of the peer's NodeAddress, so certificates name the address, e.g. IP:10.0.0.7).
  std::string server_name_override;
};

struct GrpcTransportConfig {
  /// This node: its system name, and the host and port peers reach it at. Port 0 picks a free
  /// port; local_address() then reports the real one.
  NodeAddress address;
  /// Where to listen, when not address.host (e.g. "0.0.0.0" behind an advertised address).
  std::string listen_host;
  /// Mutual TLS settings; or plaintext = true. With neither, creation fails.
  std::optional<GrpcTlsConfig> tls;
  bool plaintext = false;
  /// Where errors about bad input and failed links are logged. Required; must outlive the
  /// transport.
  LogSink* log = nullptr;

  /// Frames and bytes queued per peer before send() answers overflow.
  std::uint32_t outbound_frames_max = 10'000;
  std::uint64_t outbound_bytes_max = 32u << 20;
  /// The largest frame send() takes, and the largest a peer may send us.
  std::uint32_t frame_bytes_max = 1u << 20;
  /// What one gRPC message carries at most (a single frame above batch_bytes_max goes alone).
  /// Peers must agree on these: larger inbound batches are refused as oversized.
  std::uint32_t batch_frames_max = 4096;
  std::uint32_t batch_bytes_max = 1u << 20;

  /// Redialling a peer: the delay doubles per failed attempt from min to max, each stretched by
  /// a random factor in [1, 1 + jitter_permille / 1000].
  Duration reconnect_backoff_min = std::chrono::milliseconds(50);
  Duration reconnect_backoff_max = std::chrono::seconds(5);
  std::uint32_t reconnect_jitter_permille = 200;
  /// A stream not accepted within this is abandoned (counted as a failed attempt).
  Duration connect_timeout = std::chrono::seconds(5);
  /// HTTP/2 pings on idle connections, so that a peer that vanished is noticed.
  Duration keepalive_interval = std::chrono::seconds(10);
  Duration keepalive_timeout = std::chrono::seconds(5);

  /// Peers this node keeps outbound state for, and inbound streams it serves at once.
  std::uint32_t peers_max = 4096;
  std::uint32_t inbound_streams_max = 4096;
  /// Errors logged (the first ones); every one is counted.
  std::uint32_t errors_logged_max = 100;
};

/// Checks every field; the error names the first bad one. create() calls it.
Status validate(const GrpcTransportConfig& config);

/// The delay before attempt number `failures` (1 = the first after a failure) to reach a peer:
/// min * 2^(failures-1), at most max, then jittered. `random_word` is a uniformly random word.
Duration reconnect_delay(const GrpcTransportConfig& config, std::uint32_t failures,
                         std::uint64_t random_word) noexcept;

/// The largest gRPC message a peer may send under `config`: a batch's frames plus protobuf's
/// framing. Larger ones are refused and counted as oversized.
std::uint64_t inbound_message_bytes_max(const GrpcTransportConfig& config) noexcept;

/// What the transport did and refused. Frames and bytes count frame payloads.
struct GrpcTransportStats {
  std::uint64_t frames_sent = 0;  // handed to gRPC in completed writes
  std::uint64_t bytes_sent = 0;
  std::uint64_t batches_sent = 0;
  std::uint64_t frames_received = 0;  // delivered to the sink
  std::uint64_t bytes_received = 0;
  std::uint64_t batches_received = 0;
  std::uint64_t overflow_drops = 0;     // send() answered overflow
  std::uint64_t too_large_drops = 0;    // send() answered too_large
  std::uint64_t link_drops = 0;         // queued or in-flight frames lost with a link or disconnect
  std::uint64_t unattached_drops = 0;   // inbound frames that arrived with no sink attached
  std::uint64_t malformed_inbound = 0;  // unparseable message, missing or bad opening
  std::uint64_t oversized_inbound = 0;  // a batch or frame above the limits
  std::uint64_t refused_inbound = 0;    // inbound streams over inbound_streams_max
  std::uint64_t connect_attempts = 0;
  std::uint64_t reconnects = 0;  // attempts after a failure or a lost link
  std::uint64_t connect_failures = 0;
  std::uint64_t links_up = 0;  // outbound streams accepted plus inbound streams opened
  std::uint64_t links_down = 0;
};

class GrpcTransport final : public Transport {
 public:
  /// Validates the config, reads the PEM files, and starts listening. A port in use, bad
  /// certificates or a bad field are errors.
  static Result<std::unique_ptr<GrpcTransport>> create(GrpcTransportConfig config);
  /// Shuts down: streams closed, callbacks finished; none into the sink after it returns. Not
  /// from inside a sink callback (it waits for the callbacks to finish).
  ~GrpcTransport() override;
  GrpcTransport(const GrpcTransport&) = delete;
  GrpcTransport& operator=(const GrpcTransport&) = delete;

  const NodeAddress& local_address() const noexcept override;
  void attach(FrameSink& sink) override;
  void detach() noexcept override;
  /// Queues the frame; when the peer's stream is up and idle, writes it from this thread.
  SendStatus send(const NodeAddress& to, Frame frame) override;
  /// Drops the outbound stream, its queue, and the inbound streams from `peer`. A later send
  /// dials again at once.
  void disconnect(const NodeAddress& peer) override;

  /// Stops everything (idempotent); send() then answers closed, and queued frames are dropped
  /// (counted in link_drops). Not from inside a sink callback. The destructor calls it.
  void shutdown() noexcept;
  GrpcTransportStats stats() const noexcept;
  const GrpcTransportConfig& config() const noexcept;

  class Impl;

 private:
  explicit GrpcTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orrery
