// MemoryStore: the SPI over maps, with the same checks as the durable stores (sequence numbers
// that follow, size limits, stale revisions), so that tests on it fail where production would.

#include <algorithm>

#include <fmt/format.h>

#include <orrery/persistence/memory_store.hpp>

namespace orrery::persistence {

namespace {

BlockingWait blocking_of(Env& env) {
  return env.executor.supports_blocking_wait() ? BlockingWait::allowed : BlockingWait::refused;
}

Error closed_error() {
  return make_error(Errc::closed, "the memory store is closed");
}

}  // namespace

MemoryStore::MemoryStore(Env& env, std::shared_ptr<MemoryStoreData> data,
                         MemoryStoreOptions options)
    : env_(env),
      data_(std::move(data)),
      options_(options),
      worker_(env.executor, 0x6d656d6f72795354ULL /* "memoryST" */) {
}

MemoryStore::~MemoryStore() {
  worker_.close();
}

template <class T, class F>
Future<T> MemoryStore::submit(F work) {
  Promise<T> promise(blocking_of(env_));
  Future<T> future = promise.future();
  worker_.post(
      [promise = std::move(promise), data = data_, work = std::move(work)](bool run) mutable {
        if (!run) {
          promise.fail(closed_error());
          return;
        }
        std::optional<Result<T>> result;
        {
          std::lock_guard lock(data->mutex);
          result.emplace(work(*data));
        }
        promise.try_complete(std::move(*result));
      });
  return future;
}

Future<Done> MemoryStore::write(AtomicWrite write) {
  const std::uint64_t bytes_max = options_.event_bytes_max;
  return submit<Done>([write = std::move(write), bytes_max](MemoryStoreData& data) -> Result<Done> {
    auto& entity = data.entities[write.persistence_id];
    SequenceNr expected = entity.highest + 1;
    for (const PersistentEvent& event : write.events) {
      if (event.persistence_id != write.persistence_id)
        return make_error(Errc::refused, fmt::format("an event of '{}' in a write of '{}'",
                                                     event.persistence_id, write.persistence_id));
      if (event.sequence_nr != expected)  // at the first event: another writer's (a conflict)
        return make_error(&event == &write.events.front() ? Errc::already_exists : Errc::refused,
                          fmt::format("'{}': sequence number {} does not follow {}",
                                      write.persistence_id, event.sequence_nr, expected - 1));
      if (event.payload.size() > bytes_max)
        return make_error(
            Errc::refused,
            fmt::format("'{}' event {}: {} bytes, above the limit of {}", write.persistence_id,
                        event.sequence_nr, event.payload.size(), bytes_max));
      ++expected;
    }
    for (const PersistentEvent& event : write.events) {
      const Offset offset = ++data.last_offset;
      entity.events.emplace(event.sequence_nr, EventEnvelope{offset, event});
      data.by_offset.emplace(offset, std::pair{write.persistence_id, event.sequence_nr});
      entity.highest = event.sequence_nr;
    }
    return Done{};
  });
}

Future<std::vector<PersistentEvent>> MemoryStore::replay(std::string persistence_id,
                                                         SequenceNr from, SequenceNr to,
                                                         std::uint64_t max) {
  return submit<std::vector<PersistentEvent>>(
      [id = std::move(persistence_id), from, to, max](MemoryStoreData& data) {
        std::vector<PersistentEvent> events;
        auto found = data.entities.find(id);
        if (found == data.entities.end()) return Result<std::vector<PersistentEvent>>(events);
        for (auto it = found->second.events.lower_bound(from);
             it != found->second.events.end() && it->first <= to && events.size() < max; ++it)
          events.push_back(it->second.event);
        return Result<std::vector<PersistentEvent>>(std::move(events));
      });
}

Future<SequenceNr> MemoryStore::highest_sequence_nr(std::string persistence_id, SequenceNr) {
  return submit<SequenceNr>([id = std::move(persistence_id)](MemoryStoreData& data) {
    auto found = data.entities.find(id);
    return Result<SequenceNr>(found == data.entities.end() ? 0 : found->second.highest);
  });
}

Future<Done> MemoryStore::delete_up_to(std::string persistence_id, SequenceNr to) {
  return submit<Done>([id = std::move(persistence_id), to](MemoryStoreData& data) {
    auto found = data.entities.find(id);
    if (found == data.entities.end()) return Result<Done>(Done{});
    auto& events = found->second.events;
    for (auto it = events.begin(); it != events.end() && it->first <= to;) {
      data.by_offset.erase(it->second.offset);
      it = events.erase(it);
    }
    return Result<Done>(Done{});
  });
}

Future<std::vector<EventEnvelope>> MemoryStore::events_by_tag(std::string tag, Offset after,
                                                              std::uint64_t max) {
  return submit<std::vector<EventEnvelope>>(
      [tag = std::move(tag), after, max](MemoryStoreData& data) {
        std::vector<EventEnvelope> out;
        for (auto it = data.by_offset.upper_bound(after);
             it != data.by_offset.end() && out.size() < max; ++it) {
          const EventEnvelope& envelope =
              data.entities.find(it->second.first)->second.events.at(it->second.second);
          const auto& tags = envelope.event.tags;
          if (std::find(tags.begin(), tags.end(), tag) != tags.end()) out.push_back(envelope);
        }
        return Result<std::vector<EventEnvelope>>(std::move(out));
      });
}

Future<std::vector<EventEnvelope>> MemoryStore::events_by_persistence_id(std::string persistence_id,
                                                                         SequenceNr from,
                                                                         SequenceNr to,
                                                                         std::uint64_t max) {
  return submit<std::vector<EventEnvelope>>(
      [id = std::move(persistence_id), from, to, max](MemoryStoreData& data) {
        std::vector<EventEnvelope> out;
        auto found = data.entities.find(id);
        if (found != data.entities.end()) {
          for (auto it = found->second.events.lower_bound(from);
               it != found->second.events.end() && it->first <= to && out.size() < max; ++it)
            out.push_back(it->second);
        }
        return Result<std::vector<EventEnvelope>>(std::move(out));
      });
}

Future<std::vector<std::string>> MemoryStore::persistence_ids(std::string after,
                                                              std::uint64_t max) {
  return submit<std::vector<std::string>>([after = std::move(after), max](MemoryStoreData& data) {
    std::vector<std::string> out;
    for (auto it = data.entities.upper_bound(after); it != data.entities.end() && out.size() < max;
         ++it)
      out.push_back(it->first);
    return Result<std::vector<std::string>>(std::move(out));
  });
}

Future<Offset> MemoryStore::latest_offset() {
  return submit<Offset>([](MemoryStoreData& data) { return Result<Offset>(data.last_offset); });
}

Future<Done> MemoryStore::save(Snapshot snapshot) {
  return submit<Done>([snapshot = std::move(snapshot)](MemoryStoreData& data) {
    const auto key = std::pair{snapshot.metadata.persistence_id, snapshot.metadata.sequence_nr};
    data.snapshots.insert_or_assign(key, snapshot);
    return Result<Done>(Done{});
  });
}

Future<std::optional<Snapshot>> MemoryStore::load(std::string persistence_id,
                                                  SnapshotCriteria criteria) {
  return submit<std::optional<Snapshot>>(
      [id = std::move(persistence_id), criteria](MemoryStoreData& data) {
        std::optional<Snapshot> newest;
        for (auto it = data.snapshots.lower_bound(std::pair{id, criteria.min_sequence_nr});
             it != data.snapshots.end() && it->first.first == id &&
             it->first.second <= criteria.max_sequence_nr;
             ++it)
          newest = it->second;
        return Result<std::optional<Snapshot>>(std::move(newest));
      });
}

Future<Done> MemoryStore::remove(std::string persistence_id, SnapshotCriteria criteria) {
  return submit<Done>([id = std::move(persistence_id), criteria](MemoryStoreData& data) {
    for (auto it = data.snapshots.lower_bound(std::pair{id, criteria.min_sequence_nr});
         it != data.snapshots.end() && it->first.first == id &&
         it->first.second <= criteria.max_sequence_nr;)
      it = data.snapshots.erase(it);
    return Result<Done>(Done{});
  });
}

Future<std::optional<DurableState>> MemoryStore::get(std::string persistence_id) {
  return submit<std::optional<DurableState>>(
      [id = std::move(persistence_id)](MemoryStoreData& data) {
        auto found = data.states.find(id);
        if (found == data.states.end()) return Result<std::optional<DurableState>>(std::nullopt);
        return Result<std::optional<DurableState>>(found->second);
      });
}

namespace {

Result<Done> check_revision(const MemoryStoreData& data, const std::string& id, Revision revision) {
  auto found = data.states.find(id);
  const Revision stored = found == data.states.end() ? 0 : found->second.revision;
  if (revision != stored + 1)
    return make_error(Errc::refused,
                      fmt::format("'{}': stale revision {} (stored: {})", id, revision, stored));
  return Done{};
}

}  // namespace

Future<Done> MemoryStore::upsert(DurableState state) {
  const std::uint64_t bytes_max = options_.event_bytes_max;
  return submit<Done>([state = std::move(state), bytes_max](MemoryStoreData& data) -> Result<Done> {
    if (state.payload.size() > bytes_max)
      return make_error(Errc::refused,
                        fmt::format("'{}': state of {} bytes, above the limit of {}",
                                    state.persistence_id, state.payload.size(), bytes_max));
    auto checked = check_revision(data, state.persistence_id, state.revision);
    if (!checked) return checked;
    data.states.insert_or_assign(state.persistence_id, state);
    return Done{};
  });
}

Future<Done> MemoryStore::remove(std::string persistence_id, Revision revision) {
  return submit<Done>([id = std::move(persistence_id), revision](MemoryStoreData& data) {
    auto checked = check_revision(data, id, revision);
    if (!checked) return checked;
    // A deleted state keeps its revision, so that a writer holding an older one stays stale.
    DurableState tombstone;
    tombstone.persistence_id = id;
    tombstone.revision = revision;
    tombstone.deleted = true;
    data.states.insert_or_assign(id, std::move(tombstone));
    return Result<Done>(Done{});
  });
}

Future<std::optional<Offset>> MemoryStore::load_offset(std::string projection) {
  return submit<std::optional<Offset>>([projection = std::move(projection)](MemoryStoreData& data) {
    auto found = data.projection_offsets.find(projection);
    if (found == data.projection_offsets.end()) return Result<std::optional<Offset>>(std::nullopt);
    return Result<std::optional<Offset>>(found->second);
  });
}

Future<Done> MemoryStore::save_offset(std::string projection, Offset offset) {
  return submit<Done>([projection = std::move(projection), offset](MemoryStoreData& data) {
    data.projection_offsets.insert_or_assign(projection, offset);
    return Result<Done>(Done{});
  });
}

Future<Done> MemoryStore::commit(std::string projection, Offset offset,
                                 UniqueFunction<Status(MemoryReadSide&)> writes) {
  return submit<Done>([projection = std::move(projection), offset,
                       writes = std::move(writes)](MemoryStoreData& data) mutable -> Result<Done> {
    MemoryReadSide copy = data.read_side;
    Status written = writes(copy);
    if (!written.ok()) return written.error();
    data.read_side = std::move(copy);
    data.projection_offsets.insert_or_assign(projection, offset);
    return Done{};
  });
}

}  // namespace orrery::persistence
