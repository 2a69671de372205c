// The runtime benchmarks against CAF: sizes (full and --quick) and the registry entries.
#include <fmt/format.h>

#include "benchmark.hpp"
#include "workloads.hpp"

namespace orrery::bench {
namespace {

template <class F>
Measure figure(F measure) {
  return [measure](const RunScale& scale) {
    return Measurement{measure(scale), {}};
  };
}

std::uint64_t pick(const RunScale& scale, std::uint64_t full, std::uint64_t quick) {
  return scale.quick ? quick : full;
}

PingPongSpec one_worker(const RunScale& s) {
  return {pick(s, 2'000'000, 100'000), false};
}
PingPongSpec cross_thread(const RunScale& s) {
  return {pick(s, 50'000, 10'000), true};
}
PairsSpec thousand_pairs(const RunScale& s) {
  return {1000, pick(s, 1000, 50), 2};
}
FanInSpec ten_to_one(const RunScale& s) {
  return {10, pick(s, 1'000'000, 50'000), 100, 2};
}
std::uint64_t queued_messages(const RunScale& s) {
  return pick(s, 1'000'000, 100'000);
}
std::uint64_t million(const RunScale& s) {
  return pick(s, 1'000'000, 100'000);
}
std::uint32_t tree_levels(const RunScale& s) {
  return s.quick ? 16 : 20;
}
std::uint64_t asks(const RunScale& s) {
  return pick(s, 20'000, 5'000);
}
constexpr std::uint32_t ask_workers = 1;

}  // namespace

std::vector<Benchmark> runtime_benchmarks() {
  const std::string caf = caf_peer::name();
  std::vector<Benchmark> list;
  list.push_back({"pingpong.1worker", "ns/msg", Better::lower,
                  "two actors bounce one message, one worker thread",
                  figure([](const RunScale& s) { return ours::ping_pong(one_worker(s)); }), caf,
                  figure([](const RunScale& s) { return caf_peer::ping_pong(one_worker(s)); })});
  list.push_back({"pingpong.xthread", "ns/rtt", Better::lower,
                  "two actors bounce one message across two threads (ours pinned; CAF detached)",
                  figure([](const RunScale& s) { return ours::ping_pong(cross_thread(s)); }), caf,
                  figure([](const RunScale& s) { return caf_peer::ping_pong(cross_thread(s)); })});
  list.push_back({"pairs.1000", "msg/s", Better::higher,
                  "1,000 ping-pong pairs at once, two workers",
                  figure([](const RunScale& s) { return ours::pairs(thousand_pairs(s)); }), caf,
                  figure([](const RunScale& s) { return caf_peer::pairs(thousand_pairs(s)); })});
  list.push_back({"mailbox.10to1", "msg/s", Better::higher,
                  "10 sender actors (bursts of 100 per turn) into one receiver, two workers",
                  figure([](const RunScale& s) { return ours::fan_in(ten_to_one(s)); }), caf,
                  figure([](const RunScale& s) { return caf_peer::fan_in(ten_to_one(s)); })});
  list.push_back(
      {"mailbox.10to1.bytes",
       "B/msg",
       Better::lower,
       "resident bytes per small message queued behind a busy receiver (RSS delta)",
       figure([](const RunScale& s) { return ours::queued_message_bytes(queued_messages(s)); }),
       caf,
       figure([](const RunScale& s) { return caf_peer::queued_message_bytes(queued_messages(s)); }),
       {},
       3});
  list.push_back({"spawn.1M",
                  "ns/spawn",
                  Better::lower,
                  "spawn 1,000,000 idle actors (until all are ready)",
                  figure([](const RunScale& s) { return ours::spawn_time(million(s)); }),
                  caf,
                  figure([](const RunScale& s) { return caf_peer::spawn_time(million(s)); }),
                  {},
                  3});
  list.push_back({"spawn.1M.bytes",
                  "B/actor",
                  Better::lower,
                  "resident bytes per idle actor, 1,000,000 of them (RSS delta, /proc/self/statm)",
                  figure([](const RunScale& s) { return ours::spawn_bytes(million(s)); }),
                  caf,
                  figure([](const RunScale& s) { return caf_peer::spawn_bytes(million(s)); }),
                  {},
                  3});
  list.push_back({"tree.2^20",
                  "ns/actor",
                  Better::lower,
                  "a binary tree of 2^20-1 actors; each tells its parent and stops, two workers",
                  figure([](const RunScale& s) { return ours::tree(tree_levels(s)); }),
                  caf,
                  figure([](const RunScale& s) { return caf_peer::tree(tree_levels(s)); }),
                  {},
                  3});
  list.push_back(
      {"ask.rtt", "ns/rtt", Better::lower,
       fmt::format("request-response from a plain thread (ours: ask().get(); CAF: scoped_actor "
                   "request/receive), {} worker",
                   ask_workers),
       figure([](const RunScale& s) { return ours::ask_round_trip(asks(s), ask_workers); }), caf,
       figure([](const RunScale& s) { return caf_peer::ask_round_trip(asks(s), ask_workers); })});
  return list;
}

}  // namespace orrery::bench
