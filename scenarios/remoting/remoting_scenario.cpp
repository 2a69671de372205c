// The remoting scenario: workload (client and servers), generated faults, scripted checks.

#include <map>
#include <remoting/remoting_messages.hpp>
#include <remoting/remoting_scenario.hpp>

#include <fmt/format.h>

#include <orrery/sim/fault_plan.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/script.hpp>
#include <orrery/sim/sim_network.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::scenarios {

namespace {

using namespace std::chrono_literals;
using namespace remoting;

constexpr Duration fault_span = 60s;
constexpr Duration fault_longest = 8s;
constexpr Duration request_interval = 50ms;
const std::vector<std::string> server_nodes{"b", "c"};

/// What the client saw, checked as it happens (ordering) and by the script (the rest).
struct Observations {
  std::map<std::string, std::uint64_t> last_seq;
  std::map<std::string, std::uint64_t> replies;
  std::map<std::string, Instant> last_reply_at;
  std::map<std::string, std::uint64_t> last_incarnation;
  std::map<std::string, std::uint64_t> terminated;
  std::map<std::string, std::uint64_t> server_uid;  // the newest server actor's uid per node
  std::string violation;                            // the first ordering violation
};

struct Tick {};
struct Rewatch {
  std::string server;
};
using ClientMsg = std::variant<Tick, Reply, Rewatch>;

Status register_messages(ActorSystem& system) {
  if (Status s = system.serialization().register_type<Request>("scenario.remoting.Request");
      !s.ok())
    return s;
  return system.serialization().register_type<Reply>("scenario.remoting.Reply");
}

Behavior<Request> server(std::string name, std::uint64_t incarnation) {
  return behaviors::receive<Request>([name, incarnation](ActorContext<Request>&, Request& request) {
    request.reply_to.tell(Reply{request.seq, name, incarnation});
  });
}

Behavior<ClientMsg> client(sim::Node& node, std::shared_ptr<Observations> seen) {
  return behaviors::setup<ClientMsg>([&node, seen](ActorContext<ClientMsg>& ctx) {
    seen->last_seq.clear();  // a new client (a restarted a) numbers its requests afresh
    auto refs = std::make_shared<std::map<std::string, ActorRef<Request>>>();
    auto seqs = std::make_shared<std::map<std::string, std::uint64_t>>();
    const auto resolve = [&node, &ctx, refs](const std::string& server_name) {
      auto ref =
          node.remoting()->ref<Request>(node.world().node(server_name).actor_uri("/user/server"));
      ORRERY_ASSERT(ref.ok(), "the scenario's server address parses");
      (*refs)[server_name] = *ref;
      ctx.watch(*ref);
    };
    for (const std::string& name : server_nodes)
      resolve(name);
    ctx.timers().start_timer_at_fixed_rate("requests", ClientMsg{Tick{}}, request_interval);
    return behaviors::receive<ClientMsg>(
               [refs, seqs](ActorContext<ClientMsg>& self, Tick&) {
                 for (auto& [name, ref] : *refs)
                   ref.tell(Request{++(*seqs)[name], self.self().narrow<Reply>()});
               },
               [seen, &node](ActorContext<ClientMsg>&, Reply& reply) {
                 std::uint64_t& last = seen->last_seq[reply.server];
                 if (reply.seq <= last && seen->violation.empty()) {
                   seen->violation =
                       fmt::format("reply {} from {} after reply {}: {}", reply.seq, reply.server,
                                   last, reply.seq == last ? "delivered twice" : "out of order");
                 }
                 last = std::max(last, reply.seq);
                 ++seen->replies[reply.server];
                 seen->last_reply_at[reply.server] = node.world().now();
                 seen->last_incarnation[reply.server] = reply.incarnation;
               },
               [resolve](ActorContext<ClientMsg>&, Rewatch& r) { resolve(r.server); })
        .receive_signal([seen](ActorContext<ClientMsg>& ctx, const Terminated& t) {
          const ActorAddress* address = t.ref.recipient()->remote_address();
          if (address == nullptr) return;
          const std::string name = address->node.host;
          ++seen->terminated[name];
          // Watch again a little later: the node may come back (a new incarnation).
          ctx.timers().start_single_timer("rewatch-" + name, ClientMsg{Rewatch{name}}, 2s);
        });
  });
}

}  // namespace

Scenario remoting_scenario() {
  return {
      .name = "remoting",
      .summary =
          "three nodes talking over remoting (request-reply, remote death watch, a "
          "restarted node's stale incarnation refused) under a generated fault plan",
      .invariants =
          {
              {"ordering", "safety",
               "replies from each server arrive in request order, none twice, throughout"},
              {"liveness", "liveness", "after healing, both servers answer again within 60 s"},
              {"death watch", "liveness",
               "crashing c tells a's client Terminated for c's server within 15 s"},
              {"quarantine", "liveness",
               "after c restarts, a quarantines its old incarnation and reaches the new one"},
              {"stale refused", "liveness",
               "a message for c's old server incarnation is refused, not delivered"},
          },
      .bugs = {},
      .default_until = fault_span,
      .run = &run_remoting_scenario,
  };
}

ScenarioResult run_remoting_scenario(std::uint64_t seed, const ScenarioOptions& options) {
  ScenarioResult result;
  result.scenario = "remoting";
  result.seed = seed;
  result.bug = options.bug;

  sim::WorldConfig world_config;
  world_config.echo_log = options.echo_log;
  world_config.buggify = true;
  sim::World world(seed, world_config);
  if (options.trace_sink) world.trace().set_sink(options.trace_sink);
  auto seen = std::make_shared<Observations>();

  const auto node_config = [&](bool with_server) {
    sim::NodeConfig config;
    config.actor_system.name = "shop";
    config.remote.heartbeat_interval = 1s;
    config.remote.unreachable_after = 5s;
    config.log_threshold = LogLevel::warning;
    config.on_start = [seen, with_server](sim::Node& node) {
      ORRERY_ASSERT(register_messages(node.system()).ok(), "the scenario's messages register");
      if (with_server) {
        auto ref = node.system().spawn(server(node.name(), node.incarnation()), "server");
        seen->server_uid[node.name()] = ref.recipient()->uid();
      } else {
        node.system().spawn(client(node, seen), "client");
      }
    };
    return config;
  };
  world.add_node("a", node_config(false));
  world.add_node("b", node_config(true));
  world.add_node("c", node_config(true));

  const Duration span = options.until.value_or(fault_span);
  result.until = span;
  sim::FaultMix mix;
  mix.longest = fault_longest;
  mix.never_crash = {"a"};  // the witness: its client holds the observations
  result.realized_plan = choose_plan(options, world, {"a", "b", "c"}, span, mix);
  const sim::FaultPlan& plan = result.realized_plan;

  std::string invariant = "fault plan";
  const Status outcome = [&]() -> Status {
    if (Status applied = sim::apply(world, plan); !applied.ok()) return applied;
    return world.run_script("remoting", [&](sim::Script& s) {
      invariant = "ordering";
      s.sleep(span + fault_longest + 1s);
      // Whatever the plan left behind: heal (the plan's cuts too), restart, quiet links.
      s.heal_all();
      s.world().network().set_default_link(sim::LinkConfig{});
      for (const char* name : {"a", "b", "c"})
        s.restart(name);
      // Terminated is final: an incarnation that was reported unreachable is quarantined and
      // talks again only as a new one (as a quarantined Akka node must restart). The servers
      // restart; a, the witness, meets them as strangers to every quarantine. (Like the heal,
      // this leaves a paused node paused.)
      for (const std::string& name : server_nodes) {
        if (s.node(name).state() == sim::Node::State::paused) continue;
        s.crash(name);
        s.restart(name);
      }
      s.note("faults over");
      const Instant healed = s.now();

      invariant = "liveness";
      s.require_eventually(
          [&] {
            return seen->last_reply_at.count("b") && seen->last_reply_at["b"] > healed &&
                   seen->last_reply_at.count("c") && seen->last_reply_at["c"] > healed;
          },
          60s, "liveness: both servers answer again after the faults are healed");

      invariant = "death watch";
      sim::Node& a = s.node("a");
      // c's old incarnation is quarantined when a's watchers are told Terminated (unreachable),
      // or at the latest when a meets the new one.
      const std::uint64_t quarantines_before = a.remoting()->stats().quarantines;
      const std::uint64_t terminated_before = seen->terminated["c"];
      const std::uint64_t old_uid = seen->server_uid["c"];
      const std::uint64_t old_incarnation = s.node("c").incarnation();
      s.crash("c");
      s.require_eventually(
          [&] { return seen->terminated["c"] > terminated_before; }, 15s,
          "death watch: a's client is told Terminated for c's server after c crashes");

      invariant = "quarantine";
      s.restart("c");
      s.require_eventually(
          [&] {
            return seen->last_incarnation["c"] > old_incarnation &&
                   seen->last_reply_at["c"] > s.now() - 1s;
          },
          30s, "quarantine: the restarted c answers a from its new incarnation");
      s.require(a.remoting()->stats().quarantines > quarantines_before,
                "quarantine: a quarantined c's old incarnation");

      invariant = "stale refused";
      sim::Node& c = s.node("c");
      const RemoteStats c_before = c.remoting()->stats();
      const std::uint64_t replies_before = seen->replies["c"];
      auto stale =
          a.remoting()->ref<Request>(fmt::format("{}#{}", c.actor_uri("/user/server"), old_uid));
      s.require(stale.ok(), "stale refused: the old server's address parses");
      auto probe_reply = a.system().spawn_anonymous(
          behaviors::receive<Reply>([seen](ActorContext<Reply>&, Reply&) {
            seen->violation = "a message to c's old server incarnation was answered";
          }));
      stale->tell(Request{1, probe_reply});
      s.require_eventually(
          [&] {
            const RemoteStats now = c.remoting()->stats();
            return now.undeliverable + now.refused_stale >
                   c_before.undeliverable + c_before.refused_stale;
          },
          10s, "stale refused: c refuses a message for its previous server incarnation");
      s.sleep(2s);
      s.require(seen->replies["c"] > replies_before,
                "stale refused: the live server still answers");

      invariant = "ordering";
      s.require(seen->violation.empty(), "ordering: " + seen->violation);
    });
  }();

  if (outcome.ok() && !seen->violation.empty()) {
    finish_result(result, world, Status(make_error(Errc::invalid_argument, seen->violation)),
                  "ordering");
  } else {
    finish_result(result, world, outcome, invariant);
  }
  return result;
}

}  // namespace orrery::scenarios
