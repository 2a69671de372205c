#pragma once
// Transport: frames (opaque bytes) between node addresses, and link up/down events. Production:
// gRPC bidirectional streams (mTLS); simulator: SimNetwork with its latency and faults. Remoting
// puts its protocol on top; the transport knows nothing of actors.

#include <compare>
#include <cstdint>
#include <optional>
#include <orrery/core/result.hpp>
#include <string>
#include <string_view>

namespace orrery {

/// Where a node listens: `system@host:port`. The system name is part of the identity so that a
/// message meant for another actor system on a reused port is refused.
struct NodeAddress {
  std::string system;
  std::string host;
  std::uint16_t port = 0;

  std::string to_string() const;  // "system@host:port"
  static Result<NodeAddress> parse(std::string_view text);

  friend bool operator==(const NodeAddress&, const NodeAddress&) = default;
  friend auto operator<=>(const NodeAddress&, const NodeAddress&) = default;
};

/// One transport frame: opaque bytes. A string because protobuf's `bytes` fields are strings,
/// so frames move into and out of wire messages without copies.
using Frame = std::string;

/// Receives what the transport delivers. Production calls it from transport threads, so an
/// implementation must be thread-safe; the simulator calls it from the world loop.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void on_frame(const NodeAddress& from, Frame frame) = 0;
  /// A link to `peer` is established (either direction).
  virtual void on_link_up(const NodeAddress& peer) = 0;
  /// The link to `peer` is lost; frames queued for it may have been dropped.
  virtual void on_link_down(const NodeAddress& peer) = 0;
};

enum class SendStatus : std::uint8_t {
  queued,     // accepted; delivery is still at most once
  overflow,   // the peer's outbound buffer is full (back-pressure): the frame was not taken
  too_large,  // above the configured maximum frame size: the frame was not taken
  closed,     // the transport is shut down
};

const char* to_string(SendStatus status) noexcept;

class Transport {
 public:
  virtual ~Transport() = default;
  /// The address peers reach this node at.
  virtual const NodeAddress& local_address() const noexcept = 0;
  /// Sets where inbound frames and link events go; called once, before the first send.
  virtual void attach(FrameSink& sink) = 0;
  /// Stops calling the sink: when it returns, no callback runs or will run (the sink may go).
  virtual void detach() noexcept = 0;
  /// Queues `frame` for `to`, connecting first when needed. Frames to one peer arrive in order
  /// or not at all (the simulator can be told to break this, duplicating and reordering, so that
  /// remoting's own checks are exercised). Thread-safe.
  virtual SendStatus send(const NodeAddress& to, Frame frame) = 0;
  /// Drops the link to `peer` and whatever is queued for it (quarantine, shutdown).
  virtual void disconnect(const NodeAddress& peer) = 0;
};

}  // namespace orrery
