// A node's life: start (actor system, remoting, on_start), and the memory it loses on a crash.

#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_network.hpp>

#include "node_parts.hpp"

namespace orrery::sim {

Node::Node(World& world, std::uint32_t index, std::string name, NodeConfig config)
    : world_(world), index_(index), name_(std::move(name)), config_(std::move(config)) {
  address_ = NodeAddress{config_.actor_system.name, config_.host.empty() ? name_ : config_.host,
                         config_.port};
  Transport& endpoint = world.network().add_endpoint(index_, address_);
  parts_ = std::make_unique<Parts>(world, *this, endpoint);
}

Node::~Node() = default;

ActorSystem& Node::system() const {
  ORRERY_ASSERT(system_, "the node is down: it has no actor system");
  return *system_;
}

std::string Node::actor_uri(std::string_view path) const {
  std::string uri = "orrery://" + address_.to_string();
  if (path.empty() || path.front() != '/') uri += '/';
  uri += path;
  return uri;
}

Env& Node::env() noexcept {
  return parts_->env;
}
SimDisk& Node::disk() noexcept {
  return parts_->disk;
}
Instant Node::now() const noexcept {
  return parts_->clock.now();
}

void Node::start() {
  ORRERY_ASSERT(state_ == State::down, "starting a node that runs");
  if (started_once_) {
    ++incarnation_;
    // A new process draws new randomness (and so a new actor-system uid).
    parts_->random.generator() =
        Xoshiro256(world_.derive_seed("node/" + name_ + "/random/" + std::to_string(incarnation_)));
  }
  started_once_ = true;
  state_ = State::up;
  world_.network().node_up(index_);
  system_ = ActorSystem::create(parts_->env, config_.actor_system);
  if (config_.remoting) remoting_ = Remoting::start(*system_, parts_->transport, config_.remote);
  if (config_.on_start) config_.on_start(*this);
}

void Node::stop_for_crash() {
  state_ = State::down;
  remoting_.reset();
  // A crash, not a drop: dropping a live system would terminate it gracefully (PostStop,
  // coordinated shutdown), which a process that dies never gets to do.
  if (system_) system_->abort();
  system_.reset();
}

}  // namespace orrery::sim
