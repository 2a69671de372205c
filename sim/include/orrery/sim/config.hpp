#pragma once
// The simulator's knobs, as plain values: network links, disks, node clocks, nodes and the world.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <orrery/actor/actor_system.hpp>
#include <orrery/core/time.hpp>
#include <orrery/env/log_sink.hpp>
#include <orrery/remote/remoting.hpp>

namespace orrery::sim {

class Node;

/// One direction of a network link. Latency is uniform in [latency_min, latency_max]; frames
/// keep their order unless reordered. Probabilities are parts per million.
struct LinkConfig {
  Duration latency_min = std::chrono::microseconds(500);
  Duration latency_max = std::chrono::milliseconds(2);
  std::uint32_t loss_ppm = 0;
  std::uint32_t duplicate_ppm = 0;
  /// A reordered frame takes up to reorder_delay_max more and may overtake later frames.
  std::uint32_t reorder_ppm = 0;
  Duration reorder_delay_max = std::chrono::milliseconds(20);
};

/// A node's disk: injected I/O errors (per operation, ppm) and latency. A synchronous disk call
/// stalls the whole node for its latency, as a blocking syscall stalls a process.
struct DiskConfig {
  std::uint32_t read_error_ppm = 0;
  std::uint32_t write_error_ppm = 0;
  std::uint32_t sync_error_ppm = 0;
  Duration latency_min{0};
  Duration latency_max{0};
};

/// A node's clock: its monotonic time starts at the world's plus `offset` and runs `drift_ppm`
/// fast (or slow, when negative).
struct ClockConfig {
  Duration offset{0};
  std::int32_t drift_ppm = 0;
};

struct NodeConfig {
  /// The node's actor system; its name is part of every address, so peers must share it.
  ActorSystemConfig actor_system;
  /// host:port of the node's address; the host defaults to the node's name.
  std::string host;
  std::uint16_t port = 2552;
  ClockConfig clock;
  DiskConfig disk;
  /// Start Remoting over the node's SimNetwork endpoint.
  bool remoting = true;
  RemoteConfig remote;
  LogLevel log_threshold = LogLevel::info;
  /// Runs when the node starts and again after every restart (spawn the node's actors here).
  std::function<void(Node&)> on_start;
};

struct WorldConfig {
  /// Every link's configuration unless set per link.
  LinkConfig network;
  std::size_t max_frame_bytes = 4u << 20;
  /// Back-pressure, as the gRPC transport's per-peer queue (GrpcTransportConfig has the same
  /// defaults): frames a node's endpoint holds for one peer, in flight or waiting for a link that
  /// cannot open, before send() answers overflow and does not take the frame.
  std::uint32_t outbound_frames_max = 10'000;
  /// How long an attempt to reach a peer that cannot be reached (no node at the address, a cut
  /// link) holds the frames sent meanwhile before it gives up and frees their places.
  Duration connect_timeout = std::chrono::seconds(5);
  /// BUGGIFY: each fault site is enabled for this world with site_ppm, then fires with fire_ppm.
  bool buggify = false;
  std::uint32_t buggify_site_ppm = 250'000;
  std::uint32_t buggify_fire_ppm = 50'000;
  /// Log lines kept (all nodes, newest last) for failure reports.
  std::size_t log_lines_kept = 2'000;
  /// Also print log lines to stderr as they are written.
  bool echo_log = false;
};

}  // namespace orrery::sim
