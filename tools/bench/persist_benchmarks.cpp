// The persistence benchmarks: sizes (full and --quick) and the registry entries. Ours runs
// first; its JournalRecord (group-commit sizes, rows, schema) is what the peer then replays.
#include <map>
#include <memory>

#include <fmt/format.h>

#include "benchmark.hpp"
#include "persist_workloads.hpp"
#include "sim_workloads.hpp"

namespace orrery::bench {
namespace {

JournalSpec persist_spec(const RunScale& scale, bool synchronous_full) {
  return JournalSpec{.actors = 1000,
                     .events_per_actor = scale.quick ? 5u : 100u,
                     .payload_bytes = 100,
                     .synchronous_full = synchronous_full};
}

std::string persist_detail(const PersistFigures& f, const JournalRecord& record) {
  const double p99_in_syncs = f.latency_p99_s / f.fdatasync_s;
  return fmt::format(
      "persist latency p50 {:.2f} ms, p99 {:.2f} ms; one fdatasync {:.3f} ms (p99 = {:.1f} "
      "fdatasyncs; target <= 3); cpu {:.1f} us/event; {}",
      f.latency_p50_s * 1e3, f.latency_p99_s * 1e3, f.fdatasync_s * 1e3, p99_in_syncs,
      f.cpu_us_per_event, describe_batches(record.transactions_by_writes));
}

std::string peer_detail(const PeerFigures& peer, const JournalRecord& record) {
  return fmt::format("cpu {:.1f} us/event; ours' {}", peer.cpu_us_per_event,
                     describe_batches(record.transactions_by_writes));
}

/// journal.persist or journal.persist.relaxed: ours and raw SQLite sharing ours' last record.
Benchmark sqlite_persist(std::string name, bool synchronous_full) {
  auto record = std::make_shared<JournalRecord>();
  auto ensure_record = [record, synchronous_full](const RunScale& s) {
    // The peer alone (--only peer) still needs ours' transactions: one unmeasured run of ours.
    const JournalSpec spec = persist_spec(s, synchronous_full);
    if (record->events != std::uint64_t{spec.actors} * spec.events_per_actor)
      ours::journal_persist(spec, *record);
  };
  const char* mode = synchronous_full ? "FULL" : "NORMAL";
  Benchmark b;
  b.name = std::move(name);
  b.unit = "events/s";
  b.better = Better::higher;
  b.summary = fmt::format(
      "1,000 EventSourcedBehavior actors each persisting 100-byte events one at a time (ack "
      "awaited), SqliteStore WAL synchronous={}; peer: the same rows in ours' group commits",
      mode);
  b.ours = [record, synchronous_full](const RunScale& s) {
    const PersistFigures figures =
        ours::journal_persist(persist_spec(s, synchronous_full), *record);
    return Measurement{figures.events_per_s, persist_detail(figures, *record)};
  };
  b.peer_name = "raw-sqlite";
  b.peer = [record, ensure_record, synchronous_full](const RunScale& s) {
    ensure_record(s);
    const PeerFigures peer =
        raw_sqlite::journal_persist(persist_spec(s, synchronous_full), *record, false);
    return Measurement{peer.events_per_s, peer_detail(peer, *record)};
  };
  b.asides.push_back(
      {"raw-sqlite+checks", [record, ensure_record, synchronous_full](const RunScale& s) {
         ensure_record(s);
         const PeerFigures peer =
             raw_sqlite::journal_persist(persist_spec(s, synchronous_full), *record, true);
         return Measurement{peer.events_per_s,
                            fmt::format("with ours' per-write savepoint and highest read; cpu "
                                        "{:.1f} us/event",
                                        peer.cpu_us_per_event)};
       }});
  b.repetitions = 3;
  return b;
}

/// One replay file per size, written on first use and shared by every run of both sides.
class ReplayFiles {
 public:
  const ReplayFixture& of(const RunScale& s) {
    const std::uint64_t events = s.quick ? 20'000 : 1'000'000;
    std::unique_ptr<ReplayFixture>& fixture = fixtures_[events];
    if (!fixture) fixture = std::make_unique<ReplayFixture>(events);
    return *fixture;
  }

 private:
  std::map<std::uint64_t, std::unique_ptr<ReplayFixture>> fixtures_;
};

Benchmark journal_replay() {
  auto files = std::make_shared<ReplayFiles>();
  Benchmark b;
  b.name = "journal.replay";
  b.unit = "events/s";
  b.better = Better::higher;
  b.summary =
      "recovery of one entity with 1,000,000 100-byte events (SqliteStore, pages of 1,000); peer: "
      "raw SQLite, the same query and pages, the same columns decoded";
  b.ours = [files](const RunScale& s) {
    return Measurement{ours::journal_replay(files->of(s)), {}};
  };
  b.peer_name = "raw-sqlite";
  b.peer = [files](const RunScale& s) {
    return Measurement{raw_sqlite::journal_replay(files->of(s)), {}};
  };
  b.repetitions = 3;
  return b;
}

std::uint32_t idle_entities(const RunScale& s) {
  return s.quick ? 10'000 : 100'000;
}

Benchmark persist_bytes() {
  Benchmark b;
  b.name = "persist.bytes";
  b.unit = "B/actor";
  b.better = Better::lower;
  b.summary =
      "resident bytes per idle recovered persistent actor (int64 state, one event, SqliteStore), "
      "100,000 of them; peer: our plain actor with the same int64 (target <= 2x: ratio >= 0.5)";
  b.ours = [](const RunScale& s) {
    const ours::ActorBytes bytes = ours::persistent_actor_bytes(idle_entities(s));
    return Measurement{bytes.resident, fmt::format("live heap {:.0f} B/actor", bytes.heap)};
  };
  b.peer_name = "plain-actor";
  b.peer = [](const RunScale& s) {
    const ours::ActorBytes bytes = ours::plain_actor_bytes(idle_entities(s));
    return Measurement{bytes.resident, fmt::format("live heap {:.0f} B/actor", bytes.heap)};
  };
  b.repetitions = 3;
  return b;
}

JournalSpec postgres_spec(const RunScale& scale) {
  return JournalSpec{.actors = 1000, .events_per_actor = scale.quick ? 2u : 20u};
}

Benchmark journal_postgres() {
  auto record = std::make_shared<JournalRecord>();
  Benchmark b;
  b.name = "journal.postgres";
  b.unit = "events/s";
  b.better = Better::higher;
  b.summary =
      "journal.persist against a local PostgreSQL (fsync on) through PostgresStore; peer: libpq "
      "sending PostgresStore's statements for the same rows in ours' groups";
  b.ours = [record](const RunScale& s) {
    const PersistFigures f = ours::journal_postgres(postgres_spec(s), *record);
    return Measurement{f.events_per_s,
                       fmt::format("persist latency p50 {:.2f} ms, p99 {:.2f} ms; cpu {:.1f} "
                                   "us/event; {}",
                                   f.latency_p50_s * 1e3, f.latency_p99_s * 1e3, f.cpu_us_per_event,
                                   describe_batches(record->transactions_by_writes))};
  };
  b.peer_name = "raw-libpq";
  b.peer = [record](const RunScale& s) {
    const JournalSpec spec = postgres_spec(s);
    if (record->events != std::uint64_t{spec.actors} * spec.events_per_actor)
      ours::journal_postgres(spec, *record);  // --only peer: ours' groups, unmeasured
    const PeerFigures peer = raw_libpq::journal_persist(spec, *record);
    return Measurement{peer.events_per_s, peer_detail(peer, *record)};
  };
  b.repetitions = 3;
  b.skip_reason = [] {
    return postgres_unavailable();
  };
  return b;
}

simulated::SimPersistSpec sim_persist_spec(const RunScale& s) {
  simulated::SimPersistSpec spec;
  spec.span = s.quick ? std::chrono::seconds(5) : std::chrono::seconds(60);
  return spec;
}

Benchmark sim_persist() {
  auto last = std::make_shared<simulated::SimPersistFigures>();
  Benchmark b;
  b.name = "sim.persist";
  b.unit = "events/s";
  b.better = Better::higher;
  b.summary =
      "in the simulator: 100 persistent actors on 3 nodes (SqliteStore on SimDisk) each persisting "
      "every 100 ms under a generated fault plan, acknowledged events per wall second; peer: a "
      "bare (time, sequence) heap loop making as many callbacks per event as ours' world did";
  b.ours = [last](const RunScale& s) {
    *last = simulated::persist_under_faults(sim_persist_spec(s));
    return Measurement{
        last->events_per_wall_s,
        fmt::format("{:.0f} simulated s per wall s (target >= 200); cpu {:.1f} us/event; {} "
                    "events, {} world steps ({:.1f} per event), {} node restarts",
                    last->sim_per_wall, last->cpu_us_per_event, last->events, last->steps,
                    static_cast<double>(last->steps) / static_cast<double>(last->events),
                    last->restarts)};
  };
  b.peer_name = "bare-event-loop";
  b.peer = [last](const RunScale& s) {
    if (last->events == 0) *last = simulated::persist_under_faults(sim_persist_spec(s));
    const double per_event = static_cast<double>(last->steps) / static_cast<double>(last->events);
    const double callbacks_per_s = simulated::bare_loop_rate(100, last->steps);
    return Measurement{
        callbacks_per_s / per_event,
        fmt::format("{:.1f}M callbacks/s, {:.1f} per event", callbacks_per_s / 1e6, per_event)};
  };
  b.repetitions = 3;
  return b;
}

}  // namespace

std::vector<Benchmark> persist_benchmarks() {
  std::vector<Benchmark> list;
  list.push_back(sqlite_persist("journal.persist", true));
  list.push_back(sqlite_persist("journal.persist.relaxed", false));
  list.push_back(journal_replay());
  list.push_back(persist_bytes());
  list.push_back(journal_postgres());
  list.push_back(sim_persist());
  return list;
}

}  // namespace orrery::bench
