#pragma once
// Trace: every observable event of a world, folded into a running 64-bit hash and, when a sink is
// set, written as one JSON line each. The hash is the determinism contract made checkable: the
// same seed gives the same hash across runs, processes and Debug/Release builds. Only stable
// values go in (virtual time, node indices, actor ids, frame bytes), never addresses.
//
//   world.trace().set_sink([&](std::string_view line) { out << line << '\n'; });
//   ... run ...
//   fmt::print("{:016x}\n", world.trace().hash());
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <orrery/core/time.hpp>

namespace orrery::sim {

/// What happened. The numeric values are folded into the hash: append, never renumber.
enum class TraceKind : std::uint8_t {
  run = 1,        // a Runnable ran (an actor turn, a fiber resumed)
  timer = 2,      // a timer fired
  send = 3,       // a frame entered the network
  deliver = 4,    // a frame reached its destination
  drop = 5,       // a frame was lost (loss, partition, node down)
  duplicate = 6,  // the network made a second copy of a frame
  link_up = 7,
  link_down = 8,
  crash = 9,
  restart = 10,
  pause = 11,
  partition = 12,
  heal = 13,
  clock_jump = 14,
  clock_drift = 15,
  disk_fault = 16,
  disk_crash = 17,  // unsynced writes applied, lost or torn on a crash
  buggify = 18,
  clog = 19,
  note = 20,          // a script's or scenario's own mark
  disk_latency = 21,  // a node's turn blocked in a synchronous disk call (a: nanoseconds)
  overflow = 22,      // send() refused a frame: the peer's bound was full (a: bytes, b: held)
};

const char* to_string(TraceKind kind) noexcept;

/// Appends `text` to `out` as the inside of a JSON string (quotes, backslashes, control bytes
/// escaped): for trace lines and other JSON the simulator's tools print.
void append_json_escaped(std::string& out, std::string_view text);

/// One event: `node` and `peer` are node indices (or none), `a` and `b` two kind-specific
/// numbers (actor id, frame hash, byte count, duration), `text` an optional stable label.
struct TraceEvent {
  static constexpr std::uint32_t none = UINT32_MAX;
  TraceKind kind;
  std::uint32_t node = none;
  std::uint32_t peer = none;
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::string_view text = {};
};

class Trace {
 public:
  using Sink = std::function<void(std::string_view line)>;
  /// `node_name(i)` names node indices in JSON lines.
  explicit Trace(std::function<std::string_view(std::uint32_t)> node_name)
      : node_name_(std::move(node_name)) {}

  void record(Instant now, const TraceEvent& event);

  /// The running hash of every event so far.
  std::uint64_t hash() const noexcept { return hash_; }
  /// How many events were recorded.
  std::uint64_t events() const noexcept { return events_; }
  /// Writes each later event as a JSON line (null: stop writing).
  void set_sink(Sink sink) { sink_ = std::move(sink); }
  bool writing() const noexcept { return static_cast<bool>(sink_); }

 private:
  void write_json(Instant now, const TraceEvent& event);

  std::function<std::string_view(std::uint32_t)> node_name_;
  Sink sink_;
  std::uint64_t hash_ = 0x6f72726572790001ULL;  // "orrery", version 1 of the fold
  std::uint64_t events_ = 0;
  std::string line_;
};

}  // namespace orrery::sim
