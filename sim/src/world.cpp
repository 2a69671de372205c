// The world loop: a binary heap of events on (virtual time, sequence), a pool of ready
// Runnables from which the seed draws the next, and the faults that act on nodes.

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include <orrery/env/production/null_transport.hpp>
#include <orrery/fiber/driver.hpp>
#include <orrery/fiber/fiber_host.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/script.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/sim_network.hpp>
#include <orrery/sim/world.hpp>

#include "node_parts.hpp"

namespace orrery::sim {

const char* to_string(Stop stop) noexcept {
  switch (stop) {
    case Stop::done:
      return "done";
    case Stop::deadline:
      return "deadline";
    case Stop::quiescent:
      return "quiescent";
  }
  return "unknown";
}

// ---- the control Env: the world's own clock, timers and executor, for scripts ----

class World::ControlParts {
 public:
  explicit ControlParts(World& world)
      : clock(world),
        timers(world),
        executor(world),
        random(world.derive_seed("control")),
        log(world) {}

  class WorldClock final : public Clock {
   public:
    explicit WorldClock(const World& world) : world_(world) {}
    Instant now() const noexcept override { return world_.now(); }
    WallTime wall_now() const noexcept override {
      return WallTime{world_.now().time_since_epoch()};
    }

   private:
    const World& world_;
  };
  class WorldTimers final : public Timers {
   public:
    explicit WorldTimers(World& world) : world_(world) {}
    TimerId schedule_at(Instant when, TimerTask task) override {
      return TimerId{world_.schedule(std::max(when, world_.now()), no_node, std::move(task), true)};
    }
    bool cancel(TimerId id) noexcept override { return world_.cancel(id.value); }

   private:
    World& world_;
  };
  class WorldExecutor final : public Executor {
   public:
    explicit WorldExecutor(World& world) : world_(world) {}
    void schedule(Runnable& runnable) override { world_.make_ready(runnable, no_node); }
    std::uint32_t concurrency() const noexcept override { return 1; }
    bool supports_blocking_wait() const noexcept override { return false; }
    bool drive_until(const std::function<bool()>& done, Duration limit) override {
      return world_.drive_until(done, limit);
    }

   private:
    World& world_;
  };
  class NoStorage final : public Storage {
   public:
    Result<std::unique_ptr<File>> open(std::string_view, OpenMode) override { return refused(); }
    Status remove(std::string_view) override { return refused(); }
    Result<bool> exists(std::string_view) override { return refused(); }
    Result<std::vector<std::string>> list(std::string_view) override { return refused(); }
    Status rename(std::string_view, std::string_view) override { return refused(); }
    Status sync_directory(std::string_view) override { return refused(); }

   private:
    static Error refused() {
      return make_error(Errc::unsupported, "the world's control Env has no disk");
    }
  };
  class WorldLog final : public LogSink {
   public:
    explicit WorldLog(World& world) : world_(world) {}
    void write(LogLevel level, std::string_view source, std::string_view message) override {
      const auto ns = world_.now().time_since_epoch().count();
      world_.log(fmt::format("{}.{:09}s world {} [{}] {}", ns / 1'000'000'000, ns % 1'000'000'000,
                             to_string(level), source, message));
    }
    LogLevel threshold() const noexcept override { return LogLevel::info; }

   private:
    World& world_;
  };

  WorldClock clock;
  WorldTimers timers;
  WorldExecutor executor;
  SeededRandom random;
  NullTransport transport{NodeAddress{"orrery", "world", 0}};
  NoStorage storage;
  WorldLog log;
  Env env{clock, timers, executor, random, transport, storage, log};
};

// ---- construction ----

World::World(std::uint64_t seed, WorldConfig config)
    : seed_(seed),
      config_(std::move(config)),
      now_(std::chrono::seconds(1)),
      random_(mix64(seed, fnv1a64("world", 5))),
      schedule_random_(mix64(seed, fnv1a64("schedule", 8))),
      trace_([this](std::uint32_t index) -> std::string_view {
        return index < nodes_.size() ? std::string_view(nodes_[index]->name())
                                     : std::string_view("world");
      }),
      network_(std::make_unique<SimNetwork>(*this, config_)),
      control_(std::make_unique<ControlParts>(*this)),
      host_(std::make_unique<FiberHost>(FiberConfig{}, [this] { return loop_step(); })) {
}

World::~World() {
  // Actor systems first (they cancel their actors' parked fibers), then the remaining fibers
  // (scripts) while everything they may touch still exists, then the rest.
  for (auto& node : nodes_) {
    if (node->up()) node->stop_for_crash();
  }
  for (Ready& entry : ready_)
    entry.runnable->discard();
  ready_.clear();
  for (auto& node : nodes_) {
    for (Runnable* runnable : node->held)
      runnable->discard();
    node->held.clear();
  }
  host_.reset();
  for (Slot& slot : slots_)
    slot.action.reset();
}

std::uint64_t World::derive_seed(std::string_view label) const noexcept {
  return mix64(seed_, fnv1a64(label.data(), label.size()));
}

Env& World::control_env() noexcept {
  return control_->env;
}

void World::log(std::string line) {
  if (config_.echo_log) fmt::print(stderr, "{}\n", line);
  if (config_.log_lines_kept == 0) return;
  if (log_lines_.size() >= config_.log_lines_kept) log_lines_.pop_front();
  log_lines_.push_back(std::move(line));
}

// ---- nodes ----

Node& World::add_node(std::string name, NodeConfig config) {
  ORRERY_ASSERT(!name.empty(), "a node needs a name");
  ORRERY_ASSERT(find_node(name) == nullptr, "two nodes with one name");
  const auto index = static_cast<std::uint32_t>(nodes_.size());
  nodes_.push_back(std::make_unique<Node>(*this, index, std::move(name), std::move(config)));
  Node& node = *nodes_.back();
  node.start();
  return node;
}

Node& World::node(std::string_view name) {
  Node* found = find_node(name);
  ORRERY_ASSERT(found != nullptr, "no node with that name");
  return *found;
}

Node* World::find_node(std::string_view name) noexcept {
  for (auto& node : nodes_) {
    if (node->name() == name) return node.get();
  }
  return nullptr;
}

Node& World::node(std::uint32_t index) {
  ORRERY_ASSERT(index < nodes_.size(), "no node with that index");
  return *nodes_[index];
}

// ---- faults ----

void World::crash(Node& node) {
  if (!node.up()) return;
  record({.kind = TraceKind::crash, .node = node.index(), .a = node.incarnation()});
  log(fmt::format("{}.{:09}s {} CRASH", now_.time_since_epoch().count() / 1'000'000'000,
                  now_.time_since_epoch().count() % 1'000'000'000, node.name()));
  // Ready work of the node leaves the pool before the system goes (its fibers get cancelled).
  std::vector<Runnable*> dropped = std::move(node.held);
  node.held.clear();
  std::erase_if(ready_, [&](const Ready& entry) {
    if (entry.node != node.index()) return false;
    dropped.push_back(entry.runnable);
    return true;
  });
  node.stop_for_crash();
  // What the dying system scheduled meanwhile landed in `held` (the node is down).
  while (!dropped.empty() || !node.held.empty()) {
    for (Runnable* runnable : node.held)
      dropped.push_back(runnable);
    node.held.clear();
    std::vector<Runnable*> batch = std::move(dropped);
    dropped.clear();
    for (Runnable* runnable : batch)
      runnable->discard();
  }
  drop_node_work(node);
  network_->node_down(node.index());
  node.parts().disk.crash();
  node.paused_until = Instant{};
  node.stall = Duration{0};
}

void World::restart(Node& node) {
  if (node.up()) return;
  record({.kind = TraceKind::restart, .node = node.index(), .a = node.incarnation() + 1ULL});
  node.start();
}

void World::pause(Node& node, Duration duration) {
  if (!node.up() || duration.count() <= 0) return;
  record({.kind = TraceKind::pause,
          .node = node.index(),
          .a = static_cast<std::uint64_t>(duration.count())});
  hold_until(node, now_ + duration);
}

void World::stall_for_io(Node& node, Duration latency, std::string_view op) {
  if (!node.up() || latency.count() <= 0) return;
  record({.kind = TraceKind::disk_latency,
          .node = node.index(),
          .a = static_cast<std::uint64_t>(latency.count()),
          .text = op});
  if (node.stall.count() == 0) stalled_.push_back(node.index());
  node.stall += latency;
  if (!in_step_) settle_stalls();
}

Instant World::node_time(std::uint32_t node) const noexcept {
  return node < nodes_.size() ? now_ + nodes_[node]->stall : now_;
}

void World::settle_stalls() {
  for (const std::uint32_t index : stalled_) {
    Node& node = *nodes_[index];
    const Duration stall = std::exchange(node.stall, Duration{0});
    if (node.up() && stall.count() > 0) hold_until(node, now_ + stall);
  }
  stalled_.clear();
}

void World::hold_until(Node& node, Instant until) {
  if (until <= node.paused_until) return;
  node.paused_until = until;
  if (node.state() != Node::State::paused) {
    node.set_state(Node::State::paused);
    std::erase_if(ready_, [&](const Ready& entry) {
      if (entry.node != node.index()) return false;
      node.held.push_back(entry.runnable);
      return true;
    });
  }
  Node* target = &node;
  schedule(until, no_node, [this, target] { resume_if_due(*target); });
}

void World::resume_if_due(Node& node) {
  if (node.state() != Node::State::paused || now_ < node.paused_until) return;
  node.set_state(Node::State::up);
  for (Runnable* runnable : node.held)
    ready_.push_back({runnable, node.index()});
  node.held.clear();
}

void World::jump_wall_clock(Node& node, Duration delta) {
  record({.kind = TraceKind::clock_jump,
          .node = node.index(),
          .a = static_cast<std::uint64_t>(delta.count())});
  node.parts().clock.jump_wall(delta);
}

void World::set_clock_drift(Node& node, std::int32_t ppm) {
  record(
      {.kind = TraceKind::clock_drift, .node = node.index(), .a = static_cast<std::uint64_t>(ppm)});
  node.parts().clock.set_drift(ppm);
}

void World::drop_node_work(Node& node) {
  for (std::uint32_t index = 0; index < slots_.size(); ++index) {
    Slot& slot = slots_[index];
    if (slot.live && slot.timer && slot.node == node.index()) release_slot(index);
  }
}

// ---- the event queue ----

namespace {

struct Later {
  template <class E>
  bool operator()(const E& a, const E& b) const noexcept {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  }
};

}  // namespace

std::uint64_t World::schedule(Instant when, std::uint32_t node, UniqueFunction<void()> action,
                              bool timer) {
  std::uint32_t index;
  if (!free_slots_.empty()) {
    index = free_slots_.back();
    free_slots_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& slot = slots_[index];
  slot.action = std::move(action);
  slot.node = node;
  slot.live = true;
  slot.timer = timer;
  push_event(std::max(when, now_), index, slot.generation);
  return (static_cast<std::uint64_t>(slot.generation) << 32) | (index + 1ULL);
}

void World::push_event(Instant when, std::uint32_t slot, std::uint32_t generation) {
  events_.push_back({when.time_since_epoch().count(), next_seq_++, slot, generation});
  std::push_heap(events_.begin(), events_.end(), Later{});
}

bool World::cancel(std::uint64_t id) noexcept {
  if (id == 0) return false;
  const auto index = static_cast<std::uint32_t>((id & 0xffffffffULL) - 1);
  const auto generation = static_cast<std::uint32_t>(id >> 32);
  if (index >= slots_.size()) return false;
  Slot& slot = slots_[index];
  if (!slot.live || slot.generation != generation) return false;
  release_slot(index);
  return true;
}

void World::release_slot(std::uint32_t index) noexcept {
  Slot& slot = slots_[index];
  slot.live = false;
  ++slot.generation;
  UniqueFunction<void()> action = std::move(slot.action);
  free_slots_.push_back(index);
  action.reset();  // last: destroying it may cancel other timers
}

void World::make_ready(Runnable& runnable, std::uint32_t node) {
  if (node != no_node) {
    Node& target = *nodes_[node];
    if (target.state() != Node::State::up) {
      target.held.push_back(&runnable);  // paused: later; down: discarded by the crash
      return;
    }
  }
  ready_.push_back({&runnable, node});
}

// ---- running ----

bool World::step() {
  in_step_ = true;
  const bool ran = run_one();
  in_step_ = false;
  settle_stalls();
  return ran;
}

bool World::run_one() {
  if (!ready_.empty()) {
    std::size_t pick = 0;
    if (ready_.size() > 1)
      pick = static_cast<std::size_t>(uniform_below(schedule_random_, ready_.size()));
    const Ready entry = ready_[pick];
    ready_[pick] = ready_.back();
    ready_.pop_back();
    ++steps_;
    record({.kind = TraceKind::run, .node = entry.node, .a = entry.runnable->trace_id});
    entry.runnable->run(*host_);
    return true;
  }
  while (!events_.empty()) {
    const Event top = events_.front();
    if (top.at > run_deadline_.time_since_epoch().count()) return false;
    std::pop_heap(events_.begin(), events_.end(), Later{});
    events_.pop_back();
    Slot& slot = slots_[top.slot];
    if (!slot.live || slot.generation != top.generation) continue;  // cancelled
    now_ = std::max(now_, Instant{Duration{top.at}});
    if (slot.node != no_node) {
      Node& node = *nodes_[slot.node];
      if (node.state() == Node::State::paused) {
        push_event(std::max(node.paused_until, now_), top.slot, top.generation);
        continue;
      }
    }
    ++steps_;
    if (slot.timer) record({.kind = TraceKind::timer, .node = slot.node});
    UniqueFunction<void()> action = std::move(slot.action);
    release_slot(top.slot);
    action();
    return true;
  }
  return false;
}

bool World::loop_step() {
  if (run_done_ != nullptr && (*run_done_)()) {
    run_stop_ = Stop::done;
    return false;
  }
  if (step()) return true;
  if (!events_.empty()) {
    now_ = std::max(now_, run_deadline_);
    run_stop_ = Stop::deadline;
  } else {
    run_stop_ = Stop::quiescent;
  }
  return false;
}

Stop World::run_until(const std::function<bool()>& done, Instant deadline) {
  ORRERY_ASSERT(!in_run_ && !host_->on_fiber(),
                "World::run_until from inside the world; a script sleeps instead");
  in_run_ = true;
  run_done_ = done ? &done : nullptr;
  run_deadline_ = deadline;
  host_->run();
  run_done_ = nullptr;
  in_run_ = false;
  if (run_stop_ == Stop::quiescent && now_ < deadline && deadline != Instant::max()) {
    // Nothing more will happen before the deadline: time still passes.
    now_ = deadline;
  }
  return run_stop_;
}

Stop World::run_for(Duration duration) {
  return run_until(nullptr, now_ + duration);
}

bool World::drive_until(const std::function<bool()>& done, Duration limit) {
  if (in_run_ || host_->on_fiber()) return false;
  if (!done()) run_until(done, now_ + limit);
  return true;
}

Stop World::run_until_quiescent(Duration limit) {
  const Instant deadline = now_ + limit;
  run_done_ = nullptr;
  ORRERY_ASSERT(!in_run_ && !host_->on_fiber(), "World::run_until_quiescent from inside the world");
  in_run_ = true;
  run_deadline_ = deadline;
  host_->run();
  in_run_ = false;
  return run_stop_;
}

bool World::await(const std::function<bool()>& ready, Duration timeout) {
  const Instant deadline = now_ + timeout;
  if (host_->on_fiber()) {
    while (!ready()) {
      if (now_ >= deadline) return false;
      park_until(*host_, control_->executor, control_->timers,
                 std::min(deadline, now_ + std::chrono::milliseconds(1)), "await a condition");
    }
    return true;
  }
  if (ready()) return true;
  return run_until(ready, deadline) == Stop::done || ready();
}

Status World::run_script(std::string name, UniqueFunction<void(Script&)> body, Duration limit) {
  Future<Done> done =
      start_driver(control_->env, name, [this, body = std::move(body)](Driver& driver) mutable {
        Script script(*this, driver);
        body(script);
      });
  const Instant deadline = now_ + limit;
  std::function<bool()> finished = [&done] {
    return done.ready();
  };
  const Stop stop = run_until(finished, deadline);
  if (!done.ready()) {
    return make_error(
        Errc::timeout,
        fmt::format(
            "script '{}' did not finish: {} at {} ms of virtual time (seed {})\n{}", name,
            stop == Stop::quiescent ? "deadlock, nothing left to run" : "time limit reached",
            std::chrono::duration_cast<std::chrono::milliseconds>(now_.time_since_epoch()).count(),
            seed_, describe_waiting()));
  }
  Result<Done> result = done.take();
  if (!result.ok()) {
    return make_error(
        result.error().code,
        fmt::format(
            "script '{}' failed at {} ms of virtual time (seed {}): {}", name,
            std::chrono::duration_cast<std::chrono::milliseconds>(now_.time_since_epoch()).count(),
            seed_, result.error().message));
  }
  return {};
}

std::string World::describe_waiting() const {
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "at {} ns of virtual time:\n", now_.time_since_epoch().count());
  const auto parked = host_->parked();
  fmt::format_to(it, "  parked fibers: {}\n", parked.size());
  for (const ParkedFiber& fiber : parked)
    fmt::format_to(it, "    {} waits for {}\n", fiber.name, fiber.waiting_for);
  fmt::format_to(it, "  ready runnables: {}\n", ready_.size());
  std::vector<std::uint32_t> timers(nodes_.size() + 1, 0);
  for (const Slot& slot : slots_) {
    if (slot.live && slot.timer) ++timers[slot.node == no_node ? nodes_.size() : slot.node];
  }
  for (const auto& node : nodes_) {
    const char* state = node->state() == Node::State::up       ? "up"
                        : node->state() == Node::State::paused ? "paused"
                                                               : "down";
    fmt::format_to(it, "  node {} ({}, incarnation {}): {} timers pending, {} held runnables\n",
                   node->name(), state, node->incarnation(), timers[node->index()],
                   node->held.size());
  }
  fmt::format_to(it, "  world timers pending: {}\n", timers.back());
  return out;
}

}  // namespace orrery::sim
