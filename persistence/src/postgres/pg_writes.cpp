// Group commit: a run of consecutive writes in one transaction. Each write is checked on its own
// first (its events' ids, sequence numbers that follow each other and the highest stored, sizes,
// text without NUL bytes), so that a refused write fails alone and the others commit. If the
// database still refuses the group (another process took a sequence number first) the writes are
// retried one transaction each, so that only the offending one fails.

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include <orrery/core/assert.hpp>

#include "pg_array.hpp"
#include "pg_shared.hpp"

namespace orrery::persistence::postgres {
namespace {

// Parameters per event row of the insert: the chunk of rows keeps a statement below libpq's
// 65535 parameters.
constexpr std::size_t event_columns = 8;
constexpr std::size_t event_rows_per_statement = 1000;

bool has_nul(std::string_view text) {
  return text.find('\0') != std::string_view::npos;
}

// The checks that need no database: none when the write may go on.
std::optional<Error> precheck(const AtomicWrite& write, std::uint64_t bytes_max) {
  if (has_nul(write.persistence_id))
    return make_error(Errc::refused, "a persistence id holds a NUL byte");
  for (std::size_t i = 0; i < write.events.size(); ++i) {
    const PersistentEvent& event = write.events[i];
    if (event.persistence_id != write.persistence_id)
      return make_error(Errc::refused, fmt::format("an event of '{}' in a write of '{}'",
                                                   event.persistence_id, write.persistence_id));
    if (i > 0 && event.sequence_nr != write.events[i - 1].sequence_nr + 1)
      return make_error(Errc::refused, fmt::format("'{}': sequence number {} does not follow {}",
                                                   write.persistence_id, event.sequence_nr,
                                                   write.events[i - 1].sequence_nr));
    if (event.payload.size() > bytes_max)
      return make_error(Errc::refused, fmt::format("'{}' event {}: {} bytes, above the limit of {}",
                                                   write.persistence_id, event.sequence_nr,
                                                   event.payload.size(), bytes_max));
    const bool text_nul = has_nul(event.manifest) || has_nul(event.writer) ||
                          std::any_of(event.tags.begin(), event.tags.end(),
                                      [](const std::string& tag) { return has_nul(tag); });
    if (text_nul)
      return make_error(Errc::refused, fmt::format("'{}' event {}: a NUL byte in its manifest, "
                                                   "writer or tags (text columns)",
                                                   write.persistence_id, event.sequence_nr));
  }
  return std::nullopt;
}

// The highest sequence numbers of the writes' ids, locked for this transaction.
Result<std::map<std::string, SequenceNr>> lock_highest(PgConnection& c, const Statements& sql,
                                                       const std::vector<PendingWrite*>& writes) {
  std::vector<std::string> ids;
  for (const PendingWrite* w : writes)
    ids.push_back(w->write.persistence_id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto found = c.exec(sql.lock_highest, Params().text(text_array_literal(ids)));
  if (!found) return found.error();
  std::map<std::string, SequenceNr> highest;
  for (const std::string& id : ids)
    highest[id] = 0;
  for (int row = 0; row < found.value().rows(); ++row)
    highest[found.value().text(row, 0)] = found.value().integer(row, 1);
  return highest;
}

Status insert_events(PgConnection& c, const Statements& sql,
                     const std::vector<const PersistentEvent*>& events) {
  for (std::size_t first = 0; first < events.size(); first += event_rows_per_statement) {
    const std::size_t last = std::min(events.size(), first + event_rows_per_statement);
    std::string statement = sql.insert_events;
    Params params;
    for (std::size_t i = first; i < last; ++i) {
      const PersistentEvent& e = *events[i];
      const std::size_t base = (i - first) * event_columns;
      statement +=
          fmt::format("{}(${},${},${},${},${},${},${},${})", i == first ? "" : ",", base + 1,
                      base + 2, base + 3, base + 4, base + 5, base + 6, base + 7, base + 8);
      params.text(e.persistence_id)
          .integer(e.sequence_nr)
          .text(e.manifest)
          .integer(e.version)
          .bytes(e.payload)
          .text(text_array_literal(e.tags))
          .integer(e.timestamp_ms)
          .text(e.writer);
    }
    if (auto inserted = c.run(statement, params); !inserted) return inserted;
  }
  return {};
}

Status upsert_highest(PgConnection& c, const Statements& sql,
                      const std::map<std::string, SequenceNr>& changed) {
  if (changed.empty()) return {};
  std::string statement = sql.upsert_highest_head;
  Params params;
  std::size_t n = 0;
  for (const auto& [id, highest] : changed) {
    statement += fmt::format("{}(${},${}::bigint)", n == 0 ? "" : ",", 2 * n + 1, 2 * n + 2);
    params.text(id).integer(highest);
    ++n;
  }
  return c.run(statement + sql.upsert_highest_tail, params);
}

// One transaction over `writes`: the decision for each (none: committed) once it commits, or the
// error that failed the transaction (rolled back, or of unknown outcome if the link broke).
Result<std::vector<std::optional<Error>>> try_group(PgConnection& c, const Statements& sql,
                                                    const std::vector<PendingWrite*>& writes) {
  ORRERY_ASSERT(!writes.empty());
  if (auto begun = c.run("BEGIN"); !begun) return begun.error();
  auto rollback = [&](const Error& error) -> Result<std::vector<std::optional<Error>>> {
    if (!c.broken()) (void)c.run("ROLLBACK");
    return error;
  };
  auto highest = lock_highest(c, sql, writes);
  if (!highest) return rollback(highest.error());
  std::vector<std::optional<Error>> decisions(writes.size());
  std::vector<const PersistentEvent*> events;
  std::map<std::string, SequenceNr> changed;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const AtomicWrite& w = writes[i]->write;
    SequenceNr& stored = highest.value()[w.persistence_id];
    if (w.events.front().sequence_nr != stored + 1) {
      // Another writer of this id got there first: a conflict, not a rejection.
      decisions[i] =
          make_error(Errc::already_exists,
                     fmt::format("'{}': sequence number {} does not follow {}", w.persistence_id,
                                 w.events.front().sequence_nr, stored));
      continue;
    }
    for (const PersistentEvent& event : w.events)
      events.push_back(&event);
    stored = w.events.back().sequence_nr;
    changed[w.persistence_id] = stored;
  }
  if (auto inserted = insert_events(c, sql, events); !inserted) return rollback(inserted.error());
  if (auto kept = upsert_highest(c, sql, changed); !kept) return rollback(kept.error());
  if (auto committed = c.run("COMMIT"); !committed) return rollback(committed.error());
  return decisions;
}

Error unknown_outcome(const Error& error) {
  return make_error(Errc::io_error,
                    error.message + "; whether the write was stored is unknown until a replay");
}

// Counts a committed transaction of `size` writes, `decisions` saying which were refused.
void note_commit(Shared& shared, std::size_t size,
                 const std::vector<std::optional<Error>>& decisions) {
  const auto committed = static_cast<std::uint64_t>(
      std::count_if(decisions.begin(), decisions.end(), [](const auto& d) { return !d; }));
  std::lock_guard lock(shared.mutex);
  ++shared.stats.transactions;
  shared.stats.writes += committed;
  ++shared.stats.transactions_by_writes[size];
}

}  // namespace

void commit_writes(Shared& shared, std::vector<PendingWrite>& writes) {
  std::vector<std::optional<Error>> results(writes.size());
  std::vector<PendingWrite*> candidates;
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    results[i] = precheck(writes[i].write, shared.options.event_bytes_max);
    if (!results[i] && !writes[i].write.events.empty()) {
      candidates.push_back(&writes[i]);
      positions.push_back(i);
    }
  }
  if (!candidates.empty()) {
    auto connection = shared.session.connection();
    if (!connection) {
      for (std::size_t p : positions)
        results[p] = connection.error();
    } else {
      PgConnection& c = *connection.value();
      auto group = try_group(c, shared.sql, candidates);
      if (group) {
        note_commit(shared, candidates.size(), group.value());
        for (std::size_t k = 0; k < positions.size(); ++k)
          results[positions[k]] = std::move(group.value()[k]);
      } else {
        // Alone, each write either commits or fails on its own account.
        for (std::size_t k = 0; k < positions.size(); ++k) {
          if (c.broken()) {
            results[positions[k]] = unknown_outcome(group.error());
            continue;
          }
          auto alone =
              candidates.size() == 1 ? std::move(group) : try_group(c, shared.sql, {candidates[k]});
          if (alone) {
            note_commit(shared, 1, alone.value());
            results[positions[k]] = std::move(alone.value()[0]);
          } else {
            results[positions[k]] = c.broken() ? unknown_outcome(alone.error()) : alone.error();
          }
        }
      }
      if (c.broken()) shared.session.reset();
    }
  }
  for (std::size_t i = 0; i < writes.size(); ++i) {
    if (results[i]) {
      writes[i].promise.fail(std::move(*results[i]));
    } else {
      writes[i].promise.complete(Done{});
    }
  }
}

}  // namespace orrery::persistence::postgres
