#pragma once
// World: a seeded, single-threaded universe of simulated nodes (FoundationDB's simulator, in the
// shape of Akka's multi-node testkit). One event queue ordered by (virtual time, sequence);
// virtual time jumps straight to the next event. Ready work (actor turns, fibers) runs before
// time moves, and when several Runnables are ready at once, the seed picks which runs next, so
// seeds explore interleavings. Every node, link and disk draws from its own stream split from
// the world seed; every observable event is folded into the trace hash.
//
//   World world(seed);
//   Node& a = world.add_node("a", {.on_start = [](Node& n) { n.system().spawn(server(), "server");
//   }}); Node& b = world.add_node("b"); world.network().partition({{a.index()}, {b.index()}});
//   world.run_for(10s);
//   world.crash(a); world.restart(a);
//   fmt::print("{:016x}\n", world.trace().hash());
//
// A World lives on one thread; nothing in it is thread-safe, and nothing needs to be.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <orrery/core/result.hpp>
#include <orrery/core/time.hpp>
#include <orrery/core/unique_function.hpp>
#include <orrery/env/env.hpp>
#include <orrery/env/random.hpp>
#include <orrery/sim/config.hpp>
#include <orrery/sim/trace.hpp>

namespace orrery {
class FiberHost;
}

namespace orrery::sim {

class Node;
class Script;
class SimNetwork;

/// Why a run returned.
enum class Stop : std::uint8_t {
  done,       // the predicate held
  deadline,   // virtual time reached the deadline
  quiescent,  // nothing ready and no event pending
};
const char* to_string(Stop stop) noexcept;

class World {
 public:
  explicit World(std::uint64_t seed, WorldConfig config = {});
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  std::uint64_t seed() const noexcept { return seed_; }
  const WorldConfig& config() const noexcept { return config_; }
  /// Virtual time of the world (nodes' clocks add their offset and drift).
  Instant now() const noexcept { return now_; }

  // ---- nodes ----
  /// A node named `name` (unique; it is also its address's host unless the config says
  /// otherwise), started at once: its actor system, remoting and on_start.
  Node& add_node(std::string name, NodeConfig config = {});
  Node& node(std::string_view name);
  Node* find_node(std::string_view name) noexcept;
  Node& node(std::uint32_t index);
  std::uint32_t node_count() const noexcept { return static_cast<std::uint32_t>(nodes_.size()); }

  // ---- faults (also reachable from Script and FaultPlan) ----
  /// Destroys the node's actor system (all memory state gone); its disk keeps only what was
  /// synced, unsynced writes applied, lost or torn; frames in flight to it are lost.
  void crash(Node& node);
  /// Starts a crashed node again on the same disk, as a new incarnation.
  void restart(Node& node);
  /// Stalls the node (a long GC pause): nothing of it runs until `duration` has passed; what
  /// arrives meanwhile waits.
  void pause(Node& node, Duration duration);
  /// The node's only thread blocks for `latency` in a synchronous call (a disk I/O). Inside a
  /// step the rest of the running turn happens after the stall: the node's clock, the frames it
  /// sends and the timers it starts count from the stall's end, and nothing else of the node
  /// runs before then. Outside a step (test code calling a node's disk) the node is held for
  /// `latency` from now. Traced as disk_latency with `op`.
  void stall_for_io(Node& node, Duration latency, std::string_view op);
  /// World time as `node` sees it: the world's, plus what its running turn has stalled so far.
  Instant node_time(std::uint32_t node) const noexcept;
  /// Moves the node's wall clock by `delta` (either way); its monotonic clock is unaffected.
  void jump_wall_clock(Node& node, Duration delta);
  /// Makes the node's clock run `ppm` parts per million fast (negative: slow) from now on.
  void set_clock_drift(Node& node, std::int32_t ppm);
  SimNetwork& network() noexcept { return *network_; }

  // ---- running ----
  /// Runs until `done()` holds (checked before each step), virtual time reaches `deadline`, or
  /// nothing is left to do. Not from inside the world (a script sleeps or waits instead).
  Stop run_until(const std::function<bool()>& done, Instant deadline);
  Stop run_for(Duration duration);
  /// Runs until nothing is ready and no event is pending, or `limit` of virtual time passed.
  Stop run_until_quiescent(Duration limit);
  /// The simulated executors' drive_until: from the test's thread, runs the world until `done`
  /// holds, nothing is left to do, or `limit` passes, and returns true; from inside the world
  /// (a turn, a script, an event) it returns false at once, since the world is already running.
  bool drive_until(const std::function<bool()>& done, Duration limit);
  /// Runs a scenario script on a fiber until it returns; an error when it throws, or when it
  /// has not finished after `limit` of virtual time (with a report of who waits on what).
  Status run_script(std::string name, UniqueFunction<void(Script&)> body,
                    Duration limit = std::chrono::hours(1));
  /// Events handled and Runnables run so far.
  std::uint64_t steps() const noexcept { return steps_; }
  /// Who waits on what: parked fibers (actors' awaits, scripts), ready work and pending events
  /// per node, in virtual time. The body of a deadlock report.
  std::string describe_waiting() const;

  // ---- observing ----
  Trace& trace() noexcept { return trace_; }
  /// The newest log lines of every node, stamped with virtual time and node.
  const std::deque<std::string>& log_lines() const noexcept { return log_lines_; }
  /// The world's own stream (fault plans, scripts); nodes, links and disks have theirs.
  Random& random() noexcept { return random_; }
  /// A new stream derived from the seed and a label; the same label gives the same stream.
  std::uint64_t derive_seed(std::string_view label) const noexcept;
  /// An Env on the world itself (world clock, world timers, the simulated executor, no network
  /// or disk): for driver fibers that are not part of any node, such as scripts.
  Env& control_env() noexcept;

  // ---- waiting in virtual time (the testkit's SimTime adapts these for probes) ----
  /// Runs until `ready` holds or `timeout` passes. From the test's thread it runs the world;
  /// from a fiber inside the world (a script) it parks that fiber and polls every millisecond.
  bool await(const std::function<bool()>& ready, Duration timeout);

  // ---- for the simulator's parts (nodes, network, disks) ----
  static constexpr std::uint32_t no_node = UINT32_MAX;
  /// Runs `action` at `when` (world time) as an event of `node` (held while it is paused).
  /// The id cancels it. `timer` marks node timers: traced when they fire, dropped on a crash.
  std::uint64_t schedule(Instant when, std::uint32_t node, UniqueFunction<void()> action,
                         bool timer = false);
  /// Cancels a pending event; true if it had not run. Its action is destroyed at once.
  bool cancel(std::uint64_t id) noexcept;
  /// Makes `runnable` ready on `node` (no_node: the control Env).
  void make_ready(Runnable& runnable, std::uint32_t node);
  void record(const TraceEvent& event) { trace_.record(now_, event); }
  void log(std::string line);
  FiberHost& host() noexcept { return *host_; }

 private:
  struct Event {
    std::int64_t at;
    std::uint64_t seq;
    std::uint32_t slot;
    std::uint32_t generation;
  };
  struct Slot {
    UniqueFunction<void()> action;
    std::uint32_t node = no_node;
    std::uint32_t generation = 0;
    bool live = false;
    bool timer = false;
  };
  struct Ready {
    Runnable* runnable;
    std::uint32_t node;
  };
  class ControlParts;

  bool loop_step();
  bool step();
  bool run_one();
  /// Ends the stalls of the turn that just ran: each stalled node is held until its stall ends.
  void settle_stalls();
  void hold_until(Node& node, Instant until);
  void push_event(Instant when, std::uint32_t slot, std::uint32_t generation);
  void release_slot(std::uint32_t slot) noexcept;
  void drop_node_work(Node& node);
  void resume_if_due(Node& node);

  std::uint64_t seed_;
  WorldConfig config_;
  Instant now_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t steps_ = 0;
  SeededRandom random_;
  SeededRandom schedule_random_;
  Trace trace_;
  std::vector<Event> events_;           // a binary min-heap on (at, seq)
  std::vector<std::uint32_t> stalled_;  // nodes with a stall in the running step, in order
  bool in_step_ = false;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<Ready> ready_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::unique_ptr<SimNetwork> network_;
  std::unique_ptr<ControlParts> control_;
  std::deque<std::string> log_lines_;
  // The loop's stop condition, set by run_until.
  const std::function<bool()>* run_done_ = nullptr;
  Instant run_deadline_;
  Stop run_stop_ = Stop::quiescent;
  bool in_run_ = false;
  std::unique_ptr<FiberHost> host_;  // last member: destroyed first, while nodes still exist
};

}  // namespace orrery::sim
