// The SQLite store's journal: group commit of AtomicWrites (each checked first, so a refused one
// fails alone), replays with gap and duplicate checks, highest sequence numbers that survive
// deletes, and deletes.
#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <sqlite3.h>

#include "store_core.hpp"
#include "tag_codec.hpp"

namespace orrery::persistence::sqlite {

namespace {

std::int64_t limit_of(std::uint64_t max) {
  return static_cast<std::int64_t>(
      std::min<std::uint64_t>(max, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace

Result<SequenceNr> StoreCore::stored_highest(const std::string& id) {
  auto highest = statement("SELECT sequence_nr FROM highest WHERE persistence_id = ?1");
  if (!highest.ok()) return highest.error();
  Statement& query = **highest;
  if (Status bound = query.bind_text(1, id); !bound.ok()) return bound.error();
  auto row = query.step();
  if (!row.ok()) return row.error();
  const SequenceNr stored = *row ? query.column_int64(0) : 0;
  query.reset();
  return stored;
}

Status StoreCore::check_write(const AtomicWrite& write, SequenceNr highest) const {
  SequenceNr expected = highest + 1;
  for (const PersistentEvent& event : write.events) {
    if (event.persistence_id != write.persistence_id) {
      return make_error(Errc::refused, fmt::format("an event of '{}' in a write of '{}'",
                                                   event.persistence_id, write.persistence_id));
    }
    if (event.sequence_nr != expected) {
      // At the first event: another writer of this id got there first (or the writer's view of
      // the journal is stale), a conflict the entity must not shrug off. Inside: a malformed write.
      return make_error(&event == &write.events.front() ? Errc::already_exists : Errc::refused,
                        fmt::format("'{}': sequence number {} does not follow {}",
                                    write.persistence_id, event.sequence_nr, expected - 1));
    }
    if (event.payload.size() > options_.event_bytes_max) {
      return make_error(Errc::refused, fmt::format("'{}' event {}: {} bytes, above the limit of {}",
                                                   write.persistence_id, event.sequence_nr,
                                                   event.payload.size(), options_.event_bytes_max));
    }
    ++expected;
  }
  return {};
}

Status StoreCore::insert_write(const AtomicWrite& write) {
  auto highest = stored_highest(write.persistence_id);
  if (!highest.ok()) return highest.error();
  if (Status checked = check_write(write, *highest); !checked.ok()) return checked;
  if (write.events.empty()) return {};
  auto insert = statement(
      "INSERT INTO events(persistence_id, sequence_nr, manifest, version, payload, timestamp_ms, "
      "writer, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!insert.ok()) return insert.error();
  auto tag = statement("INSERT OR IGNORE INTO event_tags(tag, ordering) VALUES (?1, ?2)");
  if (!tag.ok()) return tag.error();
  for (const PersistentEvent& event : write.events) {
    Statement& row = **insert;
    Status status = row.bind_text(1, event.persistence_id);
    if (status.ok()) status = row.bind(2, event.sequence_nr);
    if (status.ok()) status = row.bind_text(3, event.manifest);
    if (status.ok()) status = row.bind(4, static_cast<std::int64_t>(event.version));
    if (status.ok()) status = row.bind_blob(5, event.payload);
    if (status.ok()) status = row.bind(6, event.timestamp_ms);
    if (status.ok()) status = row.bind_text(7, event.writer);
    if (status.ok()) status = row.bind_blob(8, encode_tags(event.tags));
    if (status.ok()) status = row.run();
    if (!status.ok()) return status;
    const std::int64_t ordering = database_->last_insert_rowid();
    for (const std::string& name : event.tags) {
      Statement& tagged = **tag;
      status = tagged.bind_text(1, name);
      if (status.ok()) status = tagged.bind(2, ordering);
      if (status.ok()) status = tagged.run();
      if (!status.ok()) return status;
    }
  }
  auto keep = statement(
      "INSERT INTO highest(persistence_id, sequence_nr) VALUES (?1, ?2) "
      "ON CONFLICT(persistence_id) DO UPDATE SET sequence_nr = excluded.sequence_nr");
  if (!keep.ok()) return keep.error();
  Status status = (*keep)->bind_text(1, write.persistence_id);
  if (status.ok()) status = (*keep)->bind(2, write.events.back().sequence_nr);
  if (status.ok()) status = (*keep)->run();
  return status;
}

void StoreCore::run_batch(std::vector<QueuedWrite> batch) {
  ORRERY_ASSERT(!batch.empty());
  // The batch is in call order: the writes made before a failure come first, and fail with it.
  std::size_t stale = 0;
  while (failure_ && stale < batch.size() && batch[stale].call <= failed_through_call_)
    ++stale;
  if (stale > 0) {
    const Error error = usable().error();
    for (std::size_t i = 0; i < stale; ++i)
      batch[i].promise.fail(error);
    batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(stale));
    if (batch.empty()) return;
  }
  if (Status admitted = admit(batch.front().call); !admitted.ok()) {
    for (QueuedWrite& queued : batch)
      queued.promise.fail(admitted.error());
    return;
  }
  commit_batch(std::move(batch));
}

// One transaction for the batch. Each write runs inside its own savepoint, so that a write
// refused by its checks, or by a constraint the checks missed, is undone alone; any other
// error fails the whole batch and the store.
void StoreCore::commit_batch(std::vector<QueuedWrite> batch) {
  ORRERY_ASSERT(!batch.empty());
  std::vector<std::optional<Error>> refusals(batch.size());
  auto fail_all = [&](const Error& error) {
    roll_back();
    counters_.batches_failed.fetch_add(1, std::memory_order_relaxed);
    for (QueuedWrite& queued : batch)
      queued.promise.fail(error);
  };
  if (Status ready = usable(); !ready.ok()) return fail_all(ready.error());
  if (Status begun = run_cached("BEGIN IMMEDIATE"); !begun.ok()) {
    return fail_all(note_failure(begun.error()));
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Status status = run_cached("SAVEPOINT write");
    if (status.ok()) status = insert_write(batch[i].write);
    if (!status.ok() && status.error().code != Errc::io_error &&
        status.error().code != Errc::corrupt) {
      refusals[i] = make_error(
          status.error().code == Errc::already_exists ? Errc::already_exists : Errc::refused,
          status.error().message);
      status = run_cached("ROLLBACK TO write");
    }
    if (status.ok()) status = run_cached("RELEASE write");
    if (!status.ok()) return fail_all(note_failure(status.error()));
  }
  if (Status committed = run_cached("COMMIT"); !committed.ok()) {
    return fail_all(note_failure(committed.error()));
  }
  counters_.transactions.fetch_add(1, std::memory_order_relaxed);
  std::uint64_t largest = counters_.batch_writes_largest.load(std::memory_order_relaxed);
  while (batch.size() > largest &&
         !counters_.batch_writes_largest.compare_exchange_weak(largest, batch.size())) {
  }
  {
    std::lock_guard lock(counters_.sizes_mutex);
    ++counters_.transactions_by_writes[batch.size()];
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (refusals[i]) {
      counters_.writes_refused.fetch_add(1, std::memory_order_relaxed);
      batch[i].promise.fail(*refusals[i]);
      continue;
    }
    counters_.writes.fetch_add(1, std::memory_order_relaxed);
    counters_.events.fetch_add(batch[i].write.events.size(), std::memory_order_relaxed);
    batch[i].promise.complete(Done{});
  }
}

Result<EventEnvelope> StoreCore::read_envelope(Statement& rows) const {
  EventEnvelope envelope;
  envelope.offset = rows.column_int64(0);
  PersistentEvent& event = envelope.event;
  event.persistence_id = std::string(rows.column_text(1));
  event.sequence_nr = rows.column_int64(2);
  event.manifest = std::string(rows.column_text(3));
  event.version = static_cast<std::uint32_t>(rows.column_int64(4));
  event.payload = std::string(rows.column_blob(5));
  event.timestamp_ms = rows.column_int64(6);
  event.writer = std::string(rows.column_text(7));
  auto tags = decode_tags(rows.column_blob(8));
  if (!tags.ok()) {
    return make_error(Errc::corrupt,
                      fmt::format("SQLite store '{}': '{}' event {}: {}", options_.path,
                                  event.persistence_id, event.sequence_nr, tags.error().message));
  }
  event.tags = std::move(*tags);
  return envelope;
}

// With `id`, the rows are one entity's in sequence order and must follow each other: a gap or a
// duplicate means the file is not what the store wrote.
Result<std::vector<EventEnvelope>> StoreCore::collect(Statement& rows, const std::string* id,
                                                      SequenceNr from) {
  std::vector<EventEnvelope> out;
  while (true) {
    auto row = rows.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    auto envelope = read_envelope(rows);
    if (!envelope.ok()) return envelope.error();
    const SequenceNr nr = envelope->event.sequence_nr;
    if (id != nullptr && !out.empty() && nr != out.back().event.sequence_nr + 1) {
      const SequenceNr previous = out.back().event.sequence_nr;
      return make_error(
          Errc::corrupt,
          fmt::format("SQLite store '{}': '{}' event {} follows {} ({})", options_.path, *id, nr,
                      previous, nr <= previous ? "a duplicate" : "a gap"));
    }
    if (id != nullptr && (envelope->event.persistence_id != *id || nr < from)) {
      return make_error(
          Errc::corrupt,
          fmt::format("SQLite store '{}': a replay of '{}' from {} found '{}' event {}",
                      options_.path, *id, from, envelope->event.persistence_id, nr));
    }
    out.push_back(std::move(*envelope));
  }
  rows.reset();
  return out;
}

Result<std::vector<EventEnvelope>> StoreCore::events_by_persistence_id(const std::string& id,
                                                                       SequenceNr from,
                                                                       SequenceNr to,
                                                                       std::uint64_t max) {
  if (Status ready = usable(); !ready.ok()) return ready.error();
  auto rows = statement(
      "SELECT ordering, persistence_id, sequence_nr, manifest, version, payload, timestamp_ms, "
      "writer, tags FROM events WHERE persistence_id = ?1 AND sequence_nr BETWEEN ?2 AND ?3 "
      "ORDER BY sequence_nr LIMIT ?4");
  if (!rows.ok()) return rows.error();
  Statement& query = **rows;
  Status status = query.bind_text(1, id);
  if (status.ok()) status = query.bind(2, from);
  if (status.ok()) status = query.bind(3, to);
  if (status.ok()) status = query.bind(4, limit_of(max));
  if (!status.ok()) return status.error();
  return collect(query, &id, from);
}

Result<std::vector<PersistentEvent>> StoreCore::replay(const std::string& id, SequenceNr from,
                                                       SequenceNr to, std::uint64_t max) {
  auto envelopes = events_by_persistence_id(id, from, to, max);
  if (!envelopes.ok()) return envelopes.error();
  std::vector<PersistentEvent> events;
  events.reserve(envelopes->size());
  for (EventEnvelope& envelope : *envelopes)
    events.push_back(std::move(envelope.event));
  return events;
}

Result<SequenceNr> StoreCore::highest_sequence_nr(const std::string& id) {
  if (Status ready = usable(); !ready.ok()) return ready.error();
  auto stored = stored_highest(id);
  if (!stored.ok()) return stored.error();
  // The events themselves, in case the highest row was lost: never report less than is stored.
  auto newest = statement("SELECT max(sequence_nr) FROM events WHERE persistence_id = ?1");
  if (!newest.ok()) return newest.error();
  if (Status bound = (*newest)->bind_text(1, id); !bound.ok()) return bound.error();
  auto row = (*newest)->step();
  if (!row.ok()) return row.error();
  const SequenceNr in_events = *row ? (*newest)->column_int64(0) : 0;
  (*newest)->reset();
  return std::max(*stored, in_events);
}

Result<Done> StoreCore::delete_up_to(const std::string& id, SequenceNr to) {
  return in_transaction([&]() -> Status {
    auto tags = statement(
        "DELETE FROM event_tags WHERE ordering IN (SELECT ordering FROM events WHERE "
        "persistence_id = ?1 AND sequence_nr <= ?2)");
    if (!tags.ok()) return tags.error();
    Status status = (*tags)->bind_text(1, id);
    if (status.ok()) status = (*tags)->bind(2, to);
    if (status.ok()) status = (*tags)->run();
    if (!status.ok()) return status;
    auto events = statement("DELETE FROM events WHERE persistence_id = ?1 AND sequence_nr <= ?2");
    if (!events.ok()) return events.error();
    status = (*events)->bind_text(1, id);
    if (status.ok()) status = (*events)->bind(2, to);
    if (status.ok()) status = (*events)->run();
    return status;
  });
}

}  // namespace orrery::persistence::sqlite
