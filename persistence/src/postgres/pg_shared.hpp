#pragma once
// What the PostgreSQL store's tasks share: the options, the session, and the queue of calls in
// the order they were made. One drain task at a time takes the queue and runs it on the store
// worker: consecutive writes become one transaction (group commit), anything else runs alone, so
// calls still complete in the order they were made.

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <orrery/core/unique_function.hpp>
#include <orrery/persistence/postgres_store.hpp>

#include "pg_session.hpp"

namespace orrery::persistence::postgres {

struct PendingWrite {
  AtomicWrite write;
  Promise<Done> promise;
};

struct Shared;

/// One call: a write (grouped with its neighbours) or other work. Work runs with the shared
/// state, or with null when the store is closed (it must then fail its promise).
struct Op {
  std::optional<PendingWrite> write;
  UniqueFunction<void(Shared*)> work;
};

/// The statements, with the schema's name in them.
struct Statements {
  explicit Statements(const std::string& schema);
  std::string lock_highest;
  std::string insert_events;  // the head; rows are appended
  std::string upsert_highest_head;
  std::string upsert_highest_tail;
  std::string replay;
  std::string events_by_id;
  std::string events_by_tag;
  std::string highest;
  std::string delete_events;
  std::string persistence_ids;
  std::string latest_offset;
  std::string save_snapshot;
  std::string load_snapshot;
  std::string remove_snapshots;
  std::string get_state;
  std::string lock_state;
  std::string upsert_state;
};

struct Shared {
  Shared(PostgresStoreOptions options, LogSink& log);

  const PostgresStoreOptions options;
  const Status valid;  // of the options; every call fails with it when they are not
  const Statements sql;
  Session session;  // only the drain task touches it (one at a time, on the worker)

  std::mutex mutex;
  std::deque<Op> ops;          // under mutex
  PostgresStore::Stats stats;  // under mutex
  bool drain_posted = false;   // under mutex

  /// The drain task's body: runs (or fails, when !run) every op queued when it started.
  void drain(bool run);
};

/// Commits a run of consecutive writes (see pg_writes.cpp) and completes their promises.
void commit_writes(Shared& shared, std::vector<PendingWrite>& writes);

/// The bound on calls queued and not yet started; above it a call fails with Errc::overflow.
inline constexpr std::size_t queued_calls_max = 1 << 20;

}  // namespace orrery::persistence::postgres
