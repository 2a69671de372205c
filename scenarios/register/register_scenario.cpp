// The register scenario: the durable-state register, clients recording a Jepsen-style history,
// generated faults, and the linearizability check after healing.

#include <map>
#include <register/register_messages.hpp>
#include <register/register_scenario.hpp>
#include <set>
#include <support/store_keeper.hpp>

#include <fmt/format.h>

#include <orrery/persistence/durable_state_behavior.hpp>
#include <orrery/sim/fault_plan.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/script.hpp>
#include <orrery/sim/sim_network.hpp>
#include <orrery/sim/world.hpp>
#include <orrery/testkit/check/models.hpp>

namespace orrery::scenarios {

namespace {

using namespace std::chrono_literals;
using namespace reg;
namespace check = testkit::check;

constexpr Duration fault_span = 60s;
constexpr Duration fault_longest = 6s;
constexpr Duration client_tick = 40ms;
constexpr Duration answer_timeout = 500ms;
constexpr Duration cache_ttl = 300ms;
constexpr std::uint32_t clients_per_node = 2;
const std::vector<std::string> client_nodes{"b", "c"};
const std::vector<std::string> all_nodes{"a", "b", "c"};
const std::string register_id = "Register|x";

/// One operation as its client saw it.
struct Recorded {
  std::int64_t process = 0;
  std::uint32_t kind = read_op;
  std::int64_t value = 0;
  std::int64_t expected = 0;
  std::uint64_t call = 0;
  std::optional<std::uint64_t> ret;  // empty: info (no answer in time), or never answered
  std::optional<OpResult> result;
  bool timed_out = false;
};

struct Observations {
  std::string bug;
  std::uint32_t operations_max = UINT32_MAX;
  std::uint32_t operations = 0;
  bool sending = true;
  bool safety_phase = true;
  std::uint64_t position = 0;  // the history's event order
  std::map<std::uint64_t, Recorded> ops;
  std::set<std::uint64_t> handed;  // write and cas ids the register handed to its store
  support::StoreSlot slot;
  std::map<std::int64_t, Instant> last_ok_write;  // per client, for the liveness check
  std::map<std::int64_t, Instant> last_ok_read;
};

Status register_types(ActorSystem& system) {
  auto& serialization = system.serialization();
  if (Status s = serialization.register_type<Op>("scenario.register.Op"); !s.ok()) return s;
  if (Status s = serialization.register_type<OpResult>("scenario.register.OpResult"); !s.ok())
    return s;
  return serialization.register_type<Register>("scenario.register.Register");
}

/// The register entity. Bugs: `ack-before-durable` answers a write before it is stored;
/// `stale-cache-read` serves reads from a copy refreshed only every 300 ms.
Behavior<Op> register_entity(sim::Node& node, persistence::Stores stores,
                             std::shared_ptr<Observations> seen) {
  using Effect = persistence::DurableEffect<Register>;
  struct Cache {
    Register value;
    std::optional<Instant> at;
  };
  auto cache = std::make_shared<Cache>();
  auto handle = [&node, seen, cache](ActorContext<Op>&, const Register& state, Op& op) -> Effect {
    if (op.kind == read_op) {
      if (seen->bug == "stale-cache-read") {
        if (!cache->at || node.world().now() - *cache->at >= cache_ttl)
          *cache = Cache{state, node.world().now()};
        op.reply_to.tell(OpResult{op.id, true, cache->value.has_value, cache->value.value});
        return Effect::none();
      }
      op.reply_to.tell(OpResult{op.id, true, state.has_value, state.value});
      return Effect::none();
    }
    if (op.kind == cas_op && !(state.has_value && state.value == op.expected)) {
      op.reply_to.tell(OpResult{op.id, false, state.has_value, state.value});
      return Effect::none();
    }
    const Register next{true, op.value};
    // From here the write may take effect even if the store then reports a failure (as in Akka,
    // a failed write may or may not be stored); an id never handed over certainly took none.
    seen->handed.insert(op.id);
    if (seen->bug == "ack-before-durable") {
      op.reply_to.tell(OpResult{op.id, true, true, op.value});
      return Effect::persist(next);
    }
    return Effect::persist(next).then_reply(op.reply_to,
                                            [id = op.id, value = op.value](const Register&) {
                                              return OpResult{id, true, true, value};
                                            });
  };
  return persistence::DurableStateBehavior<Op, Register>(std::move(stores), register_id, Register{},
                                                         handle)
      .behavior();
}

struct Tick {};
using ClientMsg = std::variant<Tick, OpResult>;

/// A client process: one operation at a time; after a timeout it goes on as a new process (the
/// old one's operation stays open forever, as Jepsen's :info means).
Behavior<ClientMsg> client(sim::Node& node, std::int64_t client, std::shared_ptr<Observations> seen,
                           std::uint64_t stream_seed) {
  return behaviors::setup<ClientMsg>([&node, client, seen,
                                      stream_seed](ActorContext<ClientMsg>& ctx) {
    auto random = std::make_shared<SeededRandom>(stream_seed);
    auto in_flight = std::make_shared<std::optional<std::uint64_t>>();
    auto generation = std::make_shared<std::int64_t>(0);
    auto deadline = std::make_shared<Instant>();
    auto next = std::make_shared<std::uint64_t>(static_cast<std::uint64_t>(client) * 1'000'000'000);
    ctx.timers().start_timer_at_fixed_rate("tick", ClientMsg{Tick{}}, client_tick);
    return behaviors::receive<ClientMsg>(
        [&node, client, seen, random, in_flight, generation, deadline, next](
            ActorContext<ClientMsg>& self, Tick&) {
          if (*in_flight) {
            if (node.world().now() < *deadline) return;
            seen->ops.at(**in_flight).timed_out = true;  // info: it may take effect, or not
            in_flight->reset();
            ++*generation;
          }
          if (!seen->sending) return;
          // The cap (what shrinking lowers) bounds the safety phase's workload; the liveness
          // phase's operations are the check itself.
          if (seen->safety_phase) {
            if (seen->operations >= seen->operations_max) return;
            ++seen->operations;
          }
          Recorded op;
          op.process = client * 1000 + *generation;
          const auto dice = uniform_int(*random, 0, 9);
          op.kind = dice < 4 ? read_op : dice < 7 ? write_op : cas_op;
          op.value = uniform_int(*random, 0, 4);
          op.expected = uniform_int(*random, 0, 4);
          op.call = seen->position++;
          const std::uint64_t id = ++*next;
          seen->ops[id] = op;
          *in_flight = id;
          *deadline = node.world().now() + answer_timeout;
          auto ref =
              node.remoting()->ref<Op>(node.world().node("a").actor_uri("/user/keeper/register"));
          ORRERY_ASSERT(ref.ok(), "the scenario's register address parses");
          ref->tell(Op{id, op.kind, op.value, op.expected, self.self().narrow<OpResult>()});
        },
        [&node, client, seen, in_flight](ActorContext<ClientMsg>&, OpResult& result) {
          if (*in_flight != result.id) return;  // late: its operation was already given up
          Recorded& op = seen->ops.at(result.id);
          op.ret = seen->position++;
          op.result = result;
          in_flight->reset();
          if (op.kind == write_op) seen->last_ok_write[client] = node.world().now();
          if (op.kind == read_op) seen->last_ok_read[client] = node.world().now();
        });
  });
}

/// The history as the checker takes it: failed cas left out; an operation without an answer is
/// indeterminate, unless the register never handed it to its store (then it took no effect and is
/// left out: the world's own knowledge, which no outside checker has); a read without an answer
/// constrains nothing and is left out.
std::vector<check::Operation> history(const Observations& seen) {
  std::vector<check::Operation> out;
  for (const auto& [id, op] : seen.ops) {
    check::Operation o;
    o.process = op.process;
    o.call = op.call;
    o.line = static_cast<std::size_t>(id % 1'000'000'000);
    if (op.kind == read_op) {
      if (!op.ret) continue;
      o.f = "read";
      o.output =
          op.result->has_value ? check::Value::integer(op.result->value) : check::Value::nil();
      o.ret = *op.ret;
    } else {
      if (op.ret && !op.result->ok) continue;  // a failed cas took no effect
      if (!op.ret && seen.handed.count(id) == 0) continue;
      o.f = op.kind == write_op ? "write" : "cas";
      o.input = op.kind == write_op ? check::Value::integer(op.value)
                                    : check::Value::list({check::Value::integer(op.expected),
                                                          check::Value::integer(op.value)});
      o.ret = op.ret ? *op.ret : check::indeterminate;
    }
    out.push_back(std::move(o));
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.call < y.call; });
  return out;
}

}  // namespace

Scenario register_scenario() {
  return {
      .name = "register",
      .summary =
          "a register kept by a durable-state actor (SQLite on SimDisk), read, written and "
          "compare-and-set by four clients on two other nodes over remoting, under faults; "
          "the client history is checked for linearizability",
      .invariants =
          {
              {"liveness", "liveness", "every client writes and reads within 30 s of healing"},
              {"linearizable", "safety",
               "the recorded history (invoke/ok/fail/info) is linearizable for a cas-register"},
          },
      .bugs =
          {
              {"stale-cache-read",
               "reads are served from a copy of the register refreshed only every 300 ms"},
              {"ack-before-durable",
               "a write is answered when it is handed to the store, before it is durable (a "
               "crash loses an acknowledged write)"},
          },
      .default_until = fault_span,
      .run = &run_register_scenario,
  };
}

ScenarioResult run_register_scenario(std::uint64_t seed, const ScenarioOptions& options) {
  ScenarioResult result;
  result.scenario = "register";
  result.seed = seed;
  result.bug = options.bug;

  sim::WorldConfig world_config;
  world_config.echo_log = options.echo_log;
  world_config.buggify = true;
  sim::World world(seed, world_config);
  if (options.trace_sink) world.trace().set_sink(options.trace_sink);
  auto seen = std::make_shared<Observations>();
  seen->bug = options.bug;
  seen->operations_max = options.operations.value_or(UINT32_MAX);

  for (std::uint32_t n = 0; n < all_nodes.size(); ++n) {
    const std::string& name = all_nodes[n];
    sim::NodeConfig config;
    config.actor_system.name = "register";
    config.remote.heartbeat_interval = 1s;
    config.remote.unreachable_after = 5s;
    config.disk = support::quiet_disk();
    config.log_threshold = LogLevel::error;
    if (name == "a") {
      config.on_start = [seen](sim::Node& node) {
        ORRERY_ASSERT(register_types(node.system()).ok(), "the scenario's types register");
        seen->slot = support::StoreSlot{};
        seen->slot.incarnation = node.incarnation();
        node.system().spawn(
            support::store_keeper(
                node, seen->slot, "register.db",
                [&node, seen](ActorContext<support::KeeperTick>& keeper,
                              const std::shared_ptr<persistence::SqliteStore>& store) {
                  keeper.spawn(support::supervised_entity(
                                   register_entity(node, persistence::Stores::of(store), seen)),
                               "register");
                }),
            "keeper");
      };
    } else {
      std::vector<std::uint64_t> streams;
      for (std::uint32_t c = 0; c < clients_per_node; ++c)
        streams.push_back(world.derive_seed(fmt::format("register client {} {}", name, c)));
      config.on_start = [seen, n, streams](sim::Node& node) {
        ORRERY_ASSERT(register_types(node.system()).ok(), "the scenario's types register");
        for (std::uint32_t c = 0; c < clients_per_node; ++c)
          node.system().spawn(client(node, n * 10 + c, seen, streams[c]),
                              fmt::format("client-{}", c));
      };
    }
    world.add_node(name, config);
  }

  const Duration span = options.until.value_or(fault_span);
  result.until = span;
  sim::FaultMix mix;
  mix.crashes = 3;
  mix.disk_errors = 2;
  mix.longest = fault_longest;
  mix.never_crash = client_nodes;  // the clients hold the history
  result.realized_plan = choose_plan(options, world, all_nodes, span, mix);

  std::string invariant = "fault plan";
  const Status outcome = [&]() -> Status {
    if (Status applied = sim::apply(world, result.realized_plan); !applied.ok()) return applied;
    return world.run_script("register", [&](sim::Script& s) {
      invariant = "linearizable";
      s.sleep(span + fault_longest + 1s);
      s.heal_all();
      s.world().network().set_default_link(sim::LinkConfig{});
      for (const std::string& name : all_nodes) {
        s.set_clock_drift(name, 0);
        s.node(name).disk().set_config(support::quiet_disk());
        s.restart(name);
      }
      // A quarantined incarnation talks again only as a new one: a restarts (its register
      // recovers from its store); the clients keep their history, so they are not restarted
      // (a client that lost its peer gives up on operations and goes on as a new process).
      if (s.node("a").state() != sim::Node::State::paused) {
        s.crash("a");
        s.restart("a");
      }
      s.note("faults over");
      seen->safety_phase = false;
      const Instant healed = s.now();

      invariant = "liveness";
      const auto all_live = [&] {
        for (const std::string& name : client_nodes) {
          const std::int64_t n = name == "b" ? 1 : 2;
          for (std::int64_t c = 0; c < clients_per_node; ++c) {
            const std::int64_t client = n * 10 + c;
            if (!seen->last_ok_write.count(client) || seen->last_ok_write[client] < healed ||
                !seen->last_ok_read.count(client) || seen->last_ok_read[client] < healed)
              return false;
          }
        }
        return true;
      };
      s.require_eventually(all_live, 30s,
                           "liveness: every client writes and reads within 30 s of healing");
      seen->sending = false;
      s.sleep(answer_timeout + 100ms);  // every operation answered or given up

      invariant = "linearizable";
      const auto ops = history(*seen);
      check::CheckLimits limits;
      limits.max_steps = 20'000'000;
      auto checked = check::check_history(ops, check::ModelKind::cas_register, limits, "register");
      s.require(checked.ok(), "linearizable: the history is well formed");
      s.note(fmt::format("history of {} operations, {} search steps", checked->operations,
                         checked->steps));
      if (checked->verdict == check::Verdict::unknown)
        s.require(false, "linearizable: the checker hit its limit (" + checked->limit + ")");
      if (checked->verdict == check::Verdict::not_linearizable) {
        std::string window;
        for (const check::Operation& op : checked->failing)
          window +=
              fmt::format("\n  process {} {} {} -> {}", op.process, op.f, op.input.to_string(),
                          op.determinate() ? op.output.to_string() : "?");
        s.require(false, fmt::format("linearizable: the history of {} operations is not; the "
                                     "failing window:{}",
                                     ops.size(), window));
      }
    });
  }();
  finish_result(result, world, outcome, invariant);
  result.operations = seen->operations;
  seen->slot = support::StoreSlot{};
  return result;
}

}  // namespace orrery::scenarios
