// The persist scenario: counters on three nodes' SQLite stores, a workload, generated crashes and
// disk faults, and the checks of durability and fold after healing.

#include <map>
#include <persist/persist_counter.hpp>
#include <persist/persist_scenario.hpp>
#include <set>
#include <support/store_keeper.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <orrery/persistence/sqlite_store.hpp>
#include <orrery/sim/fault_plan.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/script.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::scenarios {

namespace {

using namespace std::chrono_literals;
using namespace persist;

constexpr std::uint32_t counters = 100;
constexpr Duration fault_span = 20s;
constexpr Duration fault_longest = 4s;
constexpr Duration workload_tick = 10ms;
constexpr std::int64_t adds_per_tick_max = 6;
constexpr std::size_t failures_kept = 20;
const std::vector<std::string> node_names{"a", "b", "c"};

std::uint32_t node_of(std::uint32_t counter) {
  return counter % static_cast<std::uint32_t>(node_names.size());
}

/// What one incarnation of a node runs: its store (once open) and its actors. It lives outside
/// the node, so the workload can reach it; a restart replaces it.
struct NodeSlot : support::StoreSlot {
  std::map<std::uint32_t, ActorRef<Command>> counters;
  ActorRef<Ack> acks;
  ActorRef<Observed> reads;
};

/// What the workload sent and saw acknowledged; survives every crash.
struct Observations {
  std::map<std::uint32_t, std::vector<std::uint64_t>> acked;            // per counter, in ack order
  std::map<std::uint32_t, std::map<std::uint64_t, std::int64_t>> sent;  // command -> amount
  std::map<std::uint32_t, Counter> observed;
  std::vector<std::string> recovery_failures;  // the first few, for the report
  std::uint32_t operations = 0;                // workload Adds sent
  std::string bug;                             // the planted bug switched on, if any
  std::vector<NodeSlot> slots{node_names.size()};
};

/// Spawns the node's counters on its newly opened store.
void spawn_counters(sim::Node& node, const std::shared_ptr<Observations>& seen,
                    ActorContext<support::KeeperTick>& keeper,
                    const std::shared_ptr<persistence::SqliteStore>& store) {
  NodeSlot& slot = seen->slots[node.index()];
  for (std::uint32_t c = node.index(); c < counters; c += node_names.size()) {
    Behavior<Command> behavior =
        counter(persistence::Stores::of(store), c, seen->bug == "ack-before-durable")
            .on_signal([seen](ActorContext<Command>&, const Counter&,
                              const persistence::PersistenceSignal& signal) {
              auto* failed = std::get_if<persistence::RecoveryFailed>(&signal);
              if (failed != nullptr && seen->recovery_failures.size() < failures_kept)
                seen->recovery_failures.push_back(failed->error.message);
            })
            .behavior();
    slot.counters[c] = keeper.spawn(support::supervised_entity(std::move(behavior)),
                                    "counter-" + std::to_string(c));
  }
}

void start_node(sim::Node& node, const std::shared_ptr<Observations>& seen) {
  ORRERY_ASSERT(register_counter_types(node.system()).ok(), "the scenario's events register");
  NodeSlot& slot = seen->slots[node.index()];
  slot = NodeSlot{};  // the last incarnation's store closes on files its crash invalidated
  slot.incarnation = node.incarnation();
  slot.acks = node.system().spawn(behaviors::receive<Ack>([seen](ActorContext<Ack>&, Ack& ack) {
                                    seen->acked[ack.counter].push_back(ack.command);
                                  }),
                                  "acks");
  slot.reads = node.system().spawn(
      behaviors::receive<Observed>([seen](ActorContext<Observed>&, Observed& observed) {
        seen->observed[observed.counter] = observed.state;
      }),
      "reads");
  node.system().spawn(support::store_keeper(
                          node, slot, "counters.db",
                          [&node, seen](ActorContext<support::KeeperTick>& keeper,
                                        const std::shared_ptr<persistence::SqliteStore>& store) {
                            spawn_counters(node, seen, keeper, store);
                          },
                          50ms,
                          seen->bug == "relaxed-sync" ? persistence::sqlite::Synchronous::normal
                                                      : persistence::sqlite::Synchronous::full),
                      "keeper");
}

/// The running incarnation's slot of `counter`'s node, or null while it is down or not open.
NodeSlot* live_slot(sim::World& world, Observations& seen, std::uint32_t counter) {
  sim::Node& node = world.node(node_of(counter));
  NodeSlot& slot = seen.slots[node.index()];
  // Up or paused (a node blocked in disk I/O counts as paused): its mailboxes take messages.
  if (!node.up() || slot.incarnation != node.incarnation()) return nullptr;
  if (!slot.store || slot.counters.count(counter) == 0) return nullptr;
  return &slot;
}

/// Durability and fold for one counter: its journal against what was sent and acknowledged.
std::string check_counter(sim::Node& node, std::uint32_t c, const Observations& seen,
                          const std::vector<persistence::PersistentEvent>& journal) {
  const auto sent = seen.sent.count(c) ? seen.sent.at(c) : std::map<std::uint64_t, std::int64_t>{};
  const auto acked = seen.acked.count(c) ? seen.acked.at(c) : std::vector<std::uint64_t>{};
  const std::set<std::uint64_t> acked_set(acked.begin(), acked.end());
  Counter fold_of_journal;
  std::vector<std::uint64_t> acked_in_journal;
  std::set<std::uint64_t> in_journal;
  for (std::size_t i = 0; i < journal.size(); ++i) {
    const persistence::PersistentEvent& stored = journal[i];
    if (stored.sequence_nr != static_cast<persistence::SequenceNr>(i + 1))
      return fmt::format("sequence number {} at position {} (a gap or a duplicate)",
                         stored.sequence_nr, i + 1);
    auto decoded = persistence::EventSchema<Added>{}.from_journal(node.system(), stored);
    if (!decoded.ok() || decoded->size() != 1)
      return fmt::format("event {} does not decode", stored.sequence_nr);
    const Added& event = decoded->front();
    auto was_sent = sent.find(event.command);
    if (was_sent == sent.end() || was_sent->second != event.amount)
      return fmt::format("event {} holds command {}, never sent with that amount",
                         stored.sequence_nr, event.command);
    if (!in_journal.insert(event.command).second)
      return fmt::format("command {} is in the journal twice", event.command);
    if (acked_set.count(event.command)) acked_in_journal.push_back(event.command);
    fold(fold_of_journal, event);
  }
  if (acked_in_journal != acked)
    return fmt::format("{} events acknowledged, but the journal holds {} of them{}", acked.size(),
                       acked_in_journal.size(),
                       acked_in_journal.size() == acked.size() ? ", in another order" : "");
  const Counter& state = seen.observed.at(c);
  if (!(state == fold_of_journal))
    return fmt::format(
        "state (total {}, events {}) is not the fold of the journal (total {}, "
        "events {})",
        state.total, state.events, fold_of_journal.total, fold_of_journal.events);
  return {};
}

/// The workload: random Adds to live counters until the faults are over.
void run_workload(sim::Script& s, Observations& seen, Random& random, Instant until,
                  std::uint32_t operations) {
  std::uint64_t next_command = 0;
  while (s.now() < until) {
    const auto adds = uniform_int(random, 0, adds_per_tick_max);
    for (std::int64_t i = 0; i < adds; ++i) {
      const auto c = static_cast<std::uint32_t>(uniform_int(random, 0, counters - 1));
      const std::int64_t amount = uniform_int(random, -50, 100);
      NodeSlot* slot = live_slot(s.world(), seen, c);
      if (slot == nullptr || seen.operations >= operations) continue;
      ++seen.operations;
      const std::uint64_t command = ++next_command;
      seen.sent[c][command] = amount;
      slot->counters.at(c).tell(Add{command, amount, slot->acks});
    }
    s.sleep(workload_tick);
  }
}

/// Heals every fault the plan may have left, then the checks of the header, in order.
void heal_and_check(sim::Script& s, Observations& seen, std::string& invariant) {
  for (const std::string& name : node_names) {
    s.set_clock_drift(name, 0);
    s.node(name).disk().set_config(support::quiet_disk());
    s.restart(name);
  }
  s.note("faults over");

  invariant = "recovery";
  s.require_eventually(
      [&] {
        for (std::uint32_t n = 0; n < node_names.size(); ++n) {
          const NodeSlot& slot = seen.slots[n];
          if (!s.world().node(n).up() || !slot.store || slot.store->failed()) return false;
        }
        return true;
      },
      30s, "recovery: every node's store opens on its healed disk");

  invariant = "liveness";
  const std::uint64_t first_final = 1'000'000'000;
  for (std::uint32_t c = 0; c < counters; ++c) {
    NodeSlot* slot = live_slot(s.world(), seen, c);
    s.require(slot != nullptr, "liveness: every counter runs after healing");
    seen.sent[c][first_final + c] = 1;
    slot->counters.at(c).tell(Add{first_final + c, 1, slot->acks});
  }
  const auto unacknowledged = [&] {
    std::vector<std::uint32_t> missing;
    for (std::uint32_t c = 0; c < counters; ++c) {
      const auto& acked = seen.acked[c];
      if (acked.empty() || acked.back() != first_final + c) missing.push_back(c);
    }
    return missing;
  };
  const bool all_acked = s.eventually([&] { return unacknowledged().empty(); }, 30s);
  s.require(all_acked, fmt::format("liveness: every counter acknowledges an Add after healing "
                                   "(not within 30 s: counters {})",
                                   fmt::join(unacknowledged(), ", ")));

  invariant = "durability";
  seen.observed.clear();
  for (std::uint32_t c = 0; c < counters; ++c) {
    NodeSlot* slot = live_slot(s.world(), seen, c);
    s.require(slot != nullptr, "durability: every counter runs after the liveness check");
    slot->counters.at(c).tell(Get{slot->reads});
  }
  s.require_eventually([&] { return seen.observed.size() == counters; }, 30s,
                       "durability: every counter answers with its state");
  for (std::uint32_t c = 0; c < counters; ++c) {
    NodeSlot* slot = live_slot(s.world(), seen, c);
    s.require(slot != nullptr, "durability: every counter runs while it is checked");
    auto journal =
        s.await(slot->store->replay(persistence_id(c), 1, persistence::max_sequence_nr, 1'000'000));
    s.require(journal.ok(), "durability: the journal of " + persistence_id(c) + " replays");
    const std::string problem = check_counter(s.world().node(node_of(c)), c, seen, journal.value());
    if (!problem.empty()) {
      invariant = problem.find("fold") != std::string::npos ? "fold" : "durability";
      s.require(false, invariant + ": " + persistence_id(c) + ": " + problem);
    }
  }
}

}  // namespace

Scenario persist_scenario() {
  return {
      .name = "persist",
      .summary =
          "100 event-sourced counters on three nodes' SQLite stores (SimDisk) under "
          "generated crashes, disk faults, pauses and clock jumps: every acknowledged event "
          "survives and each state is the fold of its journal",
      .invariants =
          {
              {"recovery", "liveness", "every node's store opens on its healed disk within 30 s"},
              {"liveness", "liveness", "one more Add to every counter is acknowledged within 30 s"},
              {"durability", "safety",
               "every acknowledged event is in its journal, in ack order, once, numbered 1..n"},
              {"fold", "safety", "every counter's state equals the fold of its journal"},
          },
      .bugs =
          {
              {"ack-before-durable",
               "a counter acknowledges an Add when it hands the event to the journal, before the "
               "journal says it is durable (a crash loses acknowledged events)"},
              {"relaxed-sync",
               "the stores run with synchronous=NORMAL yet acknowledge commits as durable (a crash "
               "loses the newest acknowledged events)"},
          },
      .default_until = fault_span,
      .run = &run_persist_scenario,
  };
}

ScenarioResult run_persist_scenario(std::uint64_t seed, const ScenarioOptions& options) {
  ScenarioResult result;
  result.scenario = "persist";
  result.seed = seed;

  sim::WorldConfig world_config;
  world_config.echo_log = options.echo_log;
  world_config.buggify = true;
  sim::World world(seed, world_config);
  if (options.trace_sink) world.trace().set_sink(options.trace_sink);
  auto seen = std::make_shared<Observations>();
  seen->bug = options.bug;
  result.bug = options.bug;
  for (const std::string& name : node_names) {
    sim::NodeConfig config;
    config.actor_system.name = "ledger";
    config.remoting = false;
    config.disk = support::quiet_disk();
    config.log_threshold = LogLevel::error;
    config.on_start = [seen](sim::Node& node) {
      start_node(node, seen);
    };
    world.add_node(name, config);
  }

  const Duration span = options.until.value_or(fault_span);
  result.until = span;
  sim::FaultMix mix;
  mix.partitions = mix.one_way_partitions = mix.isolations = 0;  // no remoting to cut
  mix.clogs = mix.lossy_networks = 0;
  mix.crashes = 4;
  mix.disk_errors = 3;
  mix.clock_jumps = 2;
  mix.per_minute = 36;
  mix.longest = fault_longest;
  result.realized_plan = choose_plan(options, world, node_names, span, mix);
  const sim::FaultPlan& plan = result.realized_plan;

  std::string invariant = "fault plan";
  const Status outcome = [&]() -> Status {
    if (Status applied = sim::apply(world, plan); !applied.ok()) return applied;
    return world.run_script("persist", [&](sim::Script& s) {
      invariant = "workload";
      SeededRandom workload_random(world.derive_seed("persist workload"));
      run_workload(s, *seen, workload_random, s.now() + span + fault_longest + 1s,
                   options.operations.value_or(UINT32_MAX));
      heal_and_check(s, *seen, invariant);
      s.note(fmt::format("disk digest {:016x}", support::disk_digest(world)));
    });
  }();

  finish_result(result, world, outcome, invariant);
  for (const std::string& failure : seen->recovery_failures)
    result.detail += "\nrecovery failure: " + failure;
  result.operations = seen->operations;
  // The stores close before the world that their Envs belong to.
  for (NodeSlot& slot : seen->slots)
    slot = NodeSlot{};
  return result;
}

}  // namespace orrery::scenarios
