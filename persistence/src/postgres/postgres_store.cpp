// PostgresStore: the SPI's calls as ops on the shared queue (see pg_shared.hpp); reads, snapshots
// and durable state as single statements, or short transactions where a check comes first.

#include <fmt/format.h>

#include <orrery/core/assert.hpp>
#include <orrery/persistence/postgres_store.hpp>

#include "pg_array.hpp"
#include "pg_shared.hpp"
#include "pg_submit.hpp"

namespace orrery::persistence {

using postgres::blocking_of;
using postgres::closed_error;
using postgres::Op;
using postgres::Params;
using postgres::PgConnection;
using postgres::PgResult;
using postgres::Shared;
using postgres::Statements;

namespace {

bool plain_identifier(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  if (name[0] >= '0' && name[0] <= '9') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// LIMIT takes a bigint: "as many as there are" is the largest one.
std::int64_t limit_of(std::uint64_t max) {
  return max > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(max);
}

// An event row: the event columns of Statements (sequence_nr ... writer) from column 0.
Result<PersistentEvent> event_of(const PgResult& r, int row, std::string persistence_id) {
  PersistentEvent e;
  e.persistence_id = std::move(persistence_id);
  e.sequence_nr = r.integer(row, 0);
  e.manifest = r.text(row, 1);
  e.version = static_cast<std::uint32_t>(r.integer(row, 2));
  e.payload = r.bytes(row, 3);
  auto tags = postgres::parse_text_array(r.text(row, 4));
  if (!tags)
    return make_error(Errc::corrupt, fmt::format("'{}' event {}: unreadable tags {}",
                                                 e.persistence_id, e.sequence_nr, r.text(row, 4)));
  e.tags = std::move(*tags);
  e.timestamp_ms = r.integer(row, 5);
  e.writer = r.text(row, 6);
  return e;
}

}  // namespace

namespace postgres {

Shared::Shared(PostgresStoreOptions options_in, LogSink& log)
    : options(std::move(options_in)),
      valid(validate(options)),
      sql(options.schema),
      session(options.connection, options.schema, log) {
}

void Shared::drain(bool run) {
  std::deque<Op> batch;
  {
    std::lock_guard lock(mutex);
    batch.swap(ops);
    drain_posted = false;
  }
  std::vector<PendingWrite> writes;
  auto flush = [&] {
    if (writes.empty()) return;
    if (run) {
      commit_writes(*this, writes);
    } else {
      for (PendingWrite& w : writes)
        w.promise.fail(closed_error());
    }
    writes.clear();
  };
  for (Op& op : batch) {
    if (op.write) {
      writes.push_back(std::move(*op.write));
      if (writes.size() >= options.group_writes_max) flush();
      continue;
    }
    flush();
    op.work(run ? this : nullptr);
  }
  flush();
}

}  // namespace postgres

Status validate(const PostgresStoreOptions& options) {
  if (!plain_identifier(options.schema))
    return make_error(
        Errc::invalid_argument,
        fmt::format("PostgresStoreOptions.schema '{}': use lower-case letters, digits "
                    "and '_' (not first a digit), at most 63",
                    options.schema));
  if (options.group_writes_max == 0)
    return make_error(Errc::invalid_argument, "PostgresStoreOptions.group_writes_max must be > 0");
  if (options.event_bytes_max == 0 || options.event_bytes_max > (1U << 30))
    return make_error(Errc::invalid_argument,
                      "PostgresStoreOptions.event_bytes_max must be in 1 .. 1 GiB (bytea's limit)");
  return postgres::check_conninfo(options.connection);
}

Result<std::shared_ptr<PostgresStore>> PostgresStore::open(Env& env, PostgresStoreOptions options) {
  if (auto valid = validate(options); !valid) return valid.error();
  return std::make_shared<PostgresStore>(env, std::move(options));
}

PostgresStore::PostgresStore(Env& env, PostgresStoreOptions options)
    : env_(env),
      shared_(std::make_shared<Shared>(std::move(options), env.log)),
      worker_(env.executor, 0x706f737467726553ULL /* "postgreS" */) {
}

PostgresStore::~PostgresStore() {
  worker_.close();
}

const PostgresStoreOptions& PostgresStore::options() const {
  return shared_->options;
}

PostgresStore::Stats PostgresStore::stats() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->stats;
}

void PostgresStore::enqueue(Op op) {
  bool post = false;
  {
    std::lock_guard lock(shared_->mutex);
    if (shared_->ops.size() < postgres::queued_calls_max) {
      shared_->ops.push_back(std::move(op));
      post = !shared_->drain_posted;
      shared_->drain_posted = true;
      op = Op{};
    }
  }
  if (op.write) {
    op.write->promise.fail(make_error(Errc::overflow, "the PostgreSQL store's queue is full"));
  } else if (op.work) {
    op.work(nullptr);  // over the bound: fails like a closed store
  }
  if (post) worker_.post([shared = shared_](bool run) { shared->drain(run); });
}

Future<Done> PostgresStore::ready() {
  return submit<Done>([](PgConnection&, const Statements&) { return Result<Done>(Done{}); });
}

Future<Done> PostgresStore::write(AtomicWrite write) {
  Promise<Done> promise(blocking_of(env_));
  Future<Done> future = promise.future();
  Op op;
  op.write.emplace(postgres::PendingWrite{std::move(write), std::move(promise)});
  enqueue(std::move(op));
  return future;
}

Future<std::vector<PersistentEvent>> PostgresStore::replay(std::string persistence_id,
                                                           SequenceNr from, SequenceNr to,
                                                           std::uint64_t max) {
  using Events = std::vector<PersistentEvent>;
  return submit<Events>([id = std::move(persistence_id), from, to, max](
                            PgConnection& c, const Statements& sql) -> Result<Events> {
    auto found =
        c.exec(sql.replay, Params().text(id).integer(from).integer(to).integer(limit_of(max)));
    if (!found) return found.error();
    Events events;
    for (int row = 0; row < found.value().rows(); ++row) {
      auto event = event_of(found.value(), row, id);
      if (!event) return event.error();
      events.push_back(std::move(event.value()));
    }
    return events;
  });
}

Future<SequenceNr> PostgresStore::highest_sequence_nr(std::string persistence_id, SequenceNr) {
  return submit<SequenceNr>([id = std::move(persistence_id)](
                                PgConnection& c, const Statements& sql) -> Result<SequenceNr> {
    auto found = c.exec(sql.highest, Params().text(id));
    if (!found) return found.error();
    return found.value().rows() == 0 ? SequenceNr{0} : found.value().integer(0, 0);
  });
}

Future<Done> PostgresStore::delete_up_to(std::string persistence_id, SequenceNr to) {
  return submit<Done>(
      [id = std::move(persistence_id), to](PgConnection& c, const Statements& sql) -> Result<Done> {
        if (auto deleted = c.run(sql.delete_events, Params().text(id).integer(to)); !deleted)
          return deleted.error();
        return Done{};
      });
}

Future<std::vector<EventEnvelope>> PostgresStore::events_by_tag(std::string tag, Offset after,
                                                                std::uint64_t max) {
  using Envelopes = std::vector<EventEnvelope>;
  return submit<Envelopes>([tag = std::move(tag), after, max](
                               PgConnection& c, const Statements& sql) -> Result<Envelopes> {
    auto found =
        c.exec(sql.events_by_tag, Params().text(tag).integer(after).integer(limit_of(max)));
    if (!found) return found.error();
    Envelopes out;
    for (int row = 0; row < found.value().rows(); ++row) {
      auto event = event_of(found.value(), row, found.value().text(row, 8));
      if (!event) return event.error();
      out.push_back(EventEnvelope{found.value().integer(row, 7), std::move(event.value())});
    }
    return out;
  });
}

Future<std::vector<EventEnvelope>> PostgresStore::events_by_persistence_id(
    std::string persistence_id, SequenceNr from, SequenceNr to, std::uint64_t max) {
  using Envelopes = std::vector<EventEnvelope>;
  return submit<Envelopes>([id = std::move(persistence_id), from, to, max](
                               PgConnection& c, const Statements& sql) -> Result<Envelopes> {
    auto found = c.exec(sql.events_by_id,
                        Params().text(id).integer(from).integer(to).integer(limit_of(max)));
    if (!found) return found.error();
    Envelopes out;
    for (int row = 0; row < found.value().rows(); ++row) {
      auto event = event_of(found.value(), row, id);
      if (!event) return event.error();
      out.push_back(EventEnvelope{found.value().integer(row, 7), std::move(event.value())});
    }
    return out;
  });
}

Future<std::vector<std::string>> PostgresStore::persistence_ids(std::string after,
                                                                std::uint64_t max) {
  using Ids = std::vector<std::string>;
  return submit<Ids>(
      [after = std::move(after), max](PgConnection& c, const Statements& sql) -> Result<Ids> {
        auto found = c.exec(sql.persistence_ids, Params().text(after).integer(limit_of(max)));
        if (!found) return found.error();
        Ids out;
        for (int row = 0; row < found.value().rows(); ++row)
          out.push_back(found.value().text(row, 0));
        return out;
      });
}

Future<Offset> PostgresStore::latest_offset() {
  return submit<Offset>([](PgConnection& c, const Statements& sql) -> Result<Offset> {
    auto found = c.exec(sql.latest_offset);
    if (!found) return found.error();
    return found.value().integer(0, 0);
  });
}

}  // namespace orrery::persistence
