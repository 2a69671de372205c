#pragma once
// Node: one simulated process of a World: an unchanged ActorSystem (and Remoting) over a
// simulated Env: a node clock with offset and drift, timers in the world's queue, the world's
// deterministic executor, its own random stream, an endpoint of the SimNetwork, a SimDisk that
// outlives crashes, a log stamped with virtual time, and BUGGIFY.
//
// Faults go through the World (world.crash(node), ...); the Node shows its state.
#include <cstdint>
#include <memory>
#include <string>

#include <orrery/actor/actor_system.hpp>
#include <orrery/env/env.hpp>
#include <orrery/remote/remoting.hpp>
#include <orrery/sim/config.hpp>

namespace orrery::sim {

class World;
class SimDisk;

class Node {
 public:
  enum class State : std::uint8_t { up, paused, down };

  const std::string& name() const noexcept { return name_; }
  std::uint32_t index() const noexcept { return index_; }
  const NodeAddress& address() const noexcept { return address_; }
  const NodeConfig& config() const noexcept { return config_; }
  State state() const noexcept { return state_; }
  bool up() const noexcept { return state_ != State::down; }
  /// 0 for the first start, then one more per restart.
  std::uint32_t incarnation() const noexcept { return incarnation_; }

  /// The running actor system (the node must be up).
  ActorSystem& system() const;
  /// The node's remoting, or null when the config has none or the node is down.
  Remoting* remoting() const noexcept { return remoting_ ? remoting_.operator->() : nullptr; }
  /// `orrery://system@host:port/<path>` of an actor on this node.
  std::string actor_uri(std::string_view path) const;
  Env& env() noexcept;
  SimDisk& disk() noexcept;
  /// The node's own monotonic clock (offset and drift applied).
  Instant now() const noexcept;
  World& world() const noexcept { return world_; }

  Node(World& world, std::uint32_t index, std::string name, NodeConfig config);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // ---- for the World ----
  struct Parts;
  Parts& parts() noexcept { return *parts_; }
  void start();
  void stop_for_crash();
  void set_state(State state) noexcept { state_ = state; }
  Instant paused_until{};
  /// How long the running turn has blocked in synchronous I/O (World::stall_for_io).
  Duration stall{0};
  /// Work made ready while paused (run when the pause ends) or while crashing (discarded).
  std::vector<Runnable*> held;

 private:
  World& world_;
  std::uint32_t index_;
  std::string name_;
  NodeConfig config_;
  NodeAddress address_;
  State state_ = State::down;
  std::uint32_t incarnation_ = 0;
  bool started_once_ = false;
  std::unique_ptr<Parts> parts_;
  ActorSystemPtr system_;
  RemotingPtr remoting_;
};

}  // namespace orrery::sim
