#pragma once
// SqliteStore: every store SPI (Journal, ReadJournal, SnapshotStore, DurableStateStore) in one
// SQLite database per node, reached through the node's Env (an EnvVfs): the real filesystem in
// production, the node's SimDisk in the simulator.
//
//   auto store = SqliteStore::open(env, {.path = "persistence.db", .owner =
//   "orders@10.0.0.1:2552"}); auto stores = Stores::of(*store);
//
// One writer connection, in WAL mode with exclusive locking, synchronous=FULL by default. All
// work runs on a StoreWorker (serial, on the node's executor), in the order calls were made.
// Group commit: writes made while a transaction runs are committed together in the next one (at
// most batch_writes_max of them), each still succeeding or failing whole; a refused write (its
// sequence numbers do not follow, an event above event_bytes_max) fails alone.
//
// Failure: an I/O error while writing fails every write of its transaction and puts the store in
// a failed state; so does an I/O error in a read (it may have met a file that a failed sync in a
// checkpoint poisoned). A sync that failed is never retried as if the writes before it were safe
// (fsyncgate): the database is closed and opened again, which recovers from what the disk really
// holds and rewrites it durably. Every call made before the failure fails (Errc::io_error); the
// first call made after it reopens the database by itself (reopen_on_failure), so that an entity
// restarted by its supervisor recovers from what is durable without anyone calling reopen(). A
// reopen that fails is that call's error and fails the calls made before it; the next call tries
// once more: one attempt per call at most, counted in stats().
//
// Offsets for events_by_tag are the events' row ids (AUTOINCREMENT: increasing in commit order,
// never reused). Queries see committed transactions only; with synchronous=FULL that is durable.
//
// Exactly-once projections write their read side into the same database, in the transaction
// that stores their offset (commit()).
//
// The file carries application_id "ORRY" and its schema version in user_version; a foreign,
// corrupt, or newer file is refused when opening, unchanged.

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <orrery/core/result.hpp>
#include <orrery/env/env.hpp>
#include <orrery/persistence/detail/store_worker.hpp>
#include <orrery/persistence/durable_state_store.hpp>
#include <orrery/persistence/journal.hpp>
#include <orrery/persistence/projection_store.hpp>
#include <orrery/persistence/read_journal.hpp>
#include <orrery/persistence/snapshot_store.hpp>
#include <orrery/persistence/sqlite/database.hpp>

namespace orrery::persistence {

namespace sqlite {
class StoreCore;
}

struct SqliteStoreOptions {
  /// The database file, a Storage path (relative to the node's storage root).
  std::string path = "persistence.db";
  /// Who owns the database, unique in the process: with `path` it names the store's SQLite VFS
  /// (the actor system's name and address, say).
  std::string owner = "orrery";
  /// FULL: a write completes once durable. NORMAL: faster, a crash may lose the newest writes.
  sqlite::Synchronous synchronous = sqlite::Synchronous::full;
  /// A write with an event (or a snapshot or state) above this many payload bytes is refused.
  std::uint64_t event_bytes_max = 1 << 20;
  /// Writes committed in one transaction at most (group commit's bound).
  std::uint32_t batch_writes_max = 256;
  /// WAL pages after which a commit checkpoints the WAL into the database file.
  std::int32_t wal_autocheckpoint_pages = 1000;
  /// After an I/O error, the first call made after it reopens the database (true); false keeps
  /// the store failed until reopen() is called.
  bool reopen_on_failure = true;
};

class SqliteStore final : public Journal,
                          public ReadJournal,
                          public SnapshotStore,
                          public DurableStateStore,
                          public TransactionalOffsetStore<sqlite::Database> {
 public:
  /// Opens (or creates) the database now, on the caller's thread: a foreign, corrupt or newer
  /// file, or an I/O error, is an error naming the file.
  static Result<std::shared_ptr<SqliteStore>> open(Env& env, SqliteStoreOptions options = {});
  /// Fails the calls not yet run (Errc::closed) and closes the database.
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Future<Done> write(AtomicWrite write) override;
  Future<std::vector<PersistentEvent>> replay(std::string persistence_id, SequenceNr from,
                                              SequenceNr to, std::uint64_t max) override;
  Future<SequenceNr> highest_sequence_nr(std::string persistence_id, SequenceNr from) override;
  Future<Done> delete_up_to(std::string persistence_id, SequenceNr to) override;

  Future<std::vector<EventEnvelope>> events_by_tag(std::string tag, Offset after,
                                                   std::uint64_t max) override;
  Future<std::vector<EventEnvelope>> events_by_persistence_id(std::string persistence_id,
                                                              SequenceNr from, SequenceNr to,
                                                              std::uint64_t max) override;
  Future<std::vector<std::string>> persistence_ids(std::string after, std::uint64_t max) override;
  Future<Offset> latest_offset() override;

  Future<Done> save(Snapshot snapshot) override;
  Future<std::optional<Snapshot>> load(std::string persistence_id,
                                       SnapshotCriteria criteria) override;
  Future<Done> remove(std::string persistence_id, SnapshotCriteria criteria) override;

  Future<std::optional<DurableState>> get(std::string persistence_id) override;
  Future<Done> upsert(DurableState state) override;
  Future<Done> remove(std::string persistence_id, Revision revision) override;

  Future<std::optional<Offset>> load_offset(std::string projection) override;
  Future<Done> save_offset(std::string projection, Offset offset) override;
  /// Runs `writes` on the store's own connection inside a transaction that then stores the
  /// offset and commits: both or neither. An error from `writes` (or an exception) rolls it
  /// back; it fails the store only if SQLite met an I/O error meanwhile. `writes` must not end
  /// the transaction itself, and keeps no Statement beyond its return.
  Future<Done> commit(std::string projection, Offset offset,
                      UniqueFunction<Status(sqlite::Database&)> writes) override;

  /// Closes the database and opens it again, failed or not (with reopen_on_failure the next call
  /// after a failure does this by itself).
  Future<Done> reopen();

  struct Stats {
    std::uint64_t transactions = 0;    // write transactions committed (group commits)
    std::uint64_t writes = 0;          // AtomicWrites committed
    std::uint64_t events = 0;          // events committed
    std::uint64_t writes_refused = 0;  // AtomicWrites refused alone
    std::uint64_t batches_failed = 0;  // transactions an I/O error failed
    std::uint64_t batch_writes_largest = 0;
    std::uint64_t reopens = 0;         // reopens that succeeded (after a failure, or reopen())
    std::uint64_t reopens_failed = 0;  // reopens that failed (the store stayed failed)
    /// Group-commit sizes: AtomicWrites in a committed transaction -> how many transactions had
    /// that many (benchmarks replay them; at most batch_writes_max keys).
    std::map<std::uint64_t, std::uint64_t> transactions_by_writes;
  };
  /// Counters so far (thread-safe).
  Stats stats() const;
  /// Whether an I/O error put the store in the failed state (until the next reopen).
  bool failed() const noexcept;
  const SqliteStoreOptions& options() const noexcept { return options_; }

 private:
  SqliteStore(Env& env, SqliteStoreOptions options, std::shared_ptr<sqlite::StoreCore> core);
  template <class T, class F>
  Future<T> submit(F work);

  Env& env_;
  SqliteStoreOptions options_;
  std::shared_ptr<sqlite::StoreCore> core_;
  detail::StoreWorker worker_;
};

}  // namespace orrery::persistence
