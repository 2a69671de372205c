// Script steps: names resolved to nodes, faults forwarded to the world.

#include <fmt/format.h>

#include <orrery/sim/node.hpp>
#include <orrery/sim/script.hpp>
#include <orrery/sim/sim_network.hpp>

namespace orrery::sim {

Node& Script::node(std::string_view name) const {
  Node* found = world_.find_node(name);
  if (found == nullptr) throw ScriptError(fmt::format("no node named '{}'", name));
  return *found;
}

std::vector<std::uint32_t> Script::indices(const Group& names) const {
  std::vector<std::uint32_t> out;
  out.reserve(names.size());
  for (const std::string& name : names)
    out.push_back(node(name).index());
  return out;
}

bool Script::eventually(const std::function<bool()>& condition, Duration timeout, Duration poll) {
  ORRERY_ASSERT(poll.count() > 0, "eventually() needs a positive poll interval");
  const Instant deadline = now() + timeout;
  while (!condition()) {
    if (now() >= deadline) return false;
    sleep(std::min(poll, deadline - now()));
  }
  return true;
}

void Script::require_eventually(const std::function<bool()>& condition, Duration timeout,
                                std::string_view what) {
  if (!eventually(condition, timeout)) {
    throw ScriptError(
        fmt::format("never held within {} ms: {}",
                    std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count(), what));
  }
}

void Script::require(bool condition, std::string_view what) const {
  if (!condition) throw ScriptError(fmt::format("requirement failed: {}", what));
}

void Script::partition(std::initializer_list<std::initializer_list<std::string_view>> groups) {
  std::vector<Group> named;
  for (const auto& group : groups)
    named.emplace_back(group.begin(), group.end());
  partition(named);
}

void Script::partition(const std::vector<Group>& groups) {
  std::vector<std::vector<std::uint32_t>> resolved;
  for (const Group& group : groups)
    resolved.push_back(indices(group));
  if (Status status = world_.network().partition(resolved); !status.ok()) {
    throw ScriptError(std::string(status.error().message));
  }
}

void Script::cut_one_way(const Group& from, const Group& to) {
  const auto a = indices(from);
  const auto b = indices(to);
  world_.network().cut_one_way(a, b);
}

void Script::isolate(std::string_view name) {
  world_.network().isolate(node(name).index());
}
void Script::heal() {
  world_.network().heal();
}
void Script::heal_all() {
  world_.network().heal_all();
}
void Script::crash(std::string_view name) {
  world_.crash(node(name));
}
void Script::restart(std::string_view name) {
  world_.restart(node(name));
}
void Script::pause(std::string_view name, Duration duration) {
  world_.pause(node(name), duration);
}
void Script::jump_wall_clock(std::string_view name, Duration delta) {
  world_.jump_wall_clock(node(name), delta);
}
void Script::set_clock_drift(std::string_view name, std::int32_t ppm) {
  world_.set_clock_drift(node(name), ppm);
}
void Script::note(std::string_view text) {
  world_.record({.kind = TraceKind::note, .text = text});
}

}  // namespace orrery::sim
