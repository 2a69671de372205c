#pragma once
// The simulated Env parts of one node. Private to sim/: users see them as the seam's interfaces.

#include <map>
#include <memory>
#include <string>

#include <orrery/env/env.hpp>
#include <orrery/env/random.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::sim {

/// Monotonic node time = anchor + (world time since anchor) scaled by (1 + drift); the wall
/// clock adds a jump offset to it. Piecewise linear: a drift change re-anchors.
class NodeClock final : public Clock {
 public:
  /// `node`'s clock: it reads the world's time as the node sees it (World::node_time).
  NodeClock(const World& world, std::uint32_t node, const ClockConfig& config);
  Instant now() const noexcept override;
  WallTime wall_now() const noexcept override;
  /// The world time at which this clock shows `when` (at the current drift; rounded up).
  Instant to_world(Instant when) const noexcept;
  void set_drift(std::int32_t ppm) noexcept;
  void jump_wall(Duration delta) noexcept { wall_offset_ += delta; }
  std::int32_t drift_ppm() const noexcept { return drift_ppm_; }

 private:
  Instant world_now() const noexcept { return world_.node_time(node_); }

  const World& world_;
  std::uint32_t node_;
  Instant anchor_world_;
  Instant anchor_node_;
  std::int32_t drift_ppm_;
  Duration wall_offset_{0};
};

class SimTimers final : public Timers {
 public:
  SimTimers(World& world, std::uint32_t node, const NodeClock& clock)
      : world_(world), node_(node), clock_(clock) {}
  TimerId schedule_at(Instant when, TimerTask task) override;
  bool cancel(TimerId id) noexcept override { return world_.cancel(id.value); }

 private:
  World& world_;
  std::uint32_t node_;
  const NodeClock& clock_;
};

class SimExecutor final : public Executor {
 public:
  SimExecutor(World& world, std::uint32_t node) : world_(world), node_(node) {}
  void schedule(Runnable& runnable) override { world_.make_ready(runnable, node_); }
  std::uint32_t concurrency() const noexcept override { return 1; }
  bool supports_blocking_wait() const noexcept override { return false; }
  bool drive_until(const std::function<bool()>& done, Duration limit) override {
    return world_.drive_until(done, limit);
  }

 private:
  World& world_;
  std::uint32_t node_;
};

class SimLog final : public LogSink {
 public:
  SimLog(World& world, std::string node, const Clock& clock, LogLevel threshold)
      : world_(world), node_(std::move(node)), clock_(clock), threshold_(threshold) {}
  void write(LogLevel level, std::string_view source, std::string_view message) override;
  LogLevel threshold() const noexcept override { return threshold_; }

 private:
  World& world_;
  std::string node_;
  const Clock& clock_;
  LogLevel threshold_;
};

/// FoundationDB's BUGGIFY: a site is enabled (or not) for the whole run the first time it is
/// reached, then fires with a small probability each time; both drawn from the node's stream.
class SimBuggify final : public Buggify {
 public:
  SimBuggify(World& world, std::uint32_t node, std::uint64_t seed)
      : world_(world), node_(node), random_(seed) {}
  bool fire(std::string_view site) override;

 private:
  World& world_;
  std::uint32_t node_;
  SeededRandom random_;
  std::map<std::string, bool, std::less<>> sites_;
};

struct Node::Parts {
  Parts(World& world, Node& node, Transport& transport);
  NodeClock clock;
  SimTimers timers;
  SimExecutor executor;
  SeededRandom random;
  Transport& transport;
  SimDisk disk;
  SimLog log;
  SimBuggify buggify;
  Env env;
};

}  // namespace orrery::sim
