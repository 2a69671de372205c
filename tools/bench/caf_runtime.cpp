// The runtime workloads on CAF 0.17, the peer: written as a CAF user would, with the scheduler
// capped at the worker count our side uses (scheduler.max-threads).
#include <atomic>
#include <vector>

#include <caf/all.hpp>

#include <orrery/core/assert.hpp>

#include "measure.hpp"
#include "workloads.hpp"

namespace orrery::bench::caf_peer {
namespace {

using burst_atom = caf::atom_constant<caf::atom("burst")>;
using done_atom = caf::atom_constant<caf::atom("done")>;

caf::actor_system_config configured(std::uint32_t workers) {
  caf::actor_system_config config;
  config.set("scheduler.max-threads", static_cast<int>(workers));
  return config;
}

/// A CAF actor system with `workers` scheduler threads; its destructor waits for every actor.
struct Node {
  explicit Node(std::uint32_t workers) : config(configured(workers)), system(config) {}
  caf::actor_system_config config;
  caf::actor_system system;
};

caf::behavior player(caf::event_based_actor* self, CountDown* done) {
  return {[=](std::uint64_t remaining) {
    if (remaining == 0) {
      done->count_down();
      return;
    }
    self->send(caf::actor_cast<caf::actor>(self->current_sender()), remaining - 1);
  }};
}

struct CounterState {
  std::uint64_t received = 0;
};

caf::behavior item_counter(caf::stateful_actor<CounterState>* self, std::uint64_t expected,
                           CountDown* done) {
  return {[=](std::uint64_t) {
    if (++self->state.received == expected) done->count_down();
  }};
}

caf::behavior fan_in_sender(caf::event_based_actor* self, caf::actor receiver,
                            std::uint32_t burst) {
  return {[=](burst_atom, std::uint64_t remaining) {
    const std::uint64_t now = std::min<std::uint64_t>(burst, remaining);
    for (std::uint64_t i = 0; i < now; ++i)
      self->send(receiver, i);
    if (remaining > now) self->send(self, burst_atom::value, remaining - now);
  }};
}

struct TreeState {
  int children_left = 2;
};

caf::behavior tree_node(caf::stateful_actor<TreeState>* self, std::uint32_t levels_below,
                        caf::actor parent, CountDown* root_done) {
  if (levels_below == 0) {
    self->send(parent, done_atom::value);
    self->quit();
    return {};
  }
  auto me = caf::actor_cast<caf::actor>(self);
  self->spawn(tree_node, levels_below - 1, me, root_done);
  self->spawn(tree_node, levels_below - 1, me, root_done);
  return {[=](done_atom) {
    if (--self->state.children_left > 0) return;
    if (parent) {
      self->send(parent, done_atom::value);
    } else {
      root_done->count_down();
    }
    self->quit();
  }};
}

caf::behavior idle(caf::event_based_actor*, CountDown* ready) {
  ready->count_down();
  return {[](std::uint64_t) {
  }};
}

/// Spawns `count` idle actors and waits until each has run its initialization (CAF starts an
/// actor asynchronously, on a scheduler thread; ours is ready when spawn returns).
struct IdleActors {
  explicit IdleActors(std::uint64_t count) : ready(count) { handles.reserve(count); }
  void spawn(caf::actor_system& system, std::uint64_t count) {
    for (std::uint64_t i = 0; i < count; ++i)
      handles.push_back(system.spawn(idle, &ready));
    ready.wait();
  }
  ~IdleActors() {
    for (auto& handle : handles)
      caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
  }
  CountDown ready;
  std::vector<caf::actor> handles;
};

}  // namespace

const char* name() {
  return "caf-0.17";
}

double ping_pong(const PingPongSpec& spec) {
  ORRERY_ASSERT(spec.round_trips > 0, "a ping-pong needs round trips");
  Node node(spec.cross_thread ? 2 : 1);
  CountDown done(1);
  caf::actor a, b;
  if (spec.cross_thread) {
    a = node.system.spawn<caf::detached>(player, &done);
    b = node.system.spawn<caf::detached>(player, &done);
  } else {
    a = node.system.spawn(player, &done);
    b = node.system.spawn(player, &done);
  }
  const Stopwatch stopwatch;
  caf::send_as(b, a, std::uint64_t{2 * spec.round_trips});
  done.wait();
  const double elapsed = stopwatch.elapsed_ns();
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  const double per = spec.cross_thread ? static_cast<double>(spec.round_trips)
                                       : static_cast<double>(2 * spec.round_trips);
  return elapsed / per;
}

double pairs(const PairsSpec& spec) {
  Node node(spec.workers);
  CountDown done(spec.pairs);
  std::vector<std::pair<caf::actor, caf::actor>> players;
  players.reserve(spec.pairs);
  for (std::uint32_t i = 0; i < spec.pairs; ++i) {
    players.emplace_back(node.system.spawn(player, &done), node.system.spawn(player, &done));
  }
  const Stopwatch stopwatch;
  for (auto& [a, b] : players)
    caf::send_as(b, a, std::uint64_t{2 * spec.round_trips_per_pair});
  done.wait();
  const double elapsed_s = stopwatch.elapsed_s();
  for (auto& [a, b] : players) {
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  }
  return 2.0 * static_cast<double>(spec.round_trips_per_pair) * spec.pairs / elapsed_s;
}

double fan_in(const FanInSpec& spec) {
  Node node(spec.workers);
  CountDown done(1);
  const std::uint64_t total = spec.messages_per_sender * spec.senders;
  auto receiver = node.system.spawn(item_counter, total, &done);
  std::vector<caf::actor> senders;
  for (std::uint32_t i = 0; i < spec.senders; ++i) {
    senders.push_back(node.system.spawn(fan_in_sender, receiver, spec.burst));
  }
  const Stopwatch stopwatch;
  for (auto& sender : senders)
    caf::anon_send(sender, burst_atom::value, spec.messages_per_sender);
  done.wait();
  const double elapsed_s = stopwatch.elapsed_s();
  for (auto& sender : senders)
    caf::anon_send_exit(sender, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(receiver, caf::exit_reason::user_shutdown);
  return static_cast<double>(total) / elapsed_s;
}

double queued_message_bytes(std::uint64_t messages) {
  Node node(2);
  std::atomic<bool> busy{false}, gate_open{false};
  CountDown drained(messages + 1);
  // As on our side: the first message parks the receiver until the gate opens.
  auto receiver = node.system.spawn([&](caf::event_based_actor*) -> caf::behavior {
    return {[&](std::uint64_t value) {
      if (value == 0) {
        busy.store(true, std::memory_order_release);
        busy.notify_all();
        gate_open.wait(false, std::memory_order_acquire);
      }
      drained.count_down();
    }};
  });
  caf::anon_send(receiver, std::uint64_t{0});
  busy.wait(false, std::memory_order_acquire);
  release_free_memory();
  const std::uint64_t before = resident_bytes();
  for (std::uint64_t i = 1; i <= messages; ++i)
    caf::anon_send(receiver, i);
  const std::uint64_t after = resident_bytes();
  gate_open.store(true, std::memory_order_release);
  gate_open.notify_all();
  drained.wait();
  caf::anon_send_exit(receiver, caf::exit_reason::user_shutdown);
  return static_cast<double>(after - before) / static_cast<double>(messages);
}

double spawn_time(std::uint64_t count) {
  Node node(2);
  IdleActors actors(count);
  const Stopwatch stopwatch;
  actors.spawn(node.system, count);
  return stopwatch.elapsed_ns() / static_cast<double>(count);
}

double spawn_bytes(std::uint64_t count) {
  Node node(2);
  IdleActors actors(count);
  release_free_memory();
  const std::uint64_t before = resident_bytes();
  actors.spawn(node.system, count);
  const std::uint64_t after = resident_bytes();
  return static_cast<double>(after - before) / static_cast<double>(count);
}

double tree(std::uint32_t levels) {
  ORRERY_ASSERT(levels >= 2 && levels <= 24, "a tree of 2^levels - 1 actors, 2 <= levels <= 24");
  Node node(2);
  CountDown done(1);
  const Stopwatch stopwatch;
  node.system.spawn(tree_node, levels - 1, caf::actor{}, &done);
  done.wait();
  return stopwatch.elapsed_ns() / static_cast<double>((std::uint64_t{1} << levels) - 1);
}

double ask_round_trip(std::uint64_t round_trips, std::uint32_t workers) {
  Node node(workers);
  auto responder = node.system.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](std::uint64_t n) {
      return n;
    }};
  });
  caf::scoped_actor self{node.system};
  const Stopwatch stopwatch;
  for (std::uint64_t i = 0; i < round_trips; ++i) {
    bool answered = false;
    self->request(responder, std::chrono::seconds(5), i)
        .receive([&](std::uint64_t n) { answered = n == i; }, [](caf::error&) {});
    ORRERY_ASSERT(answered, "a CAF request in the benchmark failed");
  }
  const double elapsed = stopwatch.elapsed_ns();
  caf::anon_send_exit(responder, caf::exit_reason::user_shutdown);
  return elapsed / static_cast<double>(round_trips);
}

}  // namespace orrery::bench::caf_peer
