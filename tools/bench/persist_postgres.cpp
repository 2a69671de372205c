// journal.postgres on Orrery: persisting entities over PostgresStore on the production Env,
// against the bench's local server; what ours wrote is read back for the libpq peer.
#include <fmt/format.h>

#include <orrery/persistence/postgres_store.hpp>

#include "bench_env.hpp"
#include "persist_entity.hpp"
#include "persist_workloads.hpp"
#include "postgres_fixture.hpp"

namespace orrery::bench::ours {

using persistence::PostgresStore;
using persistence::Stores;

namespace {

/// One row's text column, or a bytea column of a binary result.
std::string value_of(PGresult* result, int column) {
  return std::string(PQgetvalue(result, 0, column),
                     static_cast<std::size_t>(PQgetlength(result, 0, column)));
}

void read_back(const std::string& schema, JournalRecord& record) {
  PGconn* connection = connect_bench_postgres();
  const std::string first = entity_id(0);
  const char* values[] = {first.c_str()};
  // Binary results: the payload's bytes as they are (the other columns are read as such).
  const std::string row_sql = fmt::format(
      "SELECT manifest, version::int8, payload, writer, (SELECT count(*) FROM {0}.events) FROM "
      "{0}.events WHERE persistence_id = $1 AND sequence_nr = 1",
      schema);
  PGresult* row =
      PQexecParams(connection, row_sql.c_str(), 1, nullptr, values, nullptr, nullptr, 1);
  ORRERY_ASSERT(PQresultStatus(row) == PGRES_TUPLES_OK && PQntuples(row) == 1,
                "ours' first row reads back");
  auto int8_of = [&](int column) {
    const std::string bytes = value_of(row, column);
    ORRERY_ASSERT(bytes.size() == 8, "an int8 in binary is 8 bytes");
    std::uint64_t value = 0;
    for (const char c : bytes)
      value = (value << 8) | static_cast<unsigned char>(c);
    return static_cast<std::int64_t>(value);
  };
  record.manifest = value_of(row, 0);
  record.version = int8_of(1);
  record.payload = value_of(row, 2);
  record.writer = value_of(row, 3);
  record.events = static_cast<std::uint64_t>(int8_of(4));
  record.schema_sql.clear();
  PQclear(row);
  PQfinish(connection);
}

}  // namespace

PersistFigures journal_postgres(const JournalSpec& spec, JournalRecord& record) {
  BenchEnv bench_env(BenchEnvConfig{.workers = 2, .park_at_once = true});
  const std::uint64_t events = std::uint64_t{spec.actors} * spec.events_per_actor;
  const std::string schema = fresh_bench_schema("ours");
  PersistFigures figures;
  PostgresStore::Stats stats;
  {
    ActorSystemPtr system = ActorSystem::create(bench_env.env(), {.name = "bench"});
    register_blob(*system);
    auto store = PostgresStore::open(
        bench_env.env(),
        {.connection = bench_postgres_server().conninfo("postgres"), .schema = schema});
    ORRERY_ASSERT(store.ok(), "the benchmark's PostgresStore opens");
    ORRERY_ASSERT((*store)->ready().get().ok(), "the benchmark's PostgresStore connects");
    const EntityRun run = run_entities(*system, Stores::of(*store), spec.actors,
                                       spec.events_per_actor, spec.payload_bytes);
    figures.events_per_s = static_cast<double>(events) / run.seconds;
    std::vector<double> latencies(run.latencies_ns.begin(), run.latencies_ns.end());
    figures.latency_p50_s = quantile(latencies, 0.5) / 1e9;
    figures.latency_p99_s = quantile(latencies, 0.99) / 1e9;
    figures.cpu_us_per_event = run.cpu_seconds * 1e6 / static_cast<double>(events);
    stats = (*store)->stats();
    system->terminate();
    ORRERY_ASSERT(system->when_terminated().get().ok(), "the benchmark's system terminates");
  }
  figures.transactions = stats.transactions;
  ORRERY_ASSERT(stats.writes == events, "every write committed");
  read_back(schema, record);
  ORRERY_ASSERT(record.events == events, "ours' schema holds every event");
  record.transactions_by_writes = stats.transactions_by_writes;
  return figures;
}

}  // namespace orrery::bench::ours
