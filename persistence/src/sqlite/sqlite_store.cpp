// SqliteStore: the SPI's calls as tasks on the store's worker, each numbered in call order;
// writes wait in the core's queue, so that the first of them to run commits every write made
// right after it in one transaction (group commit).
#include <fmt/format.h>

#include <orrery/persistence/sqlite_store.hpp>

#include "store_core.hpp"

namespace orrery::persistence {

namespace {

BlockingWait blocking_of(Env& env) {
  return env.executor.supports_blocking_wait() ? BlockingWait::allowed : BlockingWait::refused;
}

Error closed_error(const std::string& path) {
  return make_error(Errc::closed, fmt::format("SQLite store '{}' is closed", path));
}

// "sqliteST": names the worker's turns in the simulator's trace.
constexpr std::uint64_t worker_trace_id = 0x73716c6974655354ULL;

}  // namespace

Result<std::shared_ptr<SqliteStore>> SqliteStore::open(Env& env, SqliteStoreOptions options) {
  auto core = std::make_shared<sqlite::StoreCore>(env, options);
  if (Status opened = core->open(); !opened.ok()) return opened.error();
  return std::shared_ptr<SqliteStore>(new SqliteStore(env, std::move(options), std::move(core)));
}

SqliteStore::SqliteStore(Env& env, SqliteStoreOptions options,
                         std::shared_ptr<sqlite::StoreCore> core)
    : env_(env),
      options_(std::move(options)),
      core_(std::move(core)),
      worker_(env.executor, worker_trace_id) {
}

SqliteStore::~SqliteStore() {
  worker_.close();
  core_->shutdown();
}

namespace {

/// A read's I/O error fails the store as a write's does: SQLite may have met a file that a
/// failed sync poisoned (say in a checkpoint after a commit that succeeded), and every later
/// read would fail too, unseen, until the database is reopened.
template <class F>
auto reading(F work) {
  return [work = std::move(work)](sqlite::StoreCore& core) mutable {
    auto result = work(core);
    if (!result.ok()) static_cast<void>(core.note_failure(result.error()));
    return result;
  };
}

}  // namespace

template <class T, class F>
Future<T> SqliteStore::submit(F work) {
  Promise<T> promise(blocking_of(env_));
  Future<T> future = promise.future();
  // Numbered, so that a call between two writes keeps them out of one group, and so that the
  // core knows whether the call was made before or after a failure.
  const std::uint64_t call = core_->number_call();
  worker_.post(
      [promise = std::move(promise), core = core_, work = std::move(work), call](bool run) mutable {
        if (!run) {
          promise.fail(closed_error(core->options().path));
          return;
        }
        if (Status admitted = core->admit(call); !admitted.ok()) {
          promise.fail(admitted.error());
          return;
        }
        promise.try_complete(work(*core));
      });
  return future;
}

Future<Done> SqliteStore::write(AtomicWrite write) {
  Promise<Done> promise(blocking_of(env_));
  Future<Done> future = promise.future();
  const std::uint64_t call = core_->queue_write(std::move(write), std::move(promise));
  worker_.post([core = core_, call](bool run) {
    if (!run) {
      if (auto dropped = core->take_write(call)) {
        dropped->promise.fail(closed_error(core->options().path));
      }
      return;
    }
    auto batch = core->take_batch(call);
    if (!batch.empty()) core->run_batch(std::move(batch));
  });
  return future;
}

Future<std::vector<PersistentEvent>> SqliteStore::replay(std::string persistence_id,
                                                         SequenceNr from, SequenceNr to,
                                                         std::uint64_t max) {
  return submit<std::vector<PersistentEvent>>(
      reading([id = std::move(persistence_id), from, to, max](sqlite::StoreCore& core) {
        return core.replay(id, from, to, max);
      }));
}

Future<SequenceNr> SqliteStore::highest_sequence_nr(std::string persistence_id, SequenceNr) {
  return submit<SequenceNr>(reading([id = std::move(persistence_id)](sqlite::StoreCore& core) {
    return core.highest_sequence_nr(id);
  }));
}

Future<Done> SqliteStore::delete_up_to(std::string persistence_id, SequenceNr to) {
  return submit<Done>([id = std::move(persistence_id), to](sqlite::StoreCore& core) {
    return core.delete_up_to(id, to);
  });
}

Future<std::vector<EventEnvelope>> SqliteStore::events_by_tag(std::string tag, Offset after,
                                                              std::uint64_t max) {
  return submit<std::vector<EventEnvelope>>(
      reading([tag = std::move(tag), after, max](sqlite::StoreCore& core) {
        return core.events_by_tag(tag, after, max);
      }));
}

Future<std::vector<EventEnvelope>> SqliteStore::events_by_persistence_id(std::string persistence_id,
                                                                         SequenceNr from,
                                                                         SequenceNr to,
                                                                         std::uint64_t max) {
  return submit<std::vector<EventEnvelope>>(
      reading([id = std::move(persistence_id), from, to, max](sqlite::StoreCore& core) {
        return core.events_by_persistence_id(id, from, to, max);
      }));
}

Future<std::vector<std::string>> SqliteStore::persistence_ids(std::string after,
                                                              std::uint64_t max) {
  return submit<std::vector<std::string>>(
      reading([after = std::move(after), max](sqlite::StoreCore& core) {
        return core.persistence_ids(after, max);
      }));
}

Future<Offset> SqliteStore::latest_offset() {
  return submit<Offset>(reading([](sqlite::StoreCore& core) { return core.latest_offset(); }));
}

Future<Done> SqliteStore::save(Snapshot snapshot) {
  return submit<Done>([snapshot = std::move(snapshot)](sqlite::StoreCore& core) {
    return core.save_snapshot(snapshot);
  });
}

Future<std::optional<Snapshot>> SqliteStore::load(std::string persistence_id,
                                                  SnapshotCriteria criteria) {
  return submit<std::optional<Snapshot>>(
      reading([id = std::move(persistence_id), criteria](sqlite::StoreCore& core) {
        return core.load_snapshot(id, criteria);
      }));
}

Future<Done> SqliteStore::remove(std::string persistence_id, SnapshotCriteria criteria) {
  return submit<Done>([id = std::move(persistence_id), criteria](sqlite::StoreCore& core) {
    return core.remove_snapshots(id, criteria);
  });
}

Future<std::optional<DurableState>> SqliteStore::get(std::string persistence_id) {
  return submit<std::optional<DurableState>>(reading(
      [id = std::move(persistence_id)](sqlite::StoreCore& core) { return core.get_state(id); }));
}

Future<Done> SqliteStore::upsert(DurableState state) {
  return submit<Done>(
      [state = std::move(state)](sqlite::StoreCore& core) { return core.upsert_state(state); });
}

Future<Done> SqliteStore::remove(std::string persistence_id, Revision revision) {
  return submit<Done>([id = std::move(persistence_id), revision](sqlite::StoreCore& core) {
    return core.remove_state(id, revision);
  });
}

Future<std::optional<Offset>> SqliteStore::load_offset(std::string projection) {
  return submit<std::optional<Offset>>(
      reading([projection = std::move(projection)](sqlite::StoreCore& core) {
        return core.load_offset(projection);
      }));
}

Future<Done> SqliteStore::save_offset(std::string projection, Offset offset) {
  return submit<Done>([projection = std::move(projection), offset](sqlite::StoreCore& core) {
    return core.save_offset(projection, offset);
  });
}

Future<Done> SqliteStore::commit(std::string projection, Offset offset,
                                 UniqueFunction<Status(sqlite::Database&)> writes) {
  return submit<Done>([projection = std::move(projection), offset,
                       writes = std::move(writes)](sqlite::StoreCore& core) mutable {
    return core.commit_projection(projection, offset, writes);
  });
}

Future<Done> SqliteStore::reopen() {
  // Not through submit(): a reopen is never refused for the failure it repairs.
  Promise<Done> promise(blocking_of(env_));
  Future<Done> future = promise.future();
  core_->number_call();
  worker_.post([promise = std::move(promise), core = core_](bool run) mutable {
    if (!run) {
      promise.fail(closed_error(core->options().path));
      return;
    }
    promise.try_complete(core->reopen());
  });
  return future;
}

SqliteStore::Stats SqliteStore::stats() const {
  return core_->stats();
}

bool SqliteStore::failed() const noexcept {
  return core_->failed();
}

}  // namespace orrery::persistence
