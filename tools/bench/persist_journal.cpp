// journal.persist on Orrery: persisting entities over SqliteStore on the production Env, in a
// scratch directory on the real filesystem.
#include <orrery/persistence/sqlite_store.hpp>

#include "bench_env.hpp"
#include "persist_entity.hpp"
#include "persist_workloads.hpp"
#include "raw_sqlite.hpp"

namespace orrery::bench::ours {

using persistence::SqliteStore;
using persistence::Stores;

namespace {

PersistFigures figures_of(const EntityRun& run, std::uint64_t events) {
  PersistFigures figures;
  figures.events_per_s = static_cast<double>(events) / run.seconds;
  std::vector<double> latencies(run.latencies_ns.begin(), run.latencies_ns.end());
  figures.latency_p50_s = quantile(latencies, 0.5) / 1e9;
  figures.latency_p99_s = quantile(latencies, 0.99) / 1e9;
  figures.cpu_us_per_event = run.cpu_seconds * 1e6 / static_cast<double>(events);
  return figures;
}

}  // namespace

PersistFigures journal_persist(const JournalSpec& spec, JournalRecord& record) {
  BenchEnv bench_env(BenchEnvConfig{.workers = 2, .park_at_once = true});
  const std::uint64_t events = std::uint64_t{spec.actors} * spec.events_per_actor;
  PersistFigures figures;
  SqliteStore::Stats stats;
  {
    ActorSystemPtr system = ActorSystem::create(bench_env.env(), {.name = "bench"});
    register_blob(*system);
    auto store = SqliteStore::open(
        bench_env.env(),
        {.path = "journal.db",
         .owner = "bench-journal",
         .synchronous = spec.synchronous_full ? persistence::sqlite::Synchronous::full
                                              : persistence::sqlite::Synchronous::normal});
    ORRERY_ASSERT(store.ok(), "the benchmark's SqliteStore opens");
    const EntityRun run = run_entities(*system, Stores::of(*store), spec.actors,
                                       spec.events_per_actor, spec.payload_bytes);
    figures = figures_of(run, events);
    stats = (*store)->stats();
    system->terminate();
    ORRERY_ASSERT(system->when_terminated().get().ok(), "the benchmark's system terminates");
  }
  // Outside the span: one sync's cost on this disk now, and what ours wrote, for the peer.
  figures.fdatasync_s = fdatasync_seconds(bench_env.storage_root(), 21);
  figures.transactions = stats.transactions;
  ORRERY_ASSERT(stats.writes == events && stats.writes_refused == 0, "every write committed");
  raw_sqlite::read_back(bench_env.storage_root() + "/journal.db", record);
  ORRERY_ASSERT(record.events == events, "ours' file holds every event");
  record.transactions_by_writes = stats.transactions_by_writes;
  return figures;
}

}  // namespace orrery::bench::ours
