// The simulated Env parts of a node: clock arithmetic, timers in the world's queue, the log and
// BUGGIFY. All integer arithmetic, so Debug and Release agree to the nanosecond.

#include "node_parts.hpp"

#include <fmt/format.h>

namespace orrery::sim {

namespace {

constexpr std::int64_t million = 1'000'000;
// Wall clocks start at 2026-01-01T00:00:00Z: a plausible date, the same in every run.
constexpr auto wall_epoch = std::chrono::seconds(1'767'225'600);

}  // namespace

NodeClock::NodeClock(const World& world, std::uint32_t node, const ClockConfig& config)
    : world_(world),
      node_(node),
      anchor_world_(world.now()),
      anchor_node_(world.now() + config.offset),
      drift_ppm_(config.drift_ppm) {
  ORRERY_ASSERT(config.drift_ppm > -million, "a clock drift of -100% or less stops time");
}

Instant NodeClock::now() const noexcept {
  const int128 elapsed = (world_now() - anchor_world_).count();
  const int128 scaled = elapsed * (million + drift_ppm_) / million;
  return anchor_node_ + Duration{static_cast<std::int64_t>(scaled)};
}

WallTime NodeClock::wall_now() const noexcept {
  return WallTime{std::chrono::duration_cast<Duration>(wall_epoch) + now().time_since_epoch() +
                  wall_offset_};
}

Instant NodeClock::to_world(Instant when) const noexcept {
  const int128 ahead = (when - anchor_node_).count();
  if (ahead <= 0) return anchor_world_ + Duration{static_cast<std::int64_t>(ahead)};
  const int128 rate = million + drift_ppm_;
  const int128 world_ns = (ahead * million + rate - 1) / rate;  // rounded up: never early
  return anchor_world_ + Duration{static_cast<std::int64_t>(world_ns)};
}

void NodeClock::set_drift(std::int32_t ppm) noexcept {
  ORRERY_ASSERT(ppm > -million, "a clock drift of -100% or less stops time");
  anchor_node_ = now();
  anchor_world_ = world_now();
  drift_ppm_ = ppm;
}

TimerId SimTimers::schedule_at(Instant when, TimerTask task) {
  // A turn stalled in I/O starts its timers from the stall's end.
  const Instant at = std::max(clock_.to_world(when), world_.node_time(node_));
  return TimerId{world_.schedule(at, node_, std::move(task), /*timer=*/true)};
}

namespace {

/// Line breaks as "\n" and "\r", so that one write stays one line (as StderrLogSink does).
std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

void SimLog::write(LogLevel level, std::string_view source, std::string_view message) {
  if (level < threshold_) return;
  const auto ns = clock_.now().time_since_epoch().count();
  world_.log(fmt::format("{}.{:09}s {} {} [{}] {}", ns / 1'000'000'000, ns % 1'000'000'000, node_,
                         to_string(level), one_line(source), one_line(message)));
}

bool SimBuggify::fire(std::string_view site) {
  if (!world_.config().buggify) return false;
  auto found = sites_.find(site);
  if (found == sites_.end()) {
    const bool enabled = chance_ppm(random_, world_.config().buggify_site_ppm);
    found = sites_.emplace(std::string(site), enabled).first;
  }
  if (!found->second || !chance_ppm(random_, world_.config().buggify_fire_ppm)) return false;
  world_.record({.kind = TraceKind::buggify, .node = node_, .text = site});
  return true;
}

Node::Parts::Parts(World& world, Node& node, Transport& transport)
    : clock(world, node.index(), node.config().clock),
      timers(world, node.index(), clock),
      executor(world, node.index()),
      random(world.derive_seed("node/" + node.name() + "/random/0")),
      transport(transport),
      disk(world, node.index(), node.config().disk,
           world.derive_seed("node/" + node.name() + "/disk")),
      log(world, node.name(), clock, node.config().log_threshold),
      buggify(world, node.index(), world.derive_seed("node/" + node.name() + "/buggify")),
      env{clock, timers, executor, random, transport, disk, log, &buggify} {
}

}  // namespace orrery::sim
