// The bank scenario: branches, clients that retry, generated faults, and the checks after healing.

#include <bank/bank_messages.hpp>
#include <bank/bank_scenario.hpp>
#include <map>
#include <numeric>
#include <support/store_keeper.hpp>

#include <fmt/format.h>

#include <orrery/persistence/event_sourced_behavior.hpp>
#include <orrery/sim/fault_plan.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/script.hpp>
#include <orrery/sim/sim_network.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::scenarios {

namespace {

using namespace std::chrono_literals;
using namespace bank;

constexpr Duration fault_span = 60s;
constexpr Duration fault_longest = 6s;
constexpr Duration client_tick = 20ms;
constexpr Duration answer_timeout = 1s;
constexpr std::uint64_t ids_per_client = 1'000'000'000;
const std::vector<std::string> branch_nodes{"a", "b", "c"};
const std::vector<std::string> client_nodes{"d", "e"};
const std::vector<std::string> all_nodes{"a", "b", "c", "d", "e"};

std::string branch_id(std::uint32_t branch) {
  return "Branch|" + std::to_string(branch);
}

/// One transfer as the client sent it, and what it was told.
struct Sent {
  std::uint32_t branch = 0;
  Transferred transfer;
  std::optional<bool> applied;  // the answer, once one arrived
  Instant last_attempt;
  std::uint32_t attempts = 0;
};

struct Observations {
  std::string bug;
  std::uint32_t operations_max = UINT32_MAX;
  std::uint32_t operations = 0;
  bool sending = true;  // false once the safety phase is over: no new transfers, retries go on
  std::map<std::uint64_t, Sent> sent;
  std::vector<support::StoreSlot> slots{branch_nodes.size()};
  std::string violation;  // a client told two different answers for one transfer
};

Status register_messages(ActorSystem& system) {
  auto& serialization = system.serialization();
  if (Status s = serialization.register_type<Answer>("scenario.bank.Answer"); !s.ok()) return s;
  if (Status s = serialization.register_type<Transfer>("scenario.bank.Transfer"); !s.ok()) return s;
  return serialization.register_type<Transferred>("scenario.bank.Transferred");
}

using BranchBehavior = persistence::EventSourcedBehavior<Transfer, Transferred, Branch>;

/// The branch entity; the planted bugs change its command handler.
BranchBehavior branch_entity(persistence::Stores stores, std::uint32_t index,
                             const std::string& bug) {
  using Effect = persistence::Effect<Transferred, Branch>;
  const bool deduplicate = bug != "retry-not-deduplicated";
  const bool ack_early = bug == "ack-before-durable";
  auto handle = [deduplicate, ack_early](ActorContext<Transfer>&, const Branch& state,
                                         Transfer& transfer) -> Effect {
    if (deduplicate && state.applied.count(transfer.id) != 0) {
      transfer.reply_to.tell(Answer{transfer.id, true});
      return Effect::none();
    }
    if (state.balances[transfer.from] < transfer.amount) {
      transfer.reply_to.tell(Answer{transfer.id, false});
      return Effect::none();
    }
    const Transferred event{transfer.id, transfer.from, transfer.to, transfer.amount};
    if (ack_early) {
      transfer.reply_to.tell(Answer{transfer.id, true});
      return Effect::persist(event);
    }
    return Effect::persist(event).then_reply(transfer.reply_to, [id = transfer.id](const Branch&) {
      return Answer{id, true};
    });
  };
  return BranchBehavior(std::move(stores), branch_id(index), Branch{}, handle, &fold);
}

struct Tick {};
using ClientMsg = std::variant<Tick, Answer>;

/// A client: one transfer in flight at a time, resent with the same id until answered.
Behavior<ClientMsg> client(sim::Node& node, std::uint32_t client_index,
                           std::shared_ptr<Observations> seen, std::uint64_t stream_seed) {
  return behaviors::setup<ClientMsg>([&node, client_index, seen,
                                      stream_seed](ActorContext<ClientMsg>& ctx) {
    // A restarted client goes on where its last incarnation left off: the transfer it had in
    // flight is resent with the same id (the record lives outside the node), new ids follow.
    auto random = std::make_shared<SeededRandom>(stream_seed + node.incarnation());
    auto in_flight = std::make_shared<std::optional<std::uint64_t>>();
    auto next = std::make_shared<std::uint64_t>(client_index * ids_per_client);
    for (const auto& [id, sent] : seen->sent) {
      if (id <= client_index * ids_per_client || id > (client_index + 1) * ids_per_client) continue;
      *next = std::max(*next, id);
      if (!sent.applied) *in_flight = id;
    }
    ctx.timers().start_timer_at_fixed_rate("tick", ClientMsg{Tick{}}, client_tick);
    const auto send = [&node](ActorContext<ClientMsg>& self, Sent& sent) {
      const std::string& target = branch_nodes[sent.branch];
      auto ref = node.remoting()->ref<Transfer>(
          node.world().node(target).actor_uri("/user/keeper/branch"));
      ORRERY_ASSERT(ref.ok(), "the scenario's branch address parses");
      ++sent.attempts;
      sent.last_attempt = node.world().now();
      const Transferred& t = sent.transfer;
      ref->tell(Transfer{t.id, t.from, t.to, t.amount, self.self().narrow<Answer>()});
    };
    return behaviors::receive<ClientMsg>(
        [seen, random, in_flight, next, send, &node](ActorContext<ClientMsg>& self, Tick&) {
          if (*in_flight) {
            Sent& sent = seen->sent.at(**in_flight);
            if (node.world().now() - sent.last_attempt >= answer_timeout) send(self, sent);
            return;
          }
          if (!seen->sending || seen->operations >= seen->operations_max) return;
          ++seen->operations;
          Sent sent;
          sent.branch = static_cast<std::uint32_t>(uniform_int(*random, 0, 2));
          sent.transfer.id = ++*next;
          sent.transfer.from =
              static_cast<std::uint32_t>(uniform_int(*random, 0, accounts_per_branch - 1));
          sent.transfer.to = static_cast<std::uint32_t>(
              (sent.transfer.from + uniform_int(*random, 1, accounts_per_branch - 1)) %
              accounts_per_branch);
          sent.transfer.amount = uniform_int(*random, 1, 300);
          *in_flight = sent.transfer.id;
          send(self, seen->sent[sent.transfer.id] = sent);
        },
        [seen, in_flight](ActorContext<ClientMsg>&, Answer& answer) {
          auto it = seen->sent.find(answer.transfer);
          if (it == seen->sent.end()) return;
          if (it->second.applied && *it->second.applied != answer.applied &&
              seen->violation.empty())
            seen->violation =
                fmt::format("transfer {} was answered both applied and refused", answer.transfer);
          it->second.applied = answer.applied;
          if (*in_flight == answer.transfer) in_flight->reset();
        });
  });
}

void start_branch(sim::Node& node, const std::shared_ptr<Observations>& seen) {
  ORRERY_ASSERT(register_messages(node.system()).ok(), "the scenario's messages register");
  support::StoreSlot& slot = seen->slots[node.index()];
  slot = support::StoreSlot{};
  slot.incarnation = node.incarnation();
  const std::uint32_t index = node.index();
  node.system().spawn(
      support::store_keeper(
          node, slot, "bank.db",
          [seen, index](ActorContext<support::KeeperTick>& keeper,
                        const std::shared_ptr<persistence::SqliteStore>& store) {
            keeper.spawn(
                support::supervised_entity(
                    branch_entity(persistence::Stores::of(store), index, seen->bug).behavior()),
                "branch");
          }),
      "keeper");
}

/// The four checks of the header, on one branch's journal.
std::string check_branch(sim::Node& node, std::uint32_t branch, const Observations& seen,
                         const std::vector<persistence::PersistentEvent>& journal,
                         std::string& invariant) {
  std::set<std::uint64_t> in_journal;
  Branch fold_of_journal;
  for (const persistence::PersistentEvent& stored : journal) {
    auto decoded = persistence::EventSchema<Transferred>{}.from_journal(node.system(), stored);
    if (!decoded.ok() || decoded->size() != 1) {
      invariant = "durability";
      return fmt::format("event {} does not decode", stored.sequence_nr);
    }
    const Transferred& event = decoded->front();
    if (!in_journal.insert(event.id).second) {
      invariant = "exactly once";
      return fmt::format("transfer {} is applied twice (again as event {})", event.id,
                         stored.sequence_nr);
    }
    auto sent = seen.sent.find(event.id);
    if (sent == seen.sent.end() || sent->second.branch != branch ||
        sent->second.transfer.amount != event.amount || sent->second.transfer.from != event.from ||
        sent->second.transfer.to != event.to) {
      invariant = "durability";
      return fmt::format("event {} holds transfer {}, never sent so", stored.sequence_nr, event.id);
    }
    fold(fold_of_journal, event);
  }
  for (const auto& [id, sent] : seen.sent) {
    if (sent.branch == branch && sent.applied.value_or(false) && in_journal.count(id) == 0) {
      invariant = "durability";
      return fmt::format("transfer {} was acknowledged as applied but is not in the journal", id);
    }
  }
  const std::int64_t total = std::accumulate(fold_of_journal.balances.begin(),
                                             fold_of_journal.balances.end(), std::int64_t{0});
  invariant = "conservation";
  if (total != opening_balance * accounts_per_branch)
    return fmt::format("the accounts hold {} in all, not the {} they opened with", total,
                       opening_balance * accounts_per_branch);
  for (std::uint32_t a = 0; a < accounts_per_branch; ++a) {
    if (fold_of_journal.balances[a] < 0)
      return fmt::format("account {} is overdrawn ({})", a, fold_of_journal.balances[a]);
  }
  return {};
}

}  // namespace

Scenario bank_scenario() {
  return {
      .name = "bank",
      .summary =
          "event-sourced branches on three nodes (SQLite on SimDisk), transfers sent over "
          "remoting by clients on two other nodes that retry on timeout, under crashes, "
          "restarts, partitions, loss, clock jumps and disk faults",
      .invariants =
          {
              {"answered", "liveness",
               "every transfer a client sent is answered within 60 s of healing"},
              {"exactly once", "safety", "no transfer is applied twice"},
              {"durability", "safety",
               "every transfer acknowledged as applied is in its branch's journal, as sent"},
              {"conservation", "safety",
               "each branch's money adds up to its opening total, no account overdrawn"},
          },
      .bugs =
          {
              {"retry-not-deduplicated",
               "a branch applies a retried transfer again instead of answering it from its "
               "record of applied ids"},
              {"ack-before-durable",
               "a branch answers 'applied' when it hands the event to the journal, before the "
               "journal says it is durable"},
          },
      .default_until = fault_span,
      .run = &run_bank_scenario,
  };
}

ScenarioResult run_bank_scenario(std::uint64_t seed, const ScenarioOptions& options) {
  ScenarioResult result;
  result.scenario = "bank";
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

  for (const std::string& name : all_nodes) {
    const bool is_client = name == "d" || name == "e";
    sim::NodeConfig config;
    config.actor_system.name = "bank";
    config.remote.heartbeat_interval = 1s;
    config.remote.unreachable_after = 5s;
    config.disk = support::quiet_disk();
    config.log_threshold = LogLevel::error;
    if (is_client) {
      const std::uint32_t client_index = name == "d" ? 1 : 2;
      const std::uint64_t stream = world.derive_seed("bank client " + name);
      config.on_start = [seen, client_index, stream](sim::Node& node) {
        ORRERY_ASSERT(register_messages(node.system()).ok(), "the scenario's messages register");
        node.system().spawn(client(node, client_index, seen, stream), "client");
      };
    } else {
      config.on_start = [seen](sim::Node& node) {
        start_branch(node, seen);
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
  mix.never_crash = client_nodes;  // the clients hold the observations
  result.realized_plan = choose_plan(options, world, all_nodes, span, mix);

  std::string invariant = "fault plan";
  const Status outcome = [&]() -> Status {
    if (Status applied = sim::apply(world, result.realized_plan); !applied.ok()) return applied;
    return world.run_script("bank", [&](sim::Script& s) {
      invariant = "conservation";
      s.sleep(span + fault_longest + 1s);
      seen->sending = false;
      s.heal_all();
      s.world().network().set_default_link(sim::LinkConfig{});
      for (const std::string& name : all_nodes) {
        s.set_clock_drift(name, 0);
        s.node(name).disk().set_config(support::quiet_disk());
        s.restart(name);
      }
      // Terminated is final: an incarnation a peer found unreachable is quarantined and talks
      // again only as a new one (as a quarantined Akka node must restart). Every node restarts;
      // the branches recover from their journals, the clients resend what is unanswered.
      for (const std::string& name : all_nodes) {
        if (s.node(name).state() == sim::Node::State::paused) continue;
        s.crash(name);
        s.restart(name);
      }
      s.note("faults over");

      invariant = "answered";
      const auto unanswered = [&] {
        std::vector<std::uint64_t> ids;
        for (const auto& [id, sent] : seen->sent) {
          if (!sent.applied) ids.push_back(id);
        }
        return ids;
      };
      const bool all_answered = s.eventually([&] { return unanswered().empty(); }, 60s);
      s.require(all_answered,
                fmt::format("answered: {} transfers unanswered 60 s after healing (first {})",
                            unanswered().size(), unanswered().empty() ? 0 : unanswered().front()));
      invariant = "exactly once";
      s.require(seen->violation.empty(), "exactly once: " + seen->violation);

      invariant = "durability";
      s.require_eventually(
          [&] {
            for (const support::StoreSlot& slot : seen->slots) {
              if (!slot.healthy()) return false;
            }
            return true;
          },
          30s, "durability: every branch's store opens on its healed disk");
      for (std::uint32_t b = 0; b < branch_nodes.size(); ++b) {
        auto journal = s.await(
            seen->slots[b].store->replay(branch_id(b), 1, persistence::max_sequence_nr, 1'000'000));
        s.require(journal.ok(), "durability: the journal of " + branch_id(b) + " replays");
        std::string broken;
        const std::string problem = check_branch(s.world().node(b), b, *seen, *journal, broken);
        if (!problem.empty()) {
          invariant = broken;
          s.require(false, broken + ": " + branch_id(b) + ": " + problem);
        }
      }
      s.note(fmt::format("disk digest {:016x}", support::disk_digest(world)));
    });
  }();
  finish_result(result, world, outcome, invariant);
  result.operations = seen->operations;
  for (support::StoreSlot& slot : seen->slots)
    slot = support::StoreSlot{};
  return result;
}

}  // namespace orrery::scenarios
