#pragma once
// Stores: the stores a persistent actor uses, shared by the behaviors that name them (so they
// live as long as any actor that may still complete a call on them).

#include <memory>

#include <orrery/persistence/durable_state_store.hpp>
#include <orrery/persistence/journal.hpp>
#include <orrery/persistence/read_journal.hpp>
#include <orrery/persistence/snapshot_store.hpp>

namespace orrery::persistence {

struct Stores {
  std::shared_ptr<Journal> journal;
  std::shared_ptr<SnapshotStore> snapshots;
  std::shared_ptr<DurableStateStore> durable_state;
  std::shared_ptr<ReadJournal> read;

  /// All four from one object that implements them (MemoryStore, SqliteStore, PostgresStore).
  template <class Store>
  static Stores of(std::shared_ptr<Store> store) {
    return Stores{store, store, store, store};
  }
};

}  // namespace orrery::persistence
