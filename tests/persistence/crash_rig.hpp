#pragma once
// CrashRig: one simulated node running ledger entities on a SqliteStore over its SimDisk, driven
// through phases of random commands, injected write and sync errors (entities fail with
// PersistFailedError and restart_with_backoff recovers them) and a crash: inside a storage
// operation, at a random virtual instant, or not at all. The disk loses or tears what was not
// synced. After each phase the node restarts (reopening the store, respawning the entities) and
// check() compares, per entity, the journal, the entity's state and the acks the driver saw.
//
// A run is a pure function of its seed. Problems are collected as text (the first one stops the
// run), so that a rapidcheck property and a plain Catch loop can both report them with the seed.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <orrery/persistence/sqlite_store.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>

#include "crashing_storage.hpp"
#include "ledger.hpp"

namespace orrery::persistence::test {

using namespace std::chrono_literals;

/// What the driver saw, kept outside the node so that it survives crashes.
struct Seen {
  /// Per entity: commands in the order their acks arrived, and their last sequence numbers.
  std::map<std::uint32_t, std::vector<std::uint64_t>> acked;
  std::map<std::uint32_t, std::vector<std::int64_t>> acked_sequence_nrs;
  /// Per entity: every command sent to it, with its number of parts.
  std::map<std::uint32_t, std::map<std::uint64_t, std::uint32_t>> sent;
  /// Per entity: the records the last check found in the journal (they may never vanish).
  std::map<std::uint32_t, std::vector<std::uint64_t>> durable;
  /// Per entity: the state its last Read answered.
  std::map<std::uint32_t, ledger::Observed> observed;
  std::vector<std::string> recovery_failures;
};

struct RigShape {
  std::uint32_t entities = 3;
  std::uint32_t phases = 3;
};

struct RigStats {
  std::uint64_t crashes_in_operation = 0;
  std::uint64_t crashes_at_instant = 0;
  std::uint64_t phases_without_crash = 0;
  std::uint64_t acks = 0;
  std::uint64_t unacked_recovered = 0;  // events found that were never acked (allowed)
  std::uint64_t reopens = 0;
  std::uint64_t batches_failed = 0;  // transactions an I/O error failed: PersistFailedError
  std::uint64_t injected_errors = 0;
  std::uint64_t writes_torn = 0;
  std::uint64_t writes_lost = 0;
};

class CrashRig {
 public:
  static constexpr const char* database = "ledger.db";

  explicit CrashRig(std::uint64_t seed)
      : world_(seed), draw_(world_.derive_seed("crash property")), seen_(std::make_shared<Seen>()) {
    shape_.entities = static_cast<std::uint32_t>(uniform_int(draw_, 2, 5));
    shape_.phases = static_cast<std::uint32_t>(uniform_int(draw_, 2, 6));
    sim::NodeConfig config;
    config.remoting = false;
    config.disk = quiet_disk();
    config.log_threshold = LogLevel::warning;
    config.on_start = [this](sim::Node& node) {
      start(node);
    };
    node_ = &world_.add_node("ledger", config);
  }
  /// The world goes first: its actors may hold the stores, which close over the Envs and
  /// crashing storages of their incarnations, kept until the end for that reason.
  ~CrashRig() {
    for (auto& incarnation : incarnations_) {
      incarnation->crashing->arm(UINT64_MAX);
      incarnation->store.reset();
    }
  }
  CrashRig(const CrashRig&) = delete;
  CrashRig& operator=(const CrashRig&) = delete;

  /// Called after each crash, before the restart, with the disk as the crash left it; returns a
  /// problem, or empty.
  using CrashImageCheck = std::function<std::string(CrashRig&)>;

  /// Every phase, then a final check; the first problem, or empty when every check held.
  std::string run(const CrashImageCheck& on_crash_image = {}) {
    if (std::string p = check(); !p.empty()) return p;
    for (std::uint32_t phase = 0; phase < shape_.phases; ++phase) {
      phase_of_work();
      if (!node_->up()) {
        if (on_crash_image) {
          if (std::string p = on_crash_image(*this); !p.empty())
            return fmt::format("the image of crash {}: {}", phase, p);
        }
        node_->disk().set_config(quiet_disk());
        world_.restart(*node_);
      }
      if (std::string p = check(); !p.empty())
        return fmt::format("after phase {}: {}\nlast log lines:{}", phase, p, log_tail(20));
    }
    return {};
  }

  /// The world's newest log lines, for a failure report.
  std::string log_tail(std::size_t lines_max) const {
    const auto& lines = world_.log_lines();
    std::string out;
    for (std::size_t i = lines.size() > lines_max ? lines.size() - lines_max : 0; i < lines.size();
         ++i)
      out += "\n  " + lines[i];
    return out;
  }

  sim::World& world() { return world_; }
  sim::Node& node() { return *node_; }
  const Seen& seen() const { return *seen_; }
  const RigShape& shape() const { return shape_; }
  const RigStats& stats() const { return stats_; }
  /// The store of the running incarnation (null while down).
  SqliteStore* store() { return live_ ? live_->store.get() : nullptr; }
  /// The journal as the last check read it, per entity.
  const std::map<std::uint32_t, std::vector<PersistentEvent>>& journal() const { return journal_; }

 private:
  /// The parts of one incarnation of the node: its store over a crashing view of the disk.
  struct Incarnation {
    std::unique_ptr<sqlite::test::CrashingStorage> crashing;
    std::unique_ptr<Env> env;
    std::shared_ptr<SqliteStore> store;  // null once the incarnation is over
    std::vector<ActorRef<ledger::Command>> entities;
    ActorRef<ledger::Ack> acks;
    ActorRef<ledger::Observed> reads;
    std::optional<Future<Done>> reopening;
  };

  static sim::DiskConfig quiet_disk() {
    return sim::DiskConfig{.latency_min = 20us, .latency_max = 400us};
  }

  void start(sim::Node& node) {
    // The last incarnation's store closes (on the files its crash invalidated) once nothing of
    // the dead node holds it; its Env and storage stay, as they may be needed until then.
    if (live_) {
      stats_.batches_failed += live_->store->stats().batches_failed;
      live_->store.reset();
    }
    live_ = nullptr;
    auto live = std::make_unique<Incarnation>();
    live->crashing = std::make_unique<sqlite::test::CrashingStorage>(
        node.env().storage, UINT64_MAX, [this] { crash_inside_operation(); });
    Env& real = node.env();
    live->env = std::make_unique<Env>(Env{real.clock, real.timers, real.executor, real.random,
                                          real.transport, *live->crashing, real.log, real.buggify});
    auto store =
        SqliteStore::open(*live->env, {.path = database,
                                       .owner = fmt::format("ledger#{}", node.incarnation()),
                                       .wal_autocheckpoint_pages = 16});
    if (!store.ok()) {
      problem_ = "the store did not open on a quiet disk: " + store.error().message;
      return;
    }
    live->store = std::move(*store);
    ledger::register_types(node.system());
    auto seen = seen_;
    live->acks = node.system().spawn(
        behaviors::receive<ledger::Ack>([seen](ActorContext<ledger::Ack>&, ledger::Ack& ack) {
          seen->acked[ack.entity].push_back(ack.command);
          seen->acked_sequence_nrs[ack.entity].push_back(ack.sequence_nr);
        }),
        "acks");
    live->reads = node.system().spawn(
        behaviors::receive<ledger::Observed>(
            [seen](ActorContext<ledger::Observed>&, ledger::Observed& observed) {
              seen->observed[observed.entity] = observed;
            }),
        "reads");
    const auto backoff = SupervisorStrategy::restart_with_backoff(5ms, 100ms, 0.2);
    for (std::uint32_t e = 0; e < shape_.entities; ++e) {
      Behavior<ledger::Command> behavior =
          ledger::entity(Stores::of(live->store), e)
              .on_signal([seen](ActorContext<ledger::Command>&, const ledger::State&,
                                const PersistenceSignal& signal) {
                if (auto* failed = std::get_if<RecoveryFailed>(&signal))
                  seen->recovery_failures.push_back(failed->error.message);
              })
              .behavior();
      Behavior<ledger::Command> supervised = behaviors::supervise(std::move(behavior))
                                                 .on_failure<PersistFailedError>(backoff)
                                                 .on_failure<RecoveryFailedError>(backoff);
      live->entities.push_back(node.system().spawn(supervised, "ledger-" + std::to_string(e)));
    }
    live_ = live.get();
    incarnations_.push_back(std::move(live));
  }

  /// CrashingStorage reached the fatal operation: the disk has crashed under the store; the
  /// node dies as soon as the running turn ends.
  void crash_inside_operation() {
    node_->disk().crash();
    ++stats_.crashes_in_operation;
    const std::uint32_t incarnation = node_->incarnation();
    world_.schedule(world_.now(), sim::World::no_node, [this, incarnation] {
      if (node_->incarnation() == incarnation) world_.crash(*node_);
    });
  }

  void phase_of_work() {
    SeededRandom& r = draw_;
    sim::DiskConfig disk = quiet_disk();
    if (chance(r, 1, 2)) {
      disk.write_error_ppm = static_cast<std::uint32_t>(uniform_int(r, 0, 3000));
      disk.sync_error_ppm = static_cast<std::uint32_t>(uniform_int(r, 500, 15000));
    }
    node_->disk().set_config(disk);
    const auto mode = uniform_int(r, 0, 2);  // 0 in an operation, 1 at an instant, 2 no crash
    std::optional<std::uint64_t> timed_crash;
    if (mode == 0) {
      live_->crashing->arm(static_cast<std::uint64_t>(uniform_int(r, 1, 600)));
    } else if (mode == 1) {
      ++stats_.crashes_at_instant;
      timed_crash = world_.schedule(world_.now() + uniform_duration(r, 1ms, 300ms),
                                    sim::World::no_node, [this] { world_.crash(*node_); });
    } else {
      ++stats_.phases_without_crash;
    }
    const auto steps = uniform_int(r, 5, 40);
    for (std::int64_t step = 0; step < steps && node_->up(); ++step) {
      const auto commands = uniform_int(r, 1, 4);
      for (std::int64_t c = 0; c < commands; ++c) {
        const auto entity = static_cast<std::uint32_t>(uniform_int(r, 0, shape_.entities - 1));
        const auto parts = static_cast<std::uint32_t>(uniform_int(r, 1, 2));
        const std::uint64_t command = ++next_command_;
        seen_->sent[entity][command] = parts;
        live_->entities[entity].tell(ledger::Append{command, parts, live_->acks});
      }
      reopen_if_failed();
      world_.run_for(uniform_duration(r, 0ms, 20ms));
    }
    if (node_->up()) world_.run_for(300ms);  // the timed crash lands, failures settle
    if (timed_crash) world_.cancel(*timed_crash);
    if (mode == 0 && node_->up()) {  // never reached: crash here instead
      live_->crashing->arm(UINT64_MAX);
      world_.crash(*node_);
    }
  }

  void reopen_if_failed() {
    if (!node_->up() || !live_ || !live_->store) return;
    if (live_->reopening && !live_->reopening->ready()) return;
    live_->reopening.reset();
    if (live_->store->failed()) {
      ++stats_.reopens;
      live_->reopening = live_->store->reopen();
    }
  }

  /// After the phase: the node runs on a quiet disk; every entity recovers, and its state, its
  /// journal and the acks agree.
  std::string check() {
    if (!problem_.empty()) return problem_;
    if (!node_->up() || !live_) return "the node is not up for the check";
    node_->disk().set_config(quiet_disk());
    live_->crashing->arm(UINT64_MAX);
    stats_.injected_errors = node_->disk().stats().injected_errors;
    stats_.writes_torn = node_->disk().stats().writes_torn;
    stats_.writes_lost = node_->disk().stats().writes_lost;
    // The store may have failed on the phase's last error: reopen until it is healthy.
    for (int attempt = 0; attempt < 5 && live_->store->failed(); ++attempt) {
      ++stats_.reopens;
      auto reopened = live_->store->reopen();
      world_.await([&] { return reopened.ready(); }, 10s);
    }
    if (live_->store->failed()) return "the store stays failed on a quiet disk";
    world_.run_for(500ms);  // backoffs end, commands still queued settle
    seen_->observed.clear();
    for (std::uint32_t e = 0; e < shape_.entities; ++e)
      live_->entities[e].tell(ledger::Read{live_->reads});
    const bool answered =
        world_.await([&] { return seen_->observed.size() == shape_.entities; }, 30s);
    if (!answered) {
      std::string failures;
      for (const std::string& f : seen_->recovery_failures)
        failures += "\n  " + f;
      return fmt::format("only {} of {} entities answered after recovery; recovery failures:{}",
                         seen_->observed.size(), shape_.entities, failures);
    }
    for (std::uint32_t e = 0; e < shape_.entities; ++e) {
      if (std::string p = check_entity(e); !p.empty())
        return fmt::format("{}: {}", ledger::persistence_id(e), p);
    }
    return {};
  }

  std::string check_entity(std::uint32_t e) {
    auto replay = live_->store->replay(ledger::persistence_id(e), 1, max_sequence_nr, 1'000'000);
    if (!world_.await([&] { return replay.ready(); }, 10s)) return "the replay never completed";
    auto events = replay.take();
    if (!events.ok()) return "replay failed: " + events.error().message;
    std::vector<std::uint64_t> records;
    std::vector<std::uint64_t> commands;  // in journal order, each once
    std::set<std::uint64_t> seen_commands;
    for (std::size_t i = 0; i < events->size(); ++i) {
      const PersistentEvent& stored = (*events)[i];
      if (stored.sequence_nr != static_cast<SequenceNr>(i + 1))
        return fmt::format("sequence number {} at position {}: a gap or a duplicate",
                           stored.sequence_nr, i + 1);
      auto decoded = EventSchema<ledger::Entry>{}.from_journal(node_->system(), stored);
      if (!decoded.ok() || decoded->size() != 1)
        return fmt::format("event {} does not decode", stored.sequence_nr);
      const ledger::Entry* entry = &decoded->front();
      records.push_back(ledger::record_of(*entry));
      if (entry->part == 0) {
        if (!seen_commands.insert(entry->command).second)
          return fmt::format("command {} is in the journal twice", entry->command);
        commands.push_back(entry->command);
      }
    }
    if (std::string p = check_parts(e, records); !p.empty()) return p;
    const std::vector<std::uint64_t>& acked = seen_->acked[e];
    std::vector<std::uint64_t> acked_in_journal;
    for (std::uint64_t command : commands) {
      if (std::find(acked.begin(), acked.end(), command) != acked.end())
        acked_in_journal.push_back(command);
      else
        ++stats_.unacked_recovered;
    }
    if (acked_in_journal != acked)
      return fmt::format("acked commands [{}] but the journal holds, of them, [{}]",
                         fmt::join(acked, ","), fmt::join(acked_in_journal, ","));
    const std::vector<std::uint64_t>& before = seen_->durable[e];
    if (records.size() < before.size() ||
        !std::equal(before.begin(), before.end(), records.begin()))
      return fmt::format("the journal [{}] does not extend what an earlier check recovered [{}]",
                         fmt::join(records, ","), fmt::join(before, ","));
    if (seen_->observed.at(e).records != records)
      return fmt::format("state [{}] is not the fold of the journal [{}]",
                         fmt::join(seen_->observed.at(e).records, ","), fmt::join(records, ","));
    stats_.acks = 0;
    for (const auto& [entity, list] : seen_->acked)
      stats_.acks += list.size();
    seen_->durable[e] = records;
    journal_[e] = std::move(*events);
    return {};
  }

  /// Each command sent to `e`, whole (its parts in order, adjacent) or absent.
  std::string check_parts(std::uint32_t e, const std::vector<std::uint64_t>& records) {
    const auto& sent = seen_->sent[e];
    for (std::size_t i = 0; i < records.size();) {
      const std::uint64_t command = records[i] / 2;
      auto it = sent.find(command);
      if (it == sent.end()) return fmt::format("command {} was never sent here", command);
      for (std::uint32_t part = 0; part < it->second; ++part, ++i) {
        if (i >= records.size() || records[i] != command * 2 + part)
          return fmt::format("command {} is not whole (part {} missing at {})", command, part, i);
      }
    }
    return {};
  }

  std::vector<std::unique_ptr<Incarnation>> incarnations_;  // outlive the world (see above)
  sim::World world_;
  SeededRandom draw_;
  RigShape shape_;
  sim::Node* node_ = nullptr;
  std::shared_ptr<Seen> seen_;
  Incarnation* live_ = nullptr;  // the running incarnation
  std::map<std::uint32_t, std::vector<PersistentEvent>> journal_;
  std::uint64_t next_command_ = 0;
  std::string problem_;
  RigStats stats_;
};

}  // namespace orrery::persistence::test
