#pragma once
// MemoryNetwork: several nodes in one ManualEnv-style world for remoting's unit tests: a shared
// clock, timers and FIFO executor, one transport endpoint per node, frames delivered as
// Runnables after a fixed latency, with switches to cut links, duplicate and reorder frames.
// (The simulator's SimNetwork is the full version.)

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <support/manual_env.hpp>

#include <orrery/env/env.hpp>

namespace orrery::test {

class MemoryNetwork;

class MemoryEndpoint final : public Transport {
 public:
  MemoryEndpoint(MemoryNetwork& network, NodeAddress address)
      : network_(network), address_(std::move(address)) {}
  const NodeAddress& local_address() const noexcept override { return address_; }
  void attach(FrameSink& sink) override { sink_ = &sink; }
  void detach() noexcept override { sink_ = nullptr; }
  SendStatus send(const NodeAddress& to, Frame frame) override;
  void disconnect(const NodeAddress&) override {}
  FrameSink* sink() const { return sink_; }

 private:
  MemoryNetwork& network_;
  NodeAddress address_;
  FrameSink* sink_ = nullptr;
};

class MemoryNetwork {
 public:
  struct Node {
    std::unique_ptr<MemoryEndpoint> endpoint;
    std::unique_ptr<SeededRandom> random;
    std::unique_ptr<CapturingLog> log;
    std::unique_ptr<Env> env;
  };

  explicit MemoryNetwork(Duration latency = std::chrono::milliseconds(1)) : latency_(latency) {}

  /// A node's Env: shared clock, timers, executor; its own transport, random and log.
  Env& add_node(const NodeAddress& address) {
    Node node;
    node.endpoint = std::make_unique<MemoryEndpoint>(*this, address);
    node.random = std::make_unique<SeededRandom>(nodes_.size() + 7);
    node.log = std::make_unique<CapturingLog>();
    node.env = std::make_unique<Env>(
        Env{clock_, timers_, executor_, *node.random, *node.endpoint, storage_, *node.log});
    Env& env = *node.env;
    nodes_[address] = std::move(node);
    return env;
  }
  /// Replaces a node's endpoint and Env (a restart on the same address).
  Env& restart_node(const NodeAddress& address) {
    nodes_.erase(address);
    return add_node(address);
  }

  void cut(const NodeAddress& a, const NodeAddress& b) {
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  void heal() { cut_.clear(); }
  void set_duplicate(bool on) { duplicate_ = on; }
  /// Every other frame is held back and delivered after the next one.
  void set_reorder(bool on) { reorder_ = on; }
  /// Delivers raw bytes to `to` as if `from` sent them.
  void inject(const NodeAddress& from, const NodeAddress& to, Frame frame) {
    deliver(from, to, std::move(frame), latency_);
  }

  void advance(Duration duration) {
    const Instant limit = clock_.now() + duration;
    executor_.drain();
    Instant when;
    TimerTask task;
    while (timers_.pop_due(limit, when, task)) {
      if (when > clock_.now()) clock_.set(when);
      task();
      task.reset();
      executor_.drain();
    }
    clock_.set(limit);
  }
  bool run_until(const std::function<bool()>& done, Duration limit) {
    const Instant deadline = clock_.now() + limit;
    executor_.drain();
    while (!done()) {
      if (clock_.now() >= deadline) return false;
      advance(std::chrono::milliseconds(1));
    }
    return true;
  }
  Instant now() const { return clock_.now(); }
  std::uint64_t frames_delivered() const { return delivered_; }

  SendStatus route(const NodeAddress& from, const NodeAddress& to, Frame frame) {
    if (nodes_.find(to) == nodes_.end() || cut_.count({from, to}) != 0)
      return SendStatus::queued;  // lost
    Duration latency = latency_;
    if (reorder_ && (++sent_ % 2 == 1)) latency += std::chrono::microseconds(500);
    if (duplicate_) deliver(from, to, frame, latency);
    deliver(from, to, std::move(frame), latency);
    return SendStatus::queued;
  }

 private:
  void deliver(const NodeAddress& from, const NodeAddress& to, Frame frame, Duration latency) {
    timers_.schedule_at(clock_.now() + latency,
                        [this, from, to, frame = std::move(frame)]() mutable {
                          auto node = nodes_.find(to);
                          if (node == nodes_.end() || cut_.count({from, to}) != 0) return;
                          if (FrameSink* sink = node->second.endpoint->sink()) {
                            ++delivered_;
                            sink->on_frame(from, std::move(frame));
                          }
                        });
  }

  Duration latency_;
  ManualClock clock_;
  ManualTimers timers_;
  FifoExecutor executor_{clock_, timers_};
  NullStorage storage_;
  std::map<NodeAddress, Node> nodes_;
  std::set<std::pair<NodeAddress, NodeAddress>> cut_;
  bool duplicate_ = false;
  bool reorder_ = false;
  std::uint64_t sent_ = 0;
  std::uint64_t delivered_ = 0;
};

inline SendStatus MemoryEndpoint::send(const NodeAddress& to, Frame frame) {
  return network_.route(address_, to, std::move(frame));
}

}  // namespace orrery::test
