// Fault plans: validation (every error names the action), application through the world's
// queue, and generation from a seed.

#include <algorithm>

#include <fmt/format.h>

#include <orrery/sim/fault_plan.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/sim_network.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::sim {

const char* to_string(FaultKind kind) noexcept {
  switch (kind) {
    case FaultKind::partition:
      return "partition";
    case FaultKind::partition_one_way:
      return "partition_one_way";
    case FaultKind::isolate:
      return "isolate";
    case FaultKind::crash:
      return "crash";
    case FaultKind::pause:
      return "pause";
    case FaultKind::clock_jump:
      return "clock_jump";
    case FaultKind::clock_drift:
      return "clock_drift";
    case FaultKind::clog:
      return "clog";
    case FaultKind::lossy_network:
      return "lossy_network";
    case FaultKind::disk_errors:
      return "disk_errors";
  }
  return "unknown";
}

namespace {

std::int64_t ms(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::string describe_action(std::size_t index, const FaultAction& action) {
  std::string out = fmt::format("#{} at {} ms: {}", index, ms(action.at), to_string(action.kind));
  if (!action.nodes.empty()) out += fmt::format(" [{}]", fmt::join(action.nodes, ", "));
  for (const auto& group : action.groups)
    out += fmt::format(" {{{}}}", fmt::join(group, ", "));
  if (action.duration.count() != 0) out += fmt::format(" for {} ms", ms(action.duration));
  if (action.delta.count() != 0) out += fmt::format(" by {} ms", ms(action.delta));
  if (action.ppm != 0) out += fmt::format(" ppm {}", action.ppm);
  return out;
}

bool is_partition(FaultKind kind) {
  return kind == FaultKind::partition || kind == FaultKind::partition_one_way ||
         kind == FaultKind::isolate;
}

std::size_t nodes_needed(FaultKind kind) {
  switch (kind) {
    case FaultKind::partition:
    case FaultKind::partition_one_way:
    case FaultKind::lossy_network:
      return 0;
    case FaultKind::clog:
      return 2;
    default:
      return 1;
  }
}

// Windows overlap when each starts before the other ends; a zero duration lasts forever.
bool overlap(const FaultAction& a, const FaultAction& b) {
  const auto end = [](const FaultAction& x) {
    return x.duration.count() == 0 ? Duration::max() : x.at + x.duration;
  };
  return a.at < end(b) && b.at < end(a);
}

// Two crashes of one node clash when their windows overlap or touch: a crash due at the
// instant the other's restart is due would find the node still down, and be lost.
std::optional<std::string> crash_clash(const FaultAction& a, const FaultAction& b) {
  if (a.kind != FaultKind::crash || b.kind != FaultKind::crash) return std::nullopt;
  const auto end = [](const FaultAction& x) {
    return x.duration.count() == 0 ? Duration::max() : x.at + x.duration;
  };
  if (a.at > end(b) || b.at > end(a)) return std::nullopt;
  for (const std::string& node : a.nodes) {
    if (std::find(b.nodes.begin(), b.nodes.end(), node) != b.nodes.end()) return node;
  }
  return std::nullopt;
}

// Symmetric partitions disagree when one keeps two nodes together that the other separates.
std::optional<std::string> disagreement(const FaultAction& a, const FaultAction& b) {
  const auto group_of = [](const FaultAction& x, const std::string& node) -> int {
    for (std::size_t g = 0; g < x.groups.size(); ++g) {
      if (std::find(x.groups[g].begin(), x.groups[g].end(), node) != x.groups[g].end())
        return static_cast<int>(g);
    }
    return -1;
  };
  for (const auto& group : a.groups) {
    for (const std::string& p : group) {
      for (const std::string& q : group) {
        if (p >= q) continue;
        const int gp = group_of(b, p);
        const int gq = group_of(b, q);
        if (gp != -1 && gq != -1 && gp != gq) return fmt::format("'{}' and '{}'", p, q);
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<FaultKind> fault_kind_from_string(std::string_view name) noexcept {
  for (auto kind = static_cast<std::uint8_t>(FaultKind::partition);
       kind <= static_cast<std::uint8_t>(FaultKind::disk_errors); ++kind) {
    if (name == to_string(static_cast<FaultKind>(kind))) return static_cast<FaultKind>(kind);
  }
  return std::nullopt;
}

FaultPlan merge(const FaultPlan& scripted, const FaultPlan& generated,
                const std::vector<std::string>& node_names) {
  FaultPlan merged = scripted;
  for (const FaultAction& action : generated.actions) {
    merged.actions.push_back(action);
    if (!validate(merged, node_names).ok()) merged.actions.pop_back();
  }
  std::stable_sort(merged.actions.begin(), merged.actions.end(),
                   [](const FaultAction& a, const FaultAction& b) { return a.at < b.at; });
  return merged;
}

std::string FaultPlan::describe() const {
  std::string out;
  for (std::size_t i = 0; i < actions.size(); ++i)
    out += describe_action(i, actions[i]) + "\n";
  return out;
}

Status validate(const FaultPlan& plan, const std::vector<std::string>& node_names) {
  const auto known = [&](const std::string& name) {
    return std::find(node_names.begin(), node_names.end(), name) != node_names.end();
  };
  for (std::size_t i = 0; i < plan.actions.size(); ++i) {
    const FaultAction& action = plan.actions[i];
    const auto fail = [&](const std::string& why) {
      return make_error(Errc::invalid_argument,
                        fmt::format("fault plan action {}: {}", describe_action(i, action), why));
    };
    if (action.at.count() < 0) return fail("a negative start time");
    if (action.duration.count() < 0) return fail("a negative duration");
    if ((action.kind == FaultKind::pause || action.kind == FaultKind::clog) &&
        action.duration.count() == 0) {
      return fail("needs a positive duration");
    }
    if (action.nodes.size() != nodes_needed(action.kind)) {
      return fail(fmt::format("needs {} node(s), names {}", nodes_needed(action.kind),
                              action.nodes.size()));
    }
    for (const std::string& node : action.nodes) {
      if (!known(node)) return fail(fmt::format("unknown node '{}'", node));
    }
    if (action.kind == FaultKind::clog && action.nodes[0] == action.nodes[1])
      return fail("clogs a node with itself");
    if (action.kind == FaultKind::partition || action.kind == FaultKind::partition_one_way) {
      if (action.groups.size() < 2) return fail("needs at least two groups");
      if (action.kind == FaultKind::partition_one_way && action.groups.size() != 2)
        return fail("needs exactly two groups");
      std::vector<std::string> seen;
      for (const auto& group : action.groups) {
        if (group.empty()) return fail("has an empty group");
        for (const std::string& node : group) {
          if (!known(node)) return fail(fmt::format("unknown node '{}'", node));
          if (std::find(seen.begin(), seen.end(), node) != seen.end()) {
            return fail(fmt::format("puts node '{}' in two groups", node));
          }
          seen.push_back(node);
        }
      }
    }
    if (action.kind == FaultKind::clock_drift &&
        (action.ppm <= -1'000'000 || action.ppm >= 1'000'000)) {
      return fail("a drift must stay within (-1000000, 1000000) ppm");
    }
    if ((action.kind == FaultKind::lossy_network || action.kind == FaultKind::disk_errors) &&
        (action.ppm < 0 || action.ppm > 1'000'000)) {
      return fail("ppm must be within [0, 1000000]");
    }
    for (std::size_t j = 0; j < i; ++j) {
      const FaultAction& other = plan.actions[j];
      // A node down for one crash cannot crash again; and the first restart would end both.
      if (auto node = crash_clash(action, other)) {
        return fail(
            fmt::format("crashes '{}' while {} keeps it down (or restarts it at that "
                        "instant)",
                        *node, describe_action(j, other)));
      }
      if (!overlap(action, other)) continue;
      if (action.kind == FaultKind::partition && other.kind == FaultKind::partition) {
        if (auto pair =
                disagreement(action, other).value_or(disagreement(other, action).value_or(""));
            !pair.empty()) {
          return fail(fmt::format("contradicts {} while both are in force: it disagrees about {}",
                                  describe_action(j, other), pair));
        }
      }
      if (action.kind == FaultKind::lossy_network && other.kind == FaultKind::lossy_network) {
        return fail(fmt::format("overlaps {}", describe_action(j, other)));
      }
      if (action.kind == FaultKind::disk_errors && other.kind == FaultKind::disk_errors &&
          action.nodes == other.nodes) {
        return fail(fmt::format("overlaps {}", describe_action(j, other)));
      }
    }
  }
  return {};
}

namespace {

// Partitions in force, so that the end of one restores the others.
struct PartitionState {
  std::vector<const FaultAction*> active;
};

void install(World& world, const FaultAction& action) {
  SimNetwork& network = world.network();
  const auto index = [&](const std::string& name) {
    return world.node(name).index();
  };
  switch (action.kind) {
    case FaultKind::partition: {
      std::vector<std::vector<std::uint32_t>> groups;
      for (const auto& group : action.groups) {
        auto& out = groups.emplace_back();
        for (const std::string& name : group)
          out.push_back(index(name));
      }
      const Status status = network.partition(groups, SimNetwork::CutOwner::fault_plan);
      ORRERY_ASSERT(status.ok(), "a validated partition failed");
      break;
    }
    case FaultKind::partition_one_way: {
      std::vector<std::uint32_t> from;
      std::vector<std::uint32_t> to;
      for (const std::string& name : action.groups[0])
        from.push_back(index(name));
      for (const std::string& name : action.groups[1])
        to.push_back(index(name));
      network.cut_one_way(from, to, SimNetwork::CutOwner::fault_plan);
      break;
    }
    case FaultKind::isolate:
      network.isolate(index(action.nodes[0]), SimNetwork::CutOwner::fault_plan);
      break;
    default:
      break;
  }
}

}  // namespace

Status apply(World& world, const FaultPlan& plan) {
  std::vector<std::string> names;
  for (std::uint32_t i = 0; i < world.node_count(); ++i)
    names.push_back(world.node(i).name());
  if (Status status = validate(plan, names); !status.ok()) return status;
  auto shared = std::make_shared<FaultPlan>(plan);
  auto partitions = std::make_shared<PartitionState>();
  const Instant start = world.now();
  World* w = &world;
  for (const FaultAction& action : shared->actions) {
    const FaultAction* a = &action;
    world.schedule(start + action.at, World::no_node, [w, a, shared, partitions] {
      World& world = *w;
      switch (a->kind) {
        case FaultKind::partition:
        case FaultKind::partition_one_way:
        case FaultKind::isolate:
          install(world, *a);
          partitions->active.push_back(a);
          if (a->duration.count() > 0) {
            world.schedule(world.now() + a->duration, World::no_node, [w, a, shared, partitions] {
              std::erase(partitions->active, a);
              w->network().heal(SimNetwork::CutOwner::fault_plan);
              for (const FaultAction* still : partitions->active)
                install(*w, *still);
            });
          }
          break;
        case FaultKind::crash: {
          Node& node = world.node(a->nodes[0]);
          world.crash(node);
          if (a->duration.count() > 0) {
            Node* target = &node;
            world.schedule(world.now() + a->duration, World::no_node,
                           [w, target] { w->restart(*target); });
          }
          break;
        }
        case FaultKind::pause:
          world.pause(world.node(a->nodes[0]), a->duration);
          break;
        case FaultKind::clock_jump:
          world.jump_wall_clock(world.node(a->nodes[0]), a->delta);
          break;
        case FaultKind::clock_drift:
          world.set_clock_drift(world.node(a->nodes[0]), a->ppm);
          break;
        case FaultKind::clog: {
          const std::uint32_t x = world.node(a->nodes[0]).index();
          const std::uint32_t y = world.node(a->nodes[1]).index();
          world.network().clog(x, y, world.now() + a->duration);
          world.network().clog(y, x, world.now() + a->duration);
          break;
        }
        case FaultKind::lossy_network: {
          const LinkConfig before = world.network().default_link();
          LinkConfig lossy = before;
          const auto ppm = static_cast<std::uint32_t>(a->ppm);
          lossy.loss_ppm = ppm;
          lossy.duplicate_ppm = ppm;
          lossy.reorder_ppm = ppm;
          world.network().set_default_link(lossy);
          world.record({.kind = TraceKind::note, .a = ppm, .text = "lossy network"});
          if (a->duration.count() > 0) {
            world.schedule(world.now() + a->duration, World::no_node,
                           [w, before] { w->network().set_default_link(before); });
          }
          break;
        }
        case FaultKind::disk_errors: {
          SimDisk& disk = world.node(a->nodes[0]).disk();
          const DiskConfig before = disk.config();
          DiskConfig failing = before;
          const auto ppm = static_cast<std::uint32_t>(a->ppm);
          failing.read_error_ppm = failing.write_error_ppm = failing.sync_error_ppm = ppm;
          disk.set_config(failing);
          if (a->duration.count() > 0) {
            SimDisk* target = &disk;
            world.schedule(world.now() + a->duration, World::no_node,
                           [target, before] { target->set_config(before); });
          }
          break;
        }
      }
    });
  }
  return {};
}

FaultPlan generate(Random& random, const std::vector<std::string>& node_names, Duration span,
                   const FaultMix& mix) {
  FaultPlan plan;
  if (node_names.empty() || span.count() <= 0) return plan;
  const std::uint32_t weights[] = {
      mix.partitions,  mix.one_way_partitions, mix.isolations, mix.crashes,        mix.pauses,
      mix.clock_jumps, mix.clock_drifts,       mix.clogs,      mix.lossy_networks, mix.disk_errors};
  const FaultKind kinds[] = {FaultKind::partition,     FaultKind::partition_one_way,
                             FaultKind::isolate,       FaultKind::crash,
                             FaultKind::pause,         FaultKind::clock_jump,
                             FaultKind::clock_drift,   FaultKind::clog,
                             FaultKind::lossy_network, FaultKind::disk_errors};
  std::uint64_t total_weight = 0;
  for (const std::uint32_t weight : weights)
    total_weight += weight;
  if (total_weight == 0) return plan;
  const auto minutes_x1000 =
      static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(span).count()) /
      60;
  const std::uint64_t mean = std::max<std::uint64_t>(1, mix.per_minute * minutes_x1000 / 1000);
  const std::uint64_t count = uniform_below(random, 2 * mean + 1);
  const Duration shortest = std::max(Duration{std::chrono::milliseconds(100)}, mix.longest / 10);
  const auto pick_node = [&](bool may_crash_only) -> const std::string* {
    std::vector<const std::string*> eligible;
    for (const std::string& name : node_names) {
      if (may_crash_only &&
          std::find(mix.never_crash.begin(), mix.never_crash.end(), name) != mix.never_crash.end())
        continue;
      eligible.push_back(&name);
    }
    if (eligible.empty()) return nullptr;
    return eligible[uniform_below(random, eligible.size())];
  };
  std::vector<FaultAction> exclusive;  // partitions, lossy windows, crashes accepted so far
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t roll = uniform_below(random, total_weight);
    std::size_t k = 0;
    while (roll >= weights[k])
      roll -= weights[k++];
    FaultAction action;
    action.kind = kinds[k];
    action.at = uniform_duration(random, Duration{0}, span - Duration{1});
    action.duration = uniform_duration(random, shortest, std::max(shortest, mix.longest));
    switch (action.kind) {
      case FaultKind::partition:
      case FaultKind::partition_one_way: {
        if (node_names.size() < 2) continue;
        std::vector<std::string> left;
        std::vector<std::string> right;
        for (const std::string& name : node_names)
          (chance(random, 1, 2) ? left : right).push_back(name);
        if (left.empty()) left.push_back(std::move(right.back())), right.pop_back();
        if (right.empty()) right.push_back(std::move(left.back())), left.pop_back();
        action.groups = {left, right};
        break;
      }
      case FaultKind::clog: {
        if (node_names.size() < 2) continue;
        const std::uint64_t first = uniform_below(random, node_names.size());
        std::uint64_t second = uniform_below(random, node_names.size() - 1);
        if (second >= first) ++second;
        action.nodes = {node_names[first], node_names[second]};
        break;
      }
      case FaultKind::crash: {
        const std::string* node = pick_node(true);
        if (node == nullptr) continue;
        action.nodes = {*node};
        break;
      }
      case FaultKind::clock_jump:
        action.nodes = {*pick_node(false)};
        action.delta = uniform_duration(random, -mix.longest, mix.longest);
        action.duration = Duration{0};
        break;
      case FaultKind::clock_drift:
        action.nodes = {*pick_node(false)};
        action.ppm = static_cast<std::int32_t>(uniform_int(random, -500, 500));
        action.duration = Duration{0};
        break;
      case FaultKind::lossy_network:
        action.ppm = static_cast<std::int32_t>(uniform_int(random, 1'000, 100'000));
        break;
      case FaultKind::disk_errors:
        action.nodes = {*pick_node(false)};
        action.ppm = static_cast<std::int32_t>(uniform_int(random, 1'000, 50'000));
        break;
      default:
        action.nodes = {*pick_node(false)};
        break;
    }
    if (is_partition(action.kind) || action.kind == FaultKind::lossy_network ||
        action.kind == FaultKind::disk_errors || action.kind == FaultKind::crash) {
      const bool clash =
          std::any_of(exclusive.begin(), exclusive.end(), [&](const FaultAction& other) {
            if (crash_clash(action, other)) return true;
            const bool same_family = (is_partition(other.kind) && is_partition(action.kind)) ||
                                     (other.kind == action.kind && action.kind != FaultKind::crash);
            return same_family && overlap(action, other);
          });
      if (clash) continue;
      exclusive.push_back(action);
    }
    plan.actions.push_back(std::move(action));
  }
  std::stable_sort(plan.actions.begin(), plan.actions.end(),
                   [](const FaultAction& a, const FaultAction& b) { return a.at < b.at; });
  return plan;
}

}  // namespace orrery::sim
