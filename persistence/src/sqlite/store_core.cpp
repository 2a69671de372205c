// StoreCore: opening the store's database (schema, version), its statement cache, the failed
// state, and the queue that groups writes into transactions.
#include "store_core.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

namespace orrery::persistence::sqlite {

namespace {

// Offsets are the events' row ids: AUTOINCREMENT keeps them increasing and never reused, even
// after the newest events are deleted. Tags are kept twice: beside the event for replays (in
// order, encoded), and in event_tags for queries by tag.
constexpr const char* schema_sql = R"sql(
CREATE TABLE events(
  ordering INTEGER PRIMARY KEY AUTOINCREMENT,
  persistence_id TEXT NOT NULL,
  sequence_nr INTEGER NOT NULL,
  manifest TEXT NOT NULL,
  version INTEGER NOT NULL,
  payload BLOB NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  writer TEXT NOT NULL,
  tags BLOB NOT NULL,
  UNIQUE(persistence_id, sequence_nr));
CREATE TABLE event_tags(
  tag TEXT NOT NULL,
  ordering INTEGER NOT NULL,
  PRIMARY KEY(tag, ordering)) WITHOUT ROWID;
CREATE TABLE highest(
  persistence_id TEXT PRIMARY KEY,
  sequence_nr INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE snapshots(
  persistence_id TEXT NOT NULL,
  sequence_nr INTEGER NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  manifest TEXT NOT NULL,
  version INTEGER NOT NULL,
  payload BLOB NOT NULL,
  PRIMARY KEY(persistence_id, sequence_nr));
CREATE TABLE projection_offsets(
  projection TEXT PRIMARY KEY,
  stored_offset INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE durable_state(
  persistence_id TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  manifest TEXT NOT NULL,
  version INTEGER NOT NULL,
  payload BLOB NOT NULL,
  tag TEXT NOT NULL,
  deleted INTEGER NOT NULL);
)sql";

}  // namespace

StoreCore::StoreCore(Env& env, SqliteStoreOptions options)
    : env_(env), options_(std::move(options)) {
  ORRERY_ASSERT(options_.batch_writes_max > 0, "a group commit needs room for one write");
}

StoreCore::~StoreCore() {
  close();
  ORRERY_ASSERT(queue_.empty(), "a write outlived every task that could complete it");
}

Status StoreCore::open() {
  if (!vfs_) {
    auto vfs = EnvVfs::create(EnvVfs::vfs_name(options_.owner, options_.path), VfsEnv::from(env_));
    if (!vfs.ok()) return vfs.error();
    vfs_ = std::move(*vfs);
  }
  const DatabaseOptions database_options{
      .synchronous = options_.synchronous,
      .application_id = store_application_id,
      .schema_version = store_schema_version,
      .wal_autocheckpoint_pages = options_.wal_autocheckpoint_pages,
  };
  auto database = Database::open(*vfs_, options_.path, database_options);
  if (!database.ok()) return database.error();
  database_ = std::move(*database);
  if (database_->stored_schema_version() == 0) {
    if (Status created = create_schema(); !created.ok()) {
      close();
      return created;
    }
  }
  failure_.reset();
  failed_flag_.store(false, std::memory_order_release);
  return {};
}

Status StoreCore::create_schema() {
  Status status = database_->exec("BEGIN IMMEDIATE");
  if (status.ok()) status = database_->write_schema_version(store_schema_version);
  if (status.ok()) status = database_->exec(schema_sql);
  if (status.ok()) status = database_->exec("COMMIT");
  if (!status.ok()) roll_back();
  return status;
}

void StoreCore::close() noexcept {
  statements_.clear();
  database_.reset();
}

void StoreCore::shutdown() noexcept {
  close();
  vfs_.reset();
}

Status StoreCore::usable() const {
  if (failure_) {
    return make_error(Errc::io_error,
                      fmt::format("SQLite store '{}' failed ({}): calls made before the failure "
                                  "fail, a later one reopens it",
                                  options_.path, failure_->message));
  }
  if (!database_) {
    return make_error(Errc::closed, fmt::format("SQLite store '{}' is not open", options_.path));
  }
  return {};
}

Status StoreCore::admit(std::uint64_t call) {
  ORRERY_ASSERT(call > 0, "calls are numbered from 1");
  if (!failure_) return usable();
  if (call <= failed_through_call_ || !options_.reopen_on_failure) return usable();
  return recover();
}

Result<Done> StoreCore::reopen() {
  if (Status reopened = recover(); !reopened.ok()) return reopened.error();
  return Done{};
}

Status StoreCore::recover() {
  close();
  Status opened = open();
  if (!opened.ok()) {
    counters_.reopens_failed.fetch_add(1, std::memory_order_relaxed);
    // Whatever the code (a file gone corrupt is not an I/O error), the store has no database
    // now: failed, so the calls made meanwhile fail and the next one tries again.
    enter_failed(opened.error());
    return opened;
  }
  ORRERY_ASSERT(!failure_, "an open database clears the failed state");
  counters_.reopens.fetch_add(1, std::memory_order_relaxed);
  if (env_.log.threshold() <= LogLevel::info) {
    env_.log.write(LogLevel::info, "sqlite-store", fmt::format("'{}' reopened", options_.path));
  }
  return {};
}

Error StoreCore::note_failure(Error error) {
  // Only an I/O failure fails the store: what a failed write left on the disk is unknown until
  // the database is reopened. A refusal, a corrupt row or a misuse concerns one call.
  if (error.code == Errc::io_error && !failure_) enter_failed(error);
  return error;
}

void StoreCore::enter_failed(Error error) {
  failure_ = error;
  failed_through_call_ = newest_call();
  failed_flag_.store(true, std::memory_order_release);
  if (env_.log.threshold() <= LogLevel::error) {
    env_.log.write(LogLevel::error, "sqlite-store",
                   fmt::format("'{}' failed, failing the calls made so far: {}", options_.path,
                               error.message));
  }
}

std::uint64_t StoreCore::newest_call() const {
  std::lock_guard lock(queue_mutex_);
  return next_call_ - 1;
}

void StoreCore::roll_back() noexcept {
  if (database_ && sqlite3_get_autocommit(database_->handle()) == 0) {
    static_cast<void>(database_->exec("ROLLBACK"));
  }
}

Result<Statement*> StoreCore::statement(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found == statements_.end()) {
    auto prepared = database_->prepare(sql);
    if (!prepared.ok()) return prepared.error();
    found = statements_.emplace(std::string(sql), std::move(*prepared)).first;
  }
  found->second.reset();
  return &found->second;
}

Status StoreCore::run_cached(std::string_view sql) {
  auto cached = statement(sql);
  if (!cached.ok()) return cached.error();
  return (*cached)->run();
}

std::uint64_t StoreCore::number_call() {
  std::lock_guard lock(queue_mutex_);
  return next_call_++;
}

std::uint64_t StoreCore::queue_write(AtomicWrite write, Promise<Done> promise) {
  std::lock_guard lock(queue_mutex_);
  const std::uint64_t call = next_call_++;
  queue_.push_back(QueuedWrite{call, std::move(write), std::move(promise)});
  return call;
}

std::vector<StoreCore::QueuedWrite> StoreCore::take_batch(std::uint64_t call) {
  std::lock_guard lock(queue_mutex_);
  std::vector<QueuedWrite> batch;
  // Tasks run in the order they were posted; the write of an earlier call may still be queued
  // only if its caller posted after us (two threads racing), and it goes first.
  if (queue_.empty() || queue_.front().call > call) return batch;
  while (!queue_.empty() && batch.size() < options_.batch_writes_max) {
    if (!batch.empty() && queue_.front().call != batch.back().call + 1) break;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

std::optional<StoreCore::QueuedWrite> StoreCore::take_write(std::uint64_t call) {
  std::lock_guard lock(queue_mutex_);
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->call != call) continue;
    QueuedWrite write = std::move(*it);
    queue_.erase(it);
    return write;
  }
  return std::nullopt;
}

SqliteStore::Stats StoreCore::stats() const {
  std::map<std::uint64_t, std::uint64_t> sizes;
  {
    std::lock_guard lock(counters_.sizes_mutex);
    sizes = counters_.transactions_by_writes;
  }
  return SqliteStore::Stats{
      .transactions = counters_.transactions.load(std::memory_order_relaxed),
      .writes = counters_.writes.load(std::memory_order_relaxed),
      .events = counters_.events.load(std::memory_order_relaxed),
      .writes_refused = counters_.writes_refused.load(std::memory_order_relaxed),
      .batches_failed = counters_.batches_failed.load(std::memory_order_relaxed),
      .batch_writes_largest = counters_.batch_writes_largest.load(std::memory_order_relaxed),
      .reopens = counters_.reopens.load(std::memory_order_relaxed),
      .reopens_failed = counters_.reopens_failed.load(std::memory_order_relaxed),
      .transactions_by_writes = std::move(sizes),
  };
}

}  // namespace orrery::persistence::sqlite
