#pragma once
// Projections (Akka Projections): an actor that feeds a handler every event with a tag, from the
// offset it stored last, and stores its offset as it goes, so a restarted projection resumes.
//
//  - exactly_once_projection: the handler's writes and the offset commit in one transaction of
//    the store (the memory store's read side, a SQLite store's database), so every event is
//    applied once, across crashes. Grouped: up to `group_events` events per transaction, or
//    what arrived within `group_within`.
//  - at_least_once_projection: the handler runs, and the offset is stored after every
//    `group_events` events or `group_within`; after a crash the events since the last stored
//    offset are handled again, so the handler must be idempotent.
//
// A handler that fails (returns an error or throws) fails the projection actor: nothing of its
// group is committed, and a supervise(...).on_failure(restart_with_backoff(...)) around it
// resumes from the stored offset.

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include <orrery/actor.hpp>
#include <orrery/persistence/projection_store.hpp>
#include <orrery/persistence/read_journal.hpp>

namespace orrery::persistence {

struct ProjectionSettings {
  /// The projection's name: the key its offset is stored under.
  std::string name;
  std::string tag;
  /// Events per transaction (exactly once) or per offset save (at least once).
  std::uint32_t group_events = 1;
  /// At most this long between the first event of a group and its commit.
  Duration group_within = std::chrono::milliseconds(100);
  Duration refresh_interval = std::chrono::milliseconds(200);
  std::uint64_t page = 500;
};

/// What a projection fails with when its handler or its store fails (supervision sees it).
class ProjectionFailedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
struct ProjectionPoll {};
struct ProjectionFlush {};
}  // namespace detail
struct StopProjection {};
using ProjectionMessage =
    std::variant<detail::ProjectionPoll, detail::ProjectionFlush, StopProjection>;

namespace detail {

/// The loop both kinds share: load the offset, read pages after it, hand groups to `flush`.
class ProjectionRunner : public std::enable_shared_from_this<ProjectionRunner> {
 public:
  /// Commits `events` (and the offset of the last): completes when durable.
  using Flush = std::function<Future<Done>(std::vector<EventEnvelope> events)>;

  ProjectionRunner(ActorContext<ProjectionMessage>& ctx, ProjectionSettings settings,
                   std::shared_ptr<ReadJournal> read, std::shared_ptr<OffsetStore> offsets,
                   Flush flush)
      : ctx_(ctx),
        settings_(std::move(settings)),
        read_(std::move(read)),
        offsets_(std::move(offsets)),
        flush_(std::move(flush)) {
    if (settings_.group_events == 0) settings_.group_events = 1;
    if (settings_.page == 0) settings_.page = 1;
  }

  void start() {
    auto self = shared_from_this();
    ctx_.on_complete_in_turn(
        offsets_->load_offset(settings_.name),
        [self](const Result<std::optional<Offset>>& loaded) -> Behavior<ProjectionMessage> {
          if (!self->alive_) return behaviors::same();
          if (!loaded.ok()) self->fail("loading its offset", loaded.error());
          self->offset_ = loaded.value().value_or(0);
          self->read_offset_ = self->offset_;
          self->loaded_ = true;
          self->poll();
          return behaviors::same();
        });
  }

  void poll() {
    if (!loaded_ || reading_) return;
    reading_ = true;
    auto self = shared_from_this();
    ctx_.on_complete_in_turn(
        read_->events_by_tag(settings_.tag, read_offset_, settings_.page),
        [self](const Result<std::vector<EventEnvelope>>& page) { return self->on_page(page); });
  }

  void flush_due() {
    if (!group_.empty()) commit();
  }

  Offset offset() const noexcept { return offset_; }
  /// PreRestart or PostStop: completions still queued belong to an incarnation that is gone.
  void retire() noexcept { alive_ = false; }

 private:
  Behavior<ProjectionMessage> on_page(const Result<std::vector<EventEnvelope>>& page) {
    if (!alive_) return behaviors::same();
    reading_ = false;
    if (!page.ok()) fail("reading events", page.error());
    for (const EventEnvelope& envelope : page.value()) {
      if (envelope.offset <= read_offset_) continue;
      read_offset_ = envelope.offset;
      if (group_.empty())
        ctx_.timers().start_single_timer("flush", ProjectionMessage{ProjectionFlush{}},
                                         settings_.group_within);
      group_.push_back(envelope);
      if (group_.size() >= settings_.group_events) commit();
    }
    if (page.value().size() >= settings_.page) {
      poll();
    } else {
      ctx_.timers().start_single_timer("poll", ProjectionMessage{ProjectionPoll{}},
                                       settings_.refresh_interval);
    }
    return behaviors::same();
  }

  /// One commit at a time, in offset order: later groups wait behind it.
  void commit() {
    ctx_.timers().cancel("flush");
    queued_.push_back(std::move(group_));
    group_.clear();
    next_commit();
  }

  void next_commit() {
    if (committing_ || queued_.empty()) return;
    committing_ = true;
    std::vector<EventEnvelope> events = std::move(queued_.front());
    queued_.erase(queued_.begin());
    const Offset last = events.back().offset;
    auto self = shared_from_this();
    ctx_.on_complete_in_turn(flush_(std::move(events)),
                             [self, last](const Result<Done>& done) -> Behavior<ProjectionMessage> {
                               if (!self->alive_) return behaviors::same();
                               self->committing_ = false;
                               if (!done.ok()) self->fail("committing", done.error());
                               self->offset_ = last;
                               self->next_commit();
                               return behaviors::same();
                             });
  }

  [[noreturn]] void fail(const char* doing, const Error& error) {
    throw ProjectionFailedError(fmt::format("projection '{}' failed {} after offset {}: {}",
                                            settings_.name, doing, offset_, error.message));
  }

  ActorContext<ProjectionMessage>& ctx_;
  ProjectionSettings settings_;
  std::shared_ptr<ReadJournal> read_;
  std::shared_ptr<OffsetStore> offsets_;
  Flush flush_;
  Offset offset_ = 0;       // committed
  Offset read_offset_ = 0;  // read (handed to a group)
  bool alive_ = true;
  bool loaded_ = false;
  bool reading_ = false;
  bool committing_ = false;
  std::vector<EventEnvelope> group_;
  std::vector<std::vector<EventEnvelope>> queued_;
};

inline Behavior<ProjectionMessage> projection_behavior(
    std::function<std::shared_ptr<ProjectionRunner>(ActorContext<ProjectionMessage>&)> make) {
  return behaviors::setup<ProjectionMessage>([make](ActorContext<ProjectionMessage>& ctx) {
    std::shared_ptr<ProjectionRunner> runner = make(ctx);
    runner->start();
    return behaviors::receive<ProjectionMessage>(
               [runner](ActorContext<ProjectionMessage>&,
                        ProjectionMessage& message) -> Behavior<ProjectionMessage> {
                 if (std::holds_alternative<StopProjection>(message)) return behaviors::stopped();
                 if (std::holds_alternative<ProjectionFlush>(message)) {
                   runner->flush_due();
                 } else {
                   runner->poll();
                 }
                 return behaviors::same();
               })
        .receive_signal([runner](ActorContext<ProjectionMessage>&,
                                 const Signal& signal) -> Behavior<ProjectionMessage> {
          if (std::holds_alternative<PreRestart>(signal) ||
              std::holds_alternative<PostStop>(signal)) {
            runner->retire();
            return behaviors::same();
          }
          return behaviors::unhandled();
        });
  });
}

}  // namespace detail

/// `handler(transaction, envelope)` for each event; its writes commit with the offset.
template <class Transaction>
Behavior<ProjectionMessage> exactly_once_projection(
    ProjectionSettings settings, std::shared_ptr<ReadJournal> read,
    std::shared_ptr<TransactionalOffsetStore<Transaction>> store,
    std::function<Status(Transaction&, const EventEnvelope&)> handler) {
  return detail::projection_behavior(
      [settings, read, store, handler](ActorContext<ProjectionMessage>& ctx) {
        auto flush = [store, handler, name = settings.name](std::vector<EventEnvelope> events) {
          const Offset last = events.back().offset;
          return store->commit(name, last,
                               [handler, events = std::move(events)](Transaction& tx) -> Status {
                                 for (const EventEnvelope& envelope : events) {
                                   Status handled = handler(tx, envelope);
                                   if (!handled.ok()) return handled;
                                 }
                                 return {};
                               });
        };
        return std::make_shared<detail::ProjectionRunner>(ctx, settings, read, store, flush);
      });
}

/// `handler(envelope)` for each event, then the offset is stored per group: idempotent handlers.
inline Behavior<ProjectionMessage> at_least_once_projection(
    ProjectionSettings settings, std::shared_ptr<ReadJournal> read,
    std::shared_ptr<OffsetStore> offsets, std::function<Status(const EventEnvelope&)> handler) {
  return detail::projection_behavior(
      [settings, read, offsets, handler](ActorContext<ProjectionMessage>& ctx) {
        auto flush = [offsets, handler, name = settings.name](std::vector<EventEnvelope> events) {
          for (const EventEnvelope& envelope : events) {
            Status handled = handler(envelope);
            if (!handled.ok()) {
              return ready_future<Done>(handled.error());
            }
          }
          return offsets->save_offset(name, events.back().offset);
        };
        return std::make_shared<detail::ProjectionRunner>(ctx, settings, read, offsets, flush);
      });
}

}  // namespace orrery::persistence
