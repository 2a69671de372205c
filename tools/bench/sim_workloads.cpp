// The simulator's workloads. Each builds its own World, measures one run in wall time, and
// checks that the work it measured happened.

#include "sim_workloads.hpp"

#include <algorithm>
#include <functional>
#include <vector>

#include <orrery/actor.hpp>
#include <orrery/core/assert.hpp>
#include <orrery/remote/serialization.hpp>
#include <orrery/sim/fault_plan.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/world.hpp>

#include "measure.hpp"

namespace bench_sim_messages {
struct Hop {
  std::uint64_t n = 0;
};
}  // namespace bench_sim_messages
ORRERY_FIELDS(bench_sim_messages::Hop, &bench_sim_messages::Hop::n);

namespace orrery::bench::simulated {

namespace {

using namespace std::chrono_literals;
using bench_sim_messages::Hop;

struct Ball {
  std::uint64_t left;
  ActorRef<Ball> back;
};

Behavior<Ball> player(std::shared_ptr<std::uint64_t> delivered) {
  return behaviors::receive<Ball>([delivered](ActorContext<Ball>& ctx, Ball& ball) {
    ++*delivered;
    if (ball.left > 0) ball.back.tell(Ball{ball.left - 1, ctx.self()});
  });
}

}  // namespace

double ping_pong_rate(std::uint32_t pairs, std::uint64_t deliveries) {
  sim::World world(1);
  sim::Node& node = world.add_node("n", {.remoting = false});
  auto delivered = std::make_shared<std::uint64_t>(0);
  const std::uint64_t per_pair = deliveries / pairs;
  std::vector<std::pair<ActorRef<Ball>, ActorRef<Ball>>> players;
  for (std::uint32_t i = 0; i < pairs; ++i) {
    players.emplace_back(node.system().spawn_anonymous(player(delivered)),
                         node.system().spawn_anonymous(player(delivered)));
  }
  world.run_for(1ms);  // spawns settle outside the measured span
  const std::uint64_t before = *delivered;
  const Stopwatch stopwatch;
  for (auto& [a, b] : players)
    a.tell(Ball{per_pair - 1, b});
  world.run_until_quiescent(1h);
  const double seconds = stopwatch.elapsed_s();
  const std::uint64_t done = *delivered - before;
  ORRERY_ASSERT(*delivered == per_pair * pairs, "every ball was played to the end");
  return static_cast<double>(done) / seconds;
}

double bare_loop_rate(std::uint32_t pairs, std::uint64_t events) {
  struct Event {
    std::int64_t at;
    std::uint64_t seq;
    std::uint32_t chain;
    bool operator>(const Event& other) const {
      return at != other.at ? at > other.at : seq > other.seq;
    }
  };
  std::vector<Event> heap;
  std::uint64_t seq = 0;
  std::uint64_t handled = 0;
  std::int64_t now = 0;
  std::vector<std::uint64_t> left(pairs, events / pairs);
  // The handler is a plain function through a pointer, as a simulator's callback would be.
  void (*handle)(std::vector<Event>&, std::uint64_t&, std::int64_t, std::uint32_t,
                 std::vector<std::uint64_t>&) = [](std::vector<Event>& h, std::uint64_t& s,
                                                   std::int64_t t, std::uint32_t chain,
                                                   std::vector<std::uint64_t>& l) {
    if (l[chain] == 0) return;
    --l[chain];
    h.push_back({t + 1, s++, chain});
    std::push_heap(h.begin(), h.end(), std::greater<>{});
  };
  for (std::uint32_t i = 0; i < pairs; ++i)
    handle(heap, seq, 0, i, left);
  const Stopwatch stopwatch;
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
    const Event event = heap.back();
    heap.pop_back();
    now = event.at;
    ++handled;
    handle(heap, seq, now, event.chain, left);
  }
  const double seconds = stopwatch.elapsed_s();
  ORRERY_ASSERT(handled >= events - pairs, "the bare loop ran its events");
  return static_cast<double>(handled) / seconds;
}

double idle_cluster_speed(std::uint32_t nodes, std::uint32_t simulated_seconds,
                          double* ns_per_event) {
  sim::World world(2);
  auto ticks = std::make_shared<std::uint64_t>(0);
  for (std::uint32_t n = 0; n < nodes; ++n) {
    sim::NodeConfig config;
    config.remoting = false;
    config.on_start = [ticks](sim::Node& node) {
      struct Tick {};
      for (int i = 0; i < 100; ++i) {
        node.system().spawn_anonymous(behaviors::setup<Tick>([ticks](ActorContext<Tick>& ctx) {
          ctx.timers().start_timer_at_fixed_rate("tick", Tick{}, 1s);
          return behaviors::receive<Tick>([ticks](ActorContext<Tick>&, Tick&) { ++*ticks; });
        }));
      }
    };
    world.add_node("node-" + std::to_string(n), config);
  }
  world.run_for(1s);
  const std::uint64_t steps_before = world.steps();
  const Stopwatch stopwatch;
  world.run_for(std::chrono::seconds(simulated_seconds));
  const double wall = stopwatch.elapsed_s();
  ORRERY_ASSERT(*ticks >= std::uint64_t{nodes} * 100 * simulated_seconds,
                "every actor ticked every second");
  if (ns_per_event != nullptr)
    *ns_per_event = wall * 1e9 / static_cast<double>(world.steps() - steps_before);
  return static_cast<double>(simulated_seconds) / wall;
}

double faulty_cluster_speed(std::uint32_t simulated_seconds) {
  constexpr std::uint32_t nodes = 5;
  constexpr std::uint32_t actors_per_node = 200;
  sim::World world(3);
  auto hops = std::make_shared<std::uint64_t>(0);
  std::vector<std::string> names;
  for (std::uint32_t n = 0; n < nodes; ++n)
    names.push_back("node-" + std::to_string(n));
  for (std::uint32_t n = 0; n < nodes; ++n) {
    sim::NodeConfig config;
    config.actor_system.name = "bench";
    config.log_threshold = LogLevel::error;
    config.on_start = [hops, names, n](sim::Node& node) {
      ORRERY_ASSERT(node.system().serialization().register_type<Hop>("bench.Hop").ok());
      for (std::uint32_t i = 0; i < actors_per_node; ++i) {
        // Each actor starts a message every second; it goes two hops round the ring of nodes.
        // (The next node may not exist yet when this one first starts: name it by address.)
        const std::string next =
            "orrery://bench@" + names[(n + 1) % nodes] + ":2552/user/a" + std::to_string(i);
        node.system().spawn(
            behaviors::setup<Hop>([hops, next, &node](ActorContext<Hop>& ctx) {
              auto target = node.remoting()->ref<Hop>(next);
              ORRERY_ASSERT(target.ok());
              ctx.timers().start_timer_at_fixed_rate("send", Hop{0}, 1s);
              return behaviors::receive<Hop>([hops, to = *target](ActorContext<Hop>&, Hop& hop) {
                if (hop.n > 0) ++*hops;
                if (hop.n < 2) to.tell(Hop{hop.n + 1});  // two hops, then it rests
              });
            }),
            "a" + std::to_string(i));
      }
    };
    world.add_node(names[n], config);
  }
  SeededRandom plan_random(world.derive_seed("bench-plan"));
  const sim::FaultPlan plan =
      sim::generate(plan_random, names, std::chrono::seconds(simulated_seconds), sim::FaultMix{});
  ORRERY_ASSERT(sim::apply(world, plan).ok(), "a generated plan applies");
  const Stopwatch stopwatch;
  world.run_for(std::chrono::seconds(simulated_seconds));
  const double wall = stopwatch.elapsed_s();
  ORRERY_ASSERT(*hops > 0, "messages crossed nodes");
  return static_cast<double>(simulated_seconds) / wall;
}

}  // namespace orrery::bench::simulated
