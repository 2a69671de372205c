#pragma once
// StoreCore: the SQLite store's state and work, shared by the SqliteStore and the tasks it posts
// to its worker (a task keeps the core alive, never the store). Everything but the write queue
// and the counters is touched only from the worker's tasks, one at a time.

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <orrery/actor/future.hpp>
#include <orrery/core/unique_function.hpp>
#include <orrery/persistence/sqlite/database.hpp>
#include <orrery/persistence/sqlite/env_vfs.hpp>
#include <orrery/persistence/sqlite_store.hpp>

namespace orrery::persistence::sqlite {

/// "ORRY": the application_id of an Orrery store's file.
inline constexpr std::int32_t store_application_id = 0x4f525259;
/// The schema this build writes and reads (user_version).
inline constexpr std::int32_t store_schema_version = 1;

class StoreCore {
 public:
  StoreCore(Env& env, SqliteStoreOptions options);
  ~StoreCore();

  /// Opens the VFS and the database, creating the schema in a new file.
  Status open();
  /// Closes the database (statements first); the VFS stays registered.
  void close() noexcept;
  /// Closes the database and unregisters the VFS, so that the name is free for the next store
  /// at once, even while a finished task still holds the core. After the worker is closed.
  void shutdown() noexcept;
  /// Ok, or why the store refuses work (failed, or not open).
  Status usable() const;
  /// Whether the call numbered `call` may run now. After an I/O error failed the store, the
  /// calls made before the failure fail with it (what they saw or wrote was not durable), and
  /// the first call made after it reopens the database, once (options().reopen_on_failure): a
  /// reopen that fails is the call's error and fails the calls made before it too, so each call
  /// costs at most one reopen attempt and a dead disk never spins.
  Status admit(std::uint64_t call);

  // ---- the write queue (thread-safe) ----
  struct QueuedWrite {
    std::uint64_t call;
    AtomicWrite write;
    Promise<Done> promise;
  };
  /// Numbers a call; a write is queued under its number.
  std::uint64_t number_call();
  std::uint64_t queue_write(AtomicWrite write, Promise<Done> promise);
  /// The writes to commit for the call numbered `call`: the oldest queued writes made one after
  /// another with no other call between them (at most batch_writes_max); empty when `call` was
  /// already committed with an earlier one.
  std::vector<QueuedWrite> take_batch(std::uint64_t call);
  /// Removes the write numbered `call`, if still queued (its task was dropped).
  std::optional<QueuedWrite> take_write(std::uint64_t call);

  // ---- work (on the worker) ----
  /// Fails the batch's writes made before a failure, admits the rest (which may reopen the
  /// database) and commits them.
  void run_batch(std::vector<QueuedWrite> batch);
  /// Commits the batch in one transaction and completes its promises.
  void commit_batch(std::vector<QueuedWrite> batch);
  Result<std::vector<PersistentEvent>> replay(const std::string& id, SequenceNr from, SequenceNr to,
                                              std::uint64_t max);
  Result<SequenceNr> highest_sequence_nr(const std::string& id);
  Result<Done> delete_up_to(const std::string& id, SequenceNr to);
  Result<std::vector<EventEnvelope>> events_by_tag(const std::string& tag, Offset after,
                                                   std::uint64_t max);
  Result<std::vector<EventEnvelope>> events_by_persistence_id(const std::string& id,
                                                              SequenceNr from, SequenceNr to,
                                                              std::uint64_t max);
  Result<std::vector<std::string>> persistence_ids(const std::string& after, std::uint64_t max);
  Result<Offset> latest_offset();
  Result<Done> save_snapshot(const Snapshot& snapshot);
  Result<std::optional<Snapshot>> load_snapshot(const std::string& id, SnapshotCriteria criteria);
  Result<Done> remove_snapshots(const std::string& id, SnapshotCriteria criteria);
  Result<std::optional<DurableState>> get_state(const std::string& id);
  Result<Done> upsert_state(const DurableState& state);
  Result<Done> remove_state(const std::string& id, Revision revision);
  Result<Done> reopen();
  Result<std::optional<Offset>> load_offset(const std::string& projection);
  Result<Done> save_offset(const std::string& projection, Offset offset);
  Result<Done> commit_projection(const std::string& projection, Offset offset,
                                 UniqueFunction<Status(Database&)>& writes);

  /// Enters the failed state when `error` is an I/O failure (of any call: a read that met a file
  /// poisoned by a failed sync fails until the database is reopened); returns it.
  Error note_failure(Error error);

  SqliteStore::Stats stats() const;
  bool failed() const noexcept { return failed_flag_.load(std::memory_order_acquire); }
  const SqliteStoreOptions& options() const noexcept { return options_; }

 private:
  /// The cached statement for `sql`, reset and unbound.
  Result<Statement*> statement(std::string_view sql);
  /// Runs `sql` (no rows, no parameters) as a cached statement: a group commit runs a savepoint
  /// and its release per write, and parsing them each time cost more than running them.
  Status run_cached(std::string_view sql);
  Status create_schema();
  /// Runs `body` in one write transaction (BEGIN IMMEDIATE ... COMMIT); an I/O error fails the
  /// store.
  template <class F>
  Result<Done> in_transaction(F body);
  /// Enters the failed state with `error` (again, after a failed reopen): the calls numbered so
  /// far fail with it.
  void enter_failed(Error error);
  /// Closes the database and opens it again; counted, and the failed state again if it fails.
  Status recover();
  /// The number of the newest call made so far.
  std::uint64_t newest_call() const;
  /// Rolls back after a failed write, if a transaction is still open.
  void roll_back() noexcept;
  /// Checks and inserts one write inside the batch's transaction; an error of code refused
  /// means this write alone is refused.
  Status insert_write(const AtomicWrite& write);
  Status check_write(const AtomicWrite& write, SequenceNr highest) const;
  Result<SequenceNr> stored_highest(const std::string& id);
  Result<EventEnvelope> read_envelope(Statement& rows) const;
  /// Envelopes from a statement over events' columns (ordering first), with gap checks.
  Result<std::vector<EventEnvelope>> collect(Statement& rows, const std::string* id,
                                             SequenceNr from);

  Env& env_;
  SqliteStoreOptions options_;
  std::unique_ptr<EnvVfs> vfs_;
  std::unique_ptr<Database> database_;
  std::map<std::string, Statement, std::less<>> statements_;
  std::optional<Error> failure_;
  // With failure_: the calls numbered up to this one were made before the failure.
  std::uint64_t failed_through_call_ = 0;
  std::atomic<bool> failed_flag_{false};

  mutable std::mutex queue_mutex_;
  std::deque<QueuedWrite> queue_;
  std::uint64_t next_call_ = 1;

  struct Counters {
    std::atomic<std::uint64_t> transactions{0};
    std::atomic<std::uint64_t> writes{0};
    std::atomic<std::uint64_t> events{0};
    std::atomic<std::uint64_t> writes_refused{0};
    std::atomic<std::uint64_t> batches_failed{0};
    std::atomic<std::uint64_t> batch_writes_largest{0};
    std::atomic<std::uint64_t> reopens{0};
    std::atomic<std::uint64_t> reopens_failed{0};
    mutable std::mutex sizes_mutex;  // one lock per transaction, beside an fsync
    std::map<std::uint64_t, std::uint64_t> transactions_by_writes;
  } counters_;
};

template <class F>
inline Result<Done> StoreCore::in_transaction(F body) {
  if (Status ready = usable(); !ready.ok()) return ready.error();
  Status status = database_->exec("BEGIN IMMEDIATE");
  if (status.ok()) status = body();
  if (status.ok()) status = database_->exec("COMMIT");
  if (!status.ok()) {
    roll_back();
    return note_failure(status.error());
  }
  return Done{};
}

}  // namespace orrery::persistence::sqlite
