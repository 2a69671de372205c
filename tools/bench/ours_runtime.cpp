// The runtime workloads on Orrery: ActorSystem over BenchEnv (the production thread pool).
#include <atomic>
#include <vector>

#include <orrery/actor.hpp>

#include "bench_env.hpp"
#include "measure.hpp"
#include "workloads.hpp"

namespace orrery::bench::ours {
namespace {

using namespace std::chrono_literals;

/// A node: its Env and its actor system, declared so that the system goes first.
struct Node {
  explicit Node(std::uint32_t workers) : bench_env(BenchEnvConfig{.workers = workers}) {}
  ~Node() {
    system->terminate();
    const auto stopped = system->when_terminated().get();
    ORRERY_ASSERT(stopped.ok(), "the benchmark's actor system did not terminate cleanly");
  }
  BenchEnv bench_env;
  ActorSystemPtr system = ActorSystem::create(bench_env.env(), {.name = "bench"});
};

// ---- ping-pong and pairs ----

struct Ball {
  std::uint64_t remaining;
  ActorRef<Ball> reply_to;
};

Behavior<Ball> player(CountDown& done) {
  return behaviors::receive<Ball>([&done](ActorContext<Ball>& ctx, Ball& ball) {
    if (ball.remaining == 0) {
      done.count_down();
      return;
    }
    ball.reply_to.tell(Ball{ball.remaining - 1, ctx.self()});
  });
}

// ---- fan-in ----

struct Item {
  std::uint64_t value;
};

/// Counts items; the last one completes `done`.
struct ItemCounter {
  std::uint64_t expected;
  CountDown* done;
  std::uint64_t received = 0;
  void on_message(ActorContext<Item>&, Item&) {
    if (++received == expected) done->count_down();
  }
};

struct Burst {
  std::uint64_t remaining;
};

Behavior<Burst> fan_in_sender(ActorRef<Item> receiver, std::uint32_t burst) {
  return behaviors::receive<Burst>([receiver, burst](ActorContext<Burst>& ctx, Burst& command) {
    const std::uint64_t now = std::min<std::uint64_t>(burst, command.remaining);
    for (std::uint64_t i = 0; i < now; ++i)
      receiver.tell(Item{i});
    if (command.remaining > now) ctx.self().tell(Burst{command.remaining - now});
  });
}

// ---- tree ----

struct ChildDone {};

struct TreeNode {
  ActorRef<ChildDone> parent;  // null at the root
  CountDown* root_done;
  int children_left = 2;
  Behavior<ChildDone> on_message(ActorContext<ChildDone>&, ChildDone&) {
    if (--children_left > 0) return behaviors::same();
    if (parent) {
      parent.tell(ChildDone{});
    } else {
      root_done->count_down();
    }
    return behaviors::stopped();
  }
};

Behavior<ChildDone> tree_node(std::uint32_t levels_below, ActorRef<ChildDone> parent,
                              CountDown* root_done) {
  return behaviors::setup<ChildDone>([=](ActorContext<ChildDone>& ctx) -> Behavior<ChildDone> {
    if (levels_below == 0) {
      parent.tell(ChildDone{});
      return behaviors::stopped();
    }
    ctx.spawn_anonymous(tree_node(levels_below - 1, ctx.self(), root_done));
    ctx.spawn_anonymous(tree_node(levels_below - 1, ctx.self(), root_done));
    return behaviors::of<ChildDone, TreeNode>(TreeNode{parent, root_done});
  });
}

// ---- ask ----

struct Query {
  std::uint64_t n;
  ActorRef<std::uint64_t> reply_to;
};

}  // namespace

double ping_pong(const PingPongSpec& spec) {
  ORRERY_ASSERT(spec.round_trips > 0, "a ping-pong needs round trips");
  Node node(spec.cross_thread ? 2 : 1);
  CountDown done(1);
  const Props left = spec.cross_thread ? Props::pinned(0) : Props{};
  const Props right = spec.cross_thread ? Props::pinned(1) : Props{};
  auto a = node.system->spawn(player(done), "a", left);
  auto b = node.system->spawn(player(done), "b", right);
  const Stopwatch stopwatch;
  a.tell(Ball{2 * spec.round_trips, b});
  done.wait();
  const double elapsed = stopwatch.elapsed_ns();
  const double per = spec.cross_thread ? static_cast<double>(spec.round_trips)
                                       : static_cast<double>(2 * spec.round_trips);
  return elapsed / per;
}

double pairs(const PairsSpec& spec) {
  Node node(spec.workers);
  CountDown done(spec.pairs);
  std::vector<std::pair<ActorRef<Ball>, ActorRef<Ball>>> players;
  players.reserve(spec.pairs);
  for (std::uint32_t i = 0; i < spec.pairs; ++i) {
    players.emplace_back(node.system->spawn_anonymous(player(done)),
                         node.system->spawn_anonymous(player(done)));
  }
  const Stopwatch stopwatch;
  for (auto& [a, b] : players)
    a.tell(Ball{2 * spec.round_trips_per_pair, b});
  done.wait();
  const double messages = 2.0 * static_cast<double>(spec.round_trips_per_pair) * spec.pairs;
  return messages / stopwatch.elapsed_s();
}

double fan_in(const FanInSpec& spec) {
  Node node(spec.workers);
  CountDown done(1);
  const std::uint64_t total = spec.messages_per_sender * spec.senders;
  auto receiver =
      node.system->spawn(behaviors::setup<Item>([&done, total](ActorContext<Item>&) {
                           return behaviors::of<Item, ItemCounter>(ItemCounter{total, &done});
                         }),
                         "receiver");
  std::vector<ActorRef<Burst>> senders;
  for (std::uint32_t i = 0; i < spec.senders; ++i) {
    senders.push_back(node.system->spawn_anonymous(fan_in_sender(receiver, spec.burst)));
  }
  const Stopwatch stopwatch;
  for (auto& sender : senders)
    sender.tell(Burst{spec.messages_per_sender});
  done.wait();
  return static_cast<double>(total) / stopwatch.elapsed_s();
}

double queued_message_bytes(std::uint64_t messages) {
  Node node(2);
  std::atomic<bool> busy{false}, gate_open{false};
  CountDown drained(messages + 1);
  // The first message parks the receiver's turn until the gate opens: meanwhile every other
  // message waits in its mailbox.
  auto receiver = node.system->spawn(behaviors::receive<Item>([&](ActorContext<Item>&, Item& item) {
                                       if (item.value == 0) {
                                         busy.store(true, std::memory_order_release);
                                         busy.notify_all();
                                         gate_open.wait(false, std::memory_order_acquire);
                                       }
                                       drained.count_down();
                                     }),
                                     "receiver");
  receiver.tell(Item{0});
  busy.wait(false, std::memory_order_acquire);
  release_free_memory();
  const std::uint64_t before = resident_bytes();
  for (std::uint64_t i = 1; i <= messages; ++i)
    receiver.tell(Item{i});
  const std::uint64_t after = resident_bytes();
  gate_open.store(true, std::memory_order_release);
  gate_open.notify_all();
  drained.wait();
  return static_cast<double>(after - before) / static_cast<double>(messages);
}

namespace {

/// Spawns `count` idle actors, keeping their refs in a vector reserved beforehand (CAF needs its
/// handles kept, or idle actors are collected; ours are kept the same way).
struct IdleActors {
  explicit IdleActors(std::uint64_t count) { refs.reserve(count); }
  void spawn(ActorSystem& system, std::uint64_t count) {
    const Behavior<Item> idle = behaviors::receive<Item>([](ActorContext<Item>&, Item&) {});
    for (std::uint64_t i = 0; i < count; ++i)
      refs.push_back(system.spawn_anonymous(idle));
  }
  std::vector<ActorRef<Item>> refs;
};

}  // namespace

double spawn_time(std::uint64_t count) {
  Node node(2);
  IdleActors actors(count);
  const Stopwatch stopwatch;
  actors.spawn(*node.system, count);
  return stopwatch.elapsed_ns() / static_cast<double>(count);
}

double spawn_bytes(std::uint64_t count) {
  Node node(2);
  IdleActors actors(count);
  release_free_memory();
  const std::uint64_t before = resident_bytes();
  actors.spawn(*node.system, count);
  const std::uint64_t after = resident_bytes();
  return static_cast<double>(after - before) / static_cast<double>(count);
}

double tree(std::uint32_t levels) {
  ORRERY_ASSERT(levels >= 2 && levels <= 24, "a tree of 2^levels - 1 actors, 2 <= levels <= 24");
  Node node(2);
  CountDown done(1);
  const Stopwatch stopwatch;
  node.system->spawn(tree_node(levels - 1, ActorRef<ChildDone>{}, &done), "root");
  done.wait();
  return stopwatch.elapsed_ns() / static_cast<double>((std::uint64_t{1} << levels) - 1);
}

double ask_round_trip(std::uint64_t round_trips, std::uint32_t workers) {
  Node node(workers);
  auto responder =
      node.system->spawn(behaviors::receive<Query>([](ActorContext<Query>&, Query& query) {
                           query.reply_to.tell(query.n);
                         }),
                         "responder");
  const Stopwatch stopwatch;
  for (std::uint64_t i = 0; i < round_trips; ++i) {
    auto answer = ask<std::uint64_t>(
                      responder,
                      [i](ActorRef<std::uint64_t> reply_to) {
                        return Query{i, reply_to};
                      },
                      5s)
                      .get();
    ORRERY_ASSERT(answer.ok() && answer.value() == i, "an ask in the benchmark failed");
  }
  return stopwatch.elapsed_ns() / static_cast<double>(round_trips);
}

}  // namespace orrery::bench::ours
