#pragma once
// The runtime workloads, each written twice: once on Orrery (ours_runtime.cpp) and once on CAF
// (caf_runtime.cpp), configured alike (the same worker count; CAF's scheduler.max-threads).
// Every function builds its own actor system, measures one run, and tears the system down
// outside the measured span. Figures are in the unit the benchmark reports.

#include <cstdint>

namespace orrery::bench {

struct PingPongSpec {
  std::uint64_t round_trips;
  /// False: one worker thread. True: the two actors on two threads (ours: pinned to workers 0 and
  /// 1; CAF: two detached actors, each on its own thread).
  bool cross_thread;
};

struct PairsSpec {
  std::uint32_t pairs;
  std::uint64_t round_trips_per_pair;
  std::uint32_t workers;
};

struct FanInSpec {
  std::uint32_t senders;
  std::uint64_t messages_per_sender;
  /// Messages a sender sends per turn before it tells itself to go on.
  std::uint32_t burst;
  std::uint32_t workers;
};

namespace ours {
/// ns per message (cross_thread: ns per round trip).
double ping_pong(const PingPongSpec& spec);
/// Messages per second over all pairs.
double pairs(const PairsSpec& spec);
/// Messages per second into the one receiver.
double fan_in(const FanInSpec& spec);
/// Resident bytes per small message queued in a mailbox whose actor is busy.
double queued_message_bytes(std::uint64_t messages);
/// ns per spawn of an idle actor, `count` of them alive at the end.
double spawn_time(std::uint64_t count);
/// Resident bytes per idle actor.
double spawn_bytes(std::uint64_t count);
/// ns per actor of a binary tree of 2^levels - 1 actors: each spawns its children, leaves tell
/// their parent and stop, inner nodes do so once both children have.
double tree(std::uint32_t levels);
/// ns per request-response round trip asked from a thread outside the actor system.
double ask_round_trip(std::uint64_t round_trips, std::uint32_t workers);
}  // namespace ours

namespace caf_peer {
/// "caf-0.17": the peer's name in reports.
const char* name();
double ping_pong(const PingPongSpec& spec);
double pairs(const PairsSpec& spec);
double fan_in(const FanInSpec& spec);
double queued_message_bytes(std::uint64_t messages);
double spawn_time(std::uint64_t count);
double spawn_bytes(std::uint64_t count);
double tree(std::uint32_t levels);
double ask_round_trip(std::uint64_t round_trips, std::uint32_t workers);
}  // namespace caf_peer

}  // namespace orrery::bench
