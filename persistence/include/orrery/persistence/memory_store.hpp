#pragma once
// MemoryStore: every store SPI in memory, for tests. Its contents live in a MemoryStoreData that
// the test owns and may hand to the next incarnation of a node, so a "restarted" entity recovers
// what the last one wrote. Writes are durable the moment they complete; work still runs on the
// node's executor (the store worker), so completions arrive as they would from a disk.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <orrery/env/env.hpp>
#include <orrery/persistence/detail/store_worker.hpp>
#include <orrery/persistence/durable_state_store.hpp>
#include <orrery/persistence/journal.hpp>
#include <orrery/persistence/projection_store.hpp>
#include <orrery/persistence/read_journal.hpp>
#include <orrery/persistence/snapshot_store.hpp>

namespace orrery::persistence {

/// A read side in memory: the rows an exactly-once projection writes in its transactions.
struct MemoryReadSide {
  std::map<std::string, std::string, std::less<>> rows;
};

/// What a MemoryStore holds; shared by the stores built over it (thread-safe).
struct MemoryStoreData {
  struct Entity {
    std::map<SequenceNr, EventEnvelope> events;
    SequenceNr highest = 0;
  };
  std::mutex mutex;
  std::map<std::string, Entity, std::less<>> entities;
  std::map<Offset, std::pair<std::string, SequenceNr>> by_offset;
  Offset last_offset = 0;
  std::map<std::pair<std::string, SequenceNr>, Snapshot> snapshots;
  std::map<std::string, DurableState, std::less<>> states;
  std::map<std::string, Offset, std::less<>> projection_offsets;
  MemoryReadSide read_side;
};

struct MemoryStoreOptions {
  /// A write with an event above this many payload bytes is refused (Errc::refused).
  std::uint64_t event_bytes_max = 1 << 20;
};

class MemoryStore final : public Journal,
                          public ReadJournal,
                          public SnapshotStore,
                          public DurableStateStore,
                          public TransactionalOffsetStore<MemoryReadSide> {
 public:
  MemoryStore(Env& env, std::shared_ptr<MemoryStoreData> data, MemoryStoreOptions options = {});
  ~MemoryStore() override;

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
  Future<std::vector<std::string>> persistence_ids(std::string after,
                                                   std::uint64_t max) override;
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
  /// Runs `writes` on a copy of the read side; an ok result replaces the read side and the
  /// offset together.
  Future<Done> commit(std::string projection, Offset offset,
                      UniqueFunction<Status(MemoryReadSide&)> writes) override;

 private:
  template <class T, class F>
  Future<T> submit(F work);

  Env& env_;
  std::shared_ptr<MemoryStoreData> data_;
  MemoryStoreOptions options_;
  detail::StoreWorker worker_;
};

}  // namespace orrery::persistence
