#pragma once
// Transport conformance factories: two nodes' transports that reach each other. A factory `F`:
//
//   F()                               two transports, not attached, links idle
//   Transport& transport(int i)       node i (0 or 1)
//   bool run_until(done, limit)       lets frames and link events flow until done() holds
//   std::size_t frame_bytes_max()     the largest frame send() takes
//   std::size_t outbound_frames_max() frames held per peer before send() answers overflow
//   Duration connect_timeout()        how long an attempt to reach a peer that never answers
//                                     holds its frames before it gives up and drops them
//   NodeAddress unreachable()         an address where frames are never taken off the link
//   void close(int i)                 shuts node i's transport (its sends answer closed)
//
// Production: two GrpcTransports (plaintext) on 127.0.0.1; the simulator: two bare nodes of a
// fault-free World, whose SimNetwork endpoints are the transports.
#include <chrono>
#include <functional>
#include <memory>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <orrery/core/assert.hpp>
#include <orrery/env/production/grpc_transport.hpp>
#include <orrery/env/production/system_clock.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/world.hpp>

#include "remote/support_grpc/recording_sink.hpp"

namespace orrery::conformance {

/// A TCP listener on 127.0.0.1 that accepts into its backlog and never reads: a peer whose
/// stream is never accepted, so frames for it stay queued.
class SilentPort {
 public:
  SilentPort() {
    socket_ = ::socket(AF_INET, SOCK_STREAM, 0);
    ORRERY_ASSERT(socket_ >= 0, "socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    ORRERY_ASSERT(::bind(socket_, reinterpret_cast<sockaddr*>(&address), length) == 0);
    ORRERY_ASSERT(::listen(socket_, 16) == 0);
    ORRERY_ASSERT(::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~SilentPort() { ::close(socket_); }
  SilentPort(const SilentPort&) = delete;
  SilentPort& operator=(const SilentPort&) = delete;
  std::uint16_t port() const noexcept { return port_; }

 private:
  int socket_ = -1;
  std::uint16_t port_ = 0;
};

class GrpcTransportParts {
 public:
  static constexpr std::size_t frame_limit = 4096;
  static constexpr std::size_t queue_limit = 1000;
  static constexpr Duration attempt_limit = std::chrono::seconds(5);

  GrpcTransportParts() {
    for (const char* system : {"zero", "one"}) {
      GrpcTransportConfig config;
      config.address = NodeAddress{"conformance", "127.0.0.1", 0};
      config.address.system = system;
      config.plaintext = true;
      config.log = &log_;
      config.frame_bytes_max = frame_limit;
      config.batch_bytes_max = frame_limit * 4;
      config.outbound_frames_max = queue_limit;
      config.outbound_bytes_max = frame_limit * queue_limit * 2;
      config.reconnect_backoff_min = std::chrono::milliseconds(5);
      config.reconnect_backoff_max = std::chrono::milliseconds(50);
      config.connect_timeout = attempt_limit;
      auto created = GrpcTransport::create(std::move(config));
      ORRERY_ASSERT(created.ok(), "cannot create a conformance gRPC transport");
      transports_.push_back(std::move(created).value());
    }
  }
  Transport& transport(int i) { return *transports_.at(static_cast<std::size_t>(i)); }
  bool run_until(const std::function<bool()>& done, Duration limit) {
    const Instant deadline = clock_.now() + limit;
    while (!done()) {
      if (clock_.now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
  }
  std::size_t frame_bytes_max() const noexcept { return frame_limit; }
  std::size_t outbound_frames_max() const noexcept { return queue_limit; }
  Duration connect_timeout() const noexcept { return attempt_limit; }
  NodeAddress unreachable() const { return NodeAddress{"silent", "127.0.0.1", silent_.port()}; }
  void close(int i) { transports_.at(static_cast<std::size_t>(i))->shutdown(); }

 private:
  test::LinesLog log_;
  SystemClock clock_;
  SilentPort silent_;
  std::vector<std::unique_ptr<GrpcTransport>> transports_;
};

class SimTransportParts {
 public:
  static constexpr std::size_t frame_limit = GrpcTransportParts::frame_limit;
  static constexpr std::size_t queue_limit = GrpcTransportParts::queue_limit;
  static constexpr Duration attempt_limit = GrpcTransportParts::attempt_limit;

  SimTransportParts()
      : world_(11, sim::WorldConfig{.network = sim::LinkConfig{.latency_min = latency,
                                                               .latency_max = latency * 3},
                                    .max_frame_bytes = frame_limit,
                                    .outbound_frames_max = queue_limit,
                                    .connect_timeout = attempt_limit}) {
    for (const char* name : {"zero", "one"})
      nodes_.push_back(&world_.add_node(name, {.remoting = false}));
  }
  Transport& transport(int i) { return nodes_.at(static_cast<std::size_t>(i))->env().transport; }
  bool run_until(const std::function<bool()>& done, Duration limit) {
    return world_.await(done, limit);
  }
  std::size_t frame_bytes_max() const noexcept { return frame_limit; }
  std::size_t outbound_frames_max() const noexcept { return queue_limit; }
  Duration connect_timeout() const noexcept { return attempt_limit; }
  NodeAddress unreachable() const { return NodeAddress{"silent", "nowhere", 1}; }
  void close(int i) { world_.crash(*nodes_.at(static_cast<std::size_t>(i))); }

 private:
  static constexpr Duration latency = std::chrono::milliseconds(1);
  sim::World world_;
  std::vector<sim::Node*> nodes_;
};

}  // namespace orrery::conformance

#define ORRERY_TRANSPORT_FACTORIES \
  ::orrery::conformance::GrpcTransportParts, ::orrery::conformance::SimTransportParts
