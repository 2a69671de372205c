// journal.postgres's peer: libpq on one connection, committing ours' rows in ours' groups with
// the statements PostgresStore sends per group (BEGIN; the highest rows locked FOR UPDATE; one
// multi-row INSERT of the events; one multi-row upsert of the highest; COMMIT), each one
// PQexecParams round trip, parameters in the same formats (text, bytea binary).
#include <algorithm>
#include <chrono>
#include <vector>

#include <fmt/format.h>

#include <orrery/persistence/postgres_store.hpp>

#include "bench_env.hpp"
#include "measure.hpp"
#include "persist_workloads.hpp"
#include "postgres_fixture.hpp"

namespace orrery::bench::raw_libpq {

namespace {

struct Entity {
  std::string id;
  std::string writer;
  std::int64_t sequence_nr = 0;
};

/// Parameters as PostgresStore's Params holds them.
struct Params {
  std::vector<std::string> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  void text(std::string value) {
    values.push_back(std::move(value));
    lengths.push_back(0);
    formats.push_back(0);
  }
  void integer(std::int64_t value) { text(std::to_string(value)); }
  void bytes(const std::string& value) {
    values.push_back(value);
    lengths.push_back(static_cast<int>(value.size()));
    formats.push_back(1);
  }
};

PGresult* exec(PGconn* c, const std::string& sql, const Params& params) {
  std::vector<const char*> pointers;
  pointers.reserve(params.values.size());
  for (const std::string& value : params.values)
    pointers.push_back(value.data());
  PGresult* result = PQexecParams(c, sql.c_str(), static_cast<int>(params.values.size()), nullptr,
                                  pointers.data(), params.lengths.data(), params.formats.data(), 0);
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const std::string message = fmt::format("libpq peer: {}", PQresultErrorMessage(result));
    ORRERY_UNREACHABLE(message.c_str());
  }
  return result;
}

void run(PGconn* c, const std::string& sql, const Params& params = {}) {
  PQclear(exec(c, sql, params));
}

std::string text_array_literal(const std::vector<std::string>& elements) {
  std::string out = "{";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    out += elements[i];  // entity ids hold no '"' or '\\'
    out.push_back('"');
  }
  return out + "}";
}

std::string writer_of(const JournalRecord& record, std::uint32_t index) {
  std::string writer = record.writer;
  const std::string first = entity_id(0);
  const std::size_t at = writer.find(first);
  ORRERY_ASSERT(at != std::string::npos, "ours' writer names its entity");
  return writer.replace(at, first.size(), entity_id(index));
}

struct Sql {
  explicit Sql(const std::string& s)
      : lock_highest(
            fmt::format("SELECT persistence_id, sequence_nr FROM {}.highest WHERE "
                        "persistence_id = ANY($1::text[]) ORDER BY persistence_id FOR UPDATE",
                        s)),
        insert_events(fmt::format("INSERT INTO {}.events (persistence_id, sequence_nr, manifest, "
                                  "version, payload, tags, timestamp_ms, writer) VALUES ",
                                  s)),
        upsert_head(
            fmt::format("INSERT INTO {}.highest (persistence_id, sequence_nr) VALUES ", s)) {}
  std::string lock_highest, insert_events, upsert_head;
  std::string upsert_tail =
      " ON CONFLICT (persistence_id) DO UPDATE SET sequence_nr = EXCLUDED.sequence_nr";
};

constexpr std::size_t rows_per_statement = 1000;  // PostgresStore's chunk

void commit_group(PGconn* c, const Sql& sql, const JournalRecord& record,
                  std::vector<Entity*>& group) {
  run(c, "BEGIN");
  std::vector<std::string> ids;
  for (const Entity* e : group)
    ids.push_back(e->id);
  std::sort(ids.begin(), ids.end());
  Params lock;
  lock.text(text_array_literal(ids));
  PGresult* locked = exec(c, sql.lock_highest, lock);
  // The check ours makes: each write follows the highest stored.
  ORRERY_ASSERT(PQntuples(locked) <= static_cast<int>(group.size()), "one highest row per id");
  PQclear(locked);
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  for (std::size_t first = 0; first < group.size(); first += rows_per_statement) {
    const std::size_t last = std::min(group.size(), first + rows_per_statement);
    std::string statement = sql.insert_events;
    Params params;
    for (std::size_t i = first; i < last; ++i) {
      Entity& e = *group[i];
      const std::size_t base = (i - first) * 8;
      statement +=
          fmt::format("{}(${},${},${},${},${},${},${},${})", i == first ? "" : ",", base + 1,
                      base + 2, base + 3, base + 4, base + 5, base + 6, base + 7, base + 8);
      params.text(e.id);
      params.integer(e.sequence_nr + 1);
      params.text(record.manifest);
      params.integer(record.version);
      params.bytes(record.payload);
      params.text("{}");
      params.integer(now_ms);
      params.text(e.writer);
    }
    run(c, statement, params);
  }
  // The upsert in id order, as PostgresStore's map gives it.
  std::sort(group.begin(), group.end(),
            [](const Entity* a, const Entity* b) { return a->id < b->id; });
  std::string statement = sql.upsert_head;
  Params params;
  for (std::size_t n = 0; n < group.size(); ++n) {
    Entity& e = *group[n];
    ++e.sequence_nr;
    statement += fmt::format("{}(${},${}::bigint)", n == 0 ? "" : ",", 2 * n + 1, 2 * n + 2);
    params.text(e.id);
    params.integer(e.sequence_nr);
  }
  run(c, statement + sql.upsert_tail, params);
  run(c, "COMMIT");
}

}  // namespace

PeerFigures journal_persist(const JournalSpec& spec, const JournalRecord& record) {
  ORRERY_ASSERT(!record.transactions_by_writes.empty(), "the peer replays ours' groups");
  const std::string schema = fresh_bench_schema("peer");
  {
    // The same tables: made by a PostgresStore, as ours' were, outside the span.
    BenchEnv bench_env(BenchEnvConfig{.workers = 1});
    auto store = persistence::PostgresStore::open(
        bench_env.env(),
        {.connection = bench_postgres_server().conninfo("postgres"), .schema = schema});
    ORRERY_ASSERT(store.ok() && (*store)->ready().get().ok(), "the peer's schema is created");
  }
  PGconn* c = connect_bench_postgres();
  const Sql sql(schema);
  std::vector<Entity> entities(spec.actors);
  for (std::uint32_t i = 0; i < spec.actors; ++i)
    entities[i] = Entity{entity_id(i), writer_of(record, i), 0};
  std::uint32_t next = 0;
  std::uint64_t written = 0;
  std::vector<Entity*> group;
  const double cpu_before = process_cpu_seconds();
  const Stopwatch stopwatch;
  for (const auto& [size, transactions] : record.transactions_by_writes) {
    ORRERY_ASSERT(size <= spec.actors, "a group holds one write per entity at most");
    for (std::uint64_t t = 0; t < transactions; ++t) {
      group.clear();
      for (std::uint64_t w = 0; w < size; ++w) {
        group.push_back(&entities[next]);
        next = next + 1 == spec.actors ? 0 : next + 1;
      }
      commit_group(c, sql, record, group);
      written += size;
    }
  }
  const double seconds = stopwatch.elapsed_s();
  const double cpu_seconds = process_cpu_seconds() - cpu_before;
  const std::uint64_t events = std::uint64_t{spec.actors} * spec.events_per_actor;
  ORRERY_ASSERT(written == events, "the peer wrote as many events as ours");
  PGresult* count = exec(c, fmt::format("SELECT count(*) FROM {}.events", schema), {});
  ORRERY_ASSERT(std::stoull(PQgetvalue(count, 0, 0)) == events,
                "the peer's schema holds every event");
  PQclear(count);
  PQfinish(c);
  return PeerFigures{static_cast<double>(events) / seconds,
                     cpu_seconds * 1e6 / static_cast<double>(events)};
}

}  // namespace orrery::bench::raw_libpq
