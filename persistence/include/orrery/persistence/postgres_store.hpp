#pragma once
// PostgresStore: every store SPI (journal, queries, snapshots, durable state) in a PostgreSQL
// database through libpq, for deployments that outgrow one machine's SQLite file. Production
// only: libpq opens its own sockets, outside the node's Env, so it does not run in the simulator
// (the memory and SQLite stores do); the seam lint confines libpq to persistence/src/postgres/.
//
// All of its work runs on the store worker (one task at a time on the node's executor, never on
// an actor's turn), over one connection: libpq's blocking calls occupy one pool thread at a time.
// Consecutive writes are grouped into one transaction (group commit); each write is still checked
// on its own (size, sequence numbers that follow the highest stored), so a refused write fails
// alone, and if the database refuses the group (a unique key another process got to first) each
// write is retried in a transaction of its own.
//
// Offsets: events take their global offset from an identity column when inserted. An offset is
// only "in commit order" because one connection commits one transaction at a time: two processes
// writing to the same schema would commit interleaved offsets, and a live events_by_tag query
// could then skip an event whose offset was drawn before a later one's but committed after it.
// Give each writing node its own schema (options.schema) or accept that.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <orrery/core/result.hpp>
#include <orrery/env/env.hpp>
#include <orrery/persistence/detail/store_worker.hpp>
#include <orrery/persistence/durable_state_store.hpp>
#include <orrery/persistence/journal.hpp>
#include <orrery/persistence/read_journal.hpp>
#include <orrery/persistence/snapshot_store.hpp>

namespace orrery::persistence {

struct PostgresStoreOptions {
  /// A libpq connection string ("host=127.0.0.1 port=5432 dbname=orrery user=app") or URI
  /// ("postgresql://app@127.0.0.1/orrery"). Parsed when the store opens; connected on first use.
  std::string connection;
  /// The schema the store's tables live in (created if missing): lower-case letters, digits and
  /// '_', starting with a letter or '_', at most 63 characters.
  std::string schema = "orrery";
  /// A write with an event (or a state) above this many payload bytes is refused (Errc::refused).
  std::uint64_t event_bytes_max = 1 << 20;
  /// At most this many writes are committed in one transaction.
  std::uint64_t group_writes_max = 1000;
};

namespace postgres {
struct Shared;
struct Op;
}  // namespace postgres

/// The schema version this build writes; a database holding a newer one is refused.
inline constexpr int postgres_schema_version = 1;

class PostgresStore final : public Journal,
                            public ReadJournal,
                            public SnapshotStore,
                            public DurableStateStore {
 public:
  /// Checks the options (an error names the option) without connecting: the connection is made
  /// by the store's worker, on first use or by ready().
  static Result<std::shared_ptr<PostgresStore>> open(Env& env, PostgresStoreOptions options);
  /// As open(), for callers that checked the options: with invalid ones every call fails with
  /// the error open() gives.
  PostgresStore(Env& env, PostgresStoreOptions options);
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  /// Connects (if not yet connected) and checks or creates the schema: fails with io_error when
  /// the server cannot be reached and with unsupported when the database was written by a newer
  /// schema version. Every other call does the same first, so this only makes it explicit.
  Future<Done> ready();

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

  struct Stats {
    std::uint64_t transactions = 0;  // write transactions committed (group commits)
    std::uint64_t writes = 0;        // AtomicWrites committed
    /// Group-commit sizes: AtomicWrites in a committed transaction -> how many transactions had
    /// that many (benchmarks replay them; at most group_writes_max keys).
    std::map<std::uint64_t, std::uint64_t> transactions_by_writes;
  };
  /// Counters so far (thread-safe).
  Stats stats() const;

 private:
  template <class T, class F>
  Future<T> submit(F work);
  void enqueue(postgres::Op op);
  const PostgresStoreOptions& options() const;

  Env& env_;
  std::shared_ptr<postgres::Shared> shared_;
  detail::StoreWorker worker_;
};

/// The checks open() makes, for callers that build the options from configuration.
Status validate(const PostgresStoreOptions& options);

}  // namespace orrery::persistence
