#pragma once
// FaultPlan: a schedule of faults as plain data, so that it can be generated from a seed, shrunk
// by rapidcheck, printed, validated and replayed. Times are offsets from when the plan is
// applied. Nodes are named; a plan is checked against the world before anything happens.
//
//   FaultPlan plan;
//   plan.actions.push_back({.at = 2s, .kind = FaultKind::partition, .groups = {{"a"}, {"b", "c"}},
//                           .duration = 5s});
//   plan.actions.push_back({.at = 4s, .kind = FaultKind::crash, .nodes = {"b"}, .duration = 3s});
//   if (Status ok = apply(world, plan); !ok.ok()) ... // names the bad action and why
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <orrery/core/result.hpp>
#include <orrery/core/time.hpp>
#include <orrery/env/random.hpp>
#include <orrery/sim/config.hpp>

namespace orrery::sim {

class World;

enum class FaultKind : std::uint8_t {
  partition,          // groups cut from each other, healed after `duration` (0: stays)
  partition_one_way,  // links from groups[0] to groups[1] cut, one way, healed after `duration`
  isolate,            // nodes[0] cut from everyone, healed after `duration`
  crash,              // nodes[0] crashes; restarts after `duration` (0: stays down)
  pause,              // nodes[0] stalls for `duration`
  clock_jump,         // nodes[0]'s wall clock moves by `delta` (either way)
  clock_drift,        // nodes[0]'s clock runs `ppm` fast (negative: slow)
  clog,               // links between nodes[0] and nodes[1] stall for `duration`
  lossy_network,      // every link loses, duplicates and reorders at `ppm` for `duration`
  disk_errors,        // nodes[0]'s disk fails `ppm` of its operations for `duration`
};
const char* to_string(FaultKind kind) noexcept;
/// The kind named `name` (as to_string spells it), or nothing.
std::optional<FaultKind> fault_kind_from_string(std::string_view name) noexcept;

struct FaultAction {
  Duration at{0};
  FaultKind kind = FaultKind::partition;
  std::vector<std::string> nodes;
  std::vector<std::vector<std::string>> groups;
  Duration duration{0};
  Duration delta{0};
  std::int32_t ppm = 0;
};

struct FaultPlan {
  std::vector<FaultAction> actions;
  /// One line per action, for failure reports and `orrery sim run --json`.
  std::string describe() const;
};

/// Whether `plan` makes sense for a world with nodes `node_names`: known nodes, no negative
/// times or durations, ppm within a million, partitions whose groups are disjoint, and no two
/// partitions in force at once that disagree about a pair of nodes, no two crash windows of one
/// node that overlap. The error names the action (and, for a conflict, the other action).
Status validate(const FaultPlan& plan, const std::vector<std::string>& node_names);

/// `scripted` plus each action of `generated` that keeps the plan valid (in `generated`'s order),
/// sorted by time: hand-written faults mixed with seeded ones. Where they clash, the script wins.
/// `scripted` must itself be valid.
FaultPlan merge(const FaultPlan& scripted, const FaultPlan& generated,
                const std::vector<std::string>& node_names);

/// Validates `plan` against `world`, then schedules its actions from now on.
Status apply(World& world, const FaultPlan& plan);

/// What a generated plan may contain, and how often (weights; 0 leaves a kind out).
struct FaultMix {
  std::uint32_t partitions = 3;
  std::uint32_t one_way_partitions = 1;
  std::uint32_t isolations = 1;
  std::uint32_t crashes = 2;
  std::uint32_t pauses = 1;
  std::uint32_t clock_jumps = 1;
  std::uint32_t clock_drifts = 1;
  std::uint32_t clogs = 1;
  std::uint32_t lossy_networks = 2;
  std::uint32_t disk_errors = 0;
  /// Faults per simulated minute, on average.
  std::uint32_t per_minute = 12;
  /// Longest a fault lasts (a crashed node's downtime, a partition).
  Duration longest = std::chrono::seconds(10);
  /// Nodes that never crash (for a scenario that needs a witness).
  std::vector<std::string> never_crash;
};

/// A valid plan over `span` for nodes `node_names`, drawn from `random`. Partitions never
/// overlap in time, so the plan is valid by construction.
FaultPlan generate(Random& random, const std::vector<std::string>& node_names, Duration span,
                   const FaultMix& mix = {});

}  // namespace orrery::sim
