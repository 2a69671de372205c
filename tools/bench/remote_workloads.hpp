#pragma once
// The remote workloads: a client in this process and a server in a child orrery-bench (see
// child_process.hpp), on 127.0.0.1. Each is written three times: Orrery (GrpcTransport and
// Remoting, ours_remote.cpp), raw gRPC (one bidi stream of the same payloads, grpc_remote.cpp),
// and CAF's io middleman (caf_remote.cpp, round trips only).

#include <cstdint>
#include <vector>

namespace orrery::bench {

/// Every payload is this many bytes.
inline constexpr std::uint32_t remote_payload_bytes = 64;
/// The one-way receivers acknowledge every this many payloads, so that senders can keep at most
/// `in_flight` unacknowledged.
inline constexpr std::uint64_t remote_ack_every = 100;

struct RoundTripSpec {
  std::uint64_t warmup;
  std::uint64_t round_trips;
};

struct OneWaySpec {
  std::uint64_t messages;
  std::uint64_t in_flight;
};

/// Round trips with one message in flight: each one's time in microseconds, in order.
/// One way: payloads per second.
namespace ours {
std::vector<double> remote_round_trips(const RoundTripSpec& spec);
double remote_one_way(const OneWaySpec& spec);
/// The server (--serve-orrery): an echo actor and a counting sink under /user.
int serve_remote();
}  // namespace ours

namespace raw_grpc {
const char* name();  // "grpc-raw"
std::vector<double> remote_round_trips(const RoundTripSpec& spec);
double remote_one_way(const OneWaySpec& spec);
int serve_remote();  // --serve-grpc
}  // namespace raw_grpc

namespace caf_peer {
std::vector<double> remote_round_trips(const RoundTripSpec& spec);
int serve_remote();  // --serve-caf
}  // namespace caf_peer

}  // namespace orrery::bench
