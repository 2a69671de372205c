#pragma once
// EventSourcedBehavior<Command, Event, State>: an actor whose state is the fold of the events it
// persisted (Akka Persistence Typed's model). The command handler decides an Effect; events are
// written to the journal, and only once they are durable are they folded into the state by the
// event handler and the effect's side effects (then_run, then_reply) run. Commands that arrive
// while events are being written, or while the actor recovers, wait in a bounded stash.
//
//   Behavior<Command> account(Stores stores, std::string id) {
//     return EventSourcedBehavior<Command, Event, State>(
//                std::move(stores), "Account|" + id, State{},
//                [](ActorContext<Command>&, const State& state, Command& command) {
//                  return std::visit(..., command);   // an Effect<Event, State>
//                },
//                [](State& state, const Event& event) { ... })
//         .snapshot_every(100, 2)
//         .behavior();
//   }
//
// Recovery: the newest snapshot, then the events after it, page by page; RecoveryCompleted, then
// the stashed commands. A recovery that finds a gap, a duplicate, an unknown manifest or a
// payload it cannot decode signals RecoveryFailed and fails the actor with RecoveryFailedError,
// naming the persistence id and the sequence number: nothing is skipped.
//
// Failures: a write that fails (an I/O error) fails the actor with PersistFailedError, so that
// supervise(...).on_failure<PersistFailedError>(restart_with_backoff(...)) recovers from what is
// durable. A write the store refuses (too large, not serializable) persisted nothing: its
// on_rejected side effects and the PersistRejected signal run, a StatusReply then_reply gets the
// error, and the actor goes on with its state unchanged.
//
// Enforced replies (Akka's withEnforcedReplies): EventSourcedBehavior<..., true> takes a command
// handler returning ReplyEffect, made only by then_reply, reply or no_reply.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <orrery/actor.hpp>
#include <orrery/persistence/detail/incarnation.hpp>
#include <orrery/persistence/effect.hpp>
#include <orrery/persistence/event_schema.hpp>
#include <orrery/persistence/persistence_signals.hpp>
#include <orrery/persistence/stores.hpp>

namespace orrery::persistence {

/// Counters of one persistent actor, for tests and metrics (EventSourcedBehavior::stats_sink).
struct PersistentActorStats {
  std::uint64_t events_persisted = 0;
  std::uint64_t events_recovered = 0;
  std::uint64_t stash_overflows = 0;
  std::uint64_t rejected_writes = 0;
  std::uint64_t snapshots_saved = 0;
};

namespace detail {
/// A queue that allocates nothing until its first element.
template <class T>
class LazyQueue {
 public:
  bool empty() const noexcept { return !items_ || items_->empty(); }
  std::size_t size() const noexcept { return items_ ? items_->size() : 0; }
  void push_back(T item) { queue().push_back(std::move(item)); }
  void push_front(T item) { queue().push_front(std::move(item)); }
  T& front() { return items_->front(); }
  T& back() { return items_->back(); }
  void pop_front() { items_->pop_front(); }
  void pop_back() { items_->pop_back(); }

 private:
  std::deque<T>& queue() {
    if (!items_) items_ = std::make_unique<std::deque<T>>();
    return *items_;
  }
  std::unique_ptr<std::deque<T>> items_;
};
}  // namespace detail

template <class Command, class Event, class State, bool EnforcedReplies = false>
class EventSourcedBehavior {
 public:
  using EffectType =
      std::conditional_t<EnforcedReplies, ReplyEffect<Event, State>, Effect<Event, State>>;
  using CommandHandler = std::function<EffectType(ActorContext<Command>&, const State&, Command&)>;
  using EventHandler = std::function<void(State&, const Event&)>;
  using SignalHandler =
      std::function<void(ActorContext<Command>&, const State&, const PersistenceSignal&)>;
  using Tagger = std::function<std::vector<std::string>(const Event&)>;
  using SnapshotPredicate = std::function<bool(const State&, const Event&, SequenceNr)>;

  EventSourcedBehavior(Stores stores, std::string persistence_id, State empty_state,
                       CommandHandler command_handler, EventHandler event_handler)
      : config_(std::make_shared<Config>()) {
    ORRERY_ASSERT(stores.journal && stores.snapshots, "an EventSourcedBehavior needs a journal and a snapshot store");
    config_->stores = std::move(stores);
    config_->persistence_id = std::move(persistence_id);
    config_->empty_state = std::move(empty_state);
    config_->command_handler = std::move(command_handler);
    config_->event_handler = std::move(event_handler);
  }

  /// Versions, upcasters and the event adapter of this entity's events and snapshots.
  EventSourcedBehavior& schema(EventSchema<Event> schema) {
    mutate().schema = std::move(schema);
    return *this;
  }
  /// Tags for events_by_tag queries and projections.
  EventSourcedBehavior& tagger(Tagger tagger) {
    mutate().tagger = std::move(tagger);
    return *this;
  }
  /// A snapshot every `every` events, keeping the newest `keep` (older ones deleted); with
  /// `delete_events`, the events before the oldest kept snapshot are deleted too.
  EventSourcedBehavior& snapshot_every(SequenceNr every, std::uint32_t keep = 2,
                                       bool delete_events = false) {
    ORRERY_ASSERT(every > 0, "snapshot_every needs a positive interval");
    mutate().snapshot_every = every;
    mutate().keep_snapshots = keep;
    mutate().delete_events = delete_events;
    return *this;
  }
  /// A snapshot after an event for which `predicate(state, event, sequence_nr)` holds.
  EventSourcedBehavior& snapshot_when(SnapshotPredicate predicate) {
    mutate().snapshot_when = std::move(predicate);
    return *this;
  }
  EventSourcedBehavior& on_signal(SignalHandler handler) {
    mutate().on_signal = std::move(handler);
    return *this;
  }
  /// Commands held while recovering or persisting (Akka's default is 4096). Beyond it a command
  /// is a dead letter, counted and logged, and the actor goes on.
  EventSourcedBehavior& stash_capacity(std::uint32_t capacity) {
    mutate().stash_capacity = capacity;
    return *this;
  }
  /// Events read per replay call during recovery.
  EventSourcedBehavior& recovery_page(std::uint64_t events) {
    mutate().recovery_page = events > 0 ? events : 1;
    return *this;
  }
  /// Counters of every actor this behavior runs, summed (tests and metrics).
  EventSourcedBehavior& stats_sink(std::shared_ptr<PersistentActorStats> stats) {
    mutate().stats = std::move(stats);
    return *this;
  }

  /// Replaces the command handler with `wrap(handler)`: for testkits and interceptors that
  /// observe each effect (EventSourcedBehaviorTestKit appends a side effect to every one).
  EventSourcedBehavior& wrap_command_handler(std::function<CommandHandler(CommandHandler)> wrap) {
    mutate().command_handler = wrap(config_->command_handler);
    return *this;
  }
  /// Also calls `observer` with every persistence signal, after the signal handler.
  EventSourcedBehavior& observe_signals(SignalHandler observer) {
    SignalHandler first = config_->on_signal;
    mutate().on_signal = [first, observer](ActorContext<Command>& ctx, const State& state,
                                           const PersistenceSignal& signal) {
      if (first) first(ctx, state, signal);
      observer(ctx, state, signal);
    };
    return *this;
  }
  const std::string& persistence_id() const noexcept { return config_->persistence_id; }

  /// The behavior to spawn (or to wrap in supervise).
  Behavior<Command> behavior() const {
    std::shared_ptr<const Config> config = config_;
    return behaviors::setup<Command>([config](ActorContext<Command>& ctx) {
      auto actor = std::make_shared<Actor>(config, ctx);
      actor->start();
      return detail::incarnation_behavior<Command>(std::move(actor));
    });
  }
  operator Behavior<Command>() const { return behavior(); }  // NOLINT: spawn it directly

 private:
  struct Config {
    Stores stores;
    std::string persistence_id;
    State empty_state;
    CommandHandler command_handler;
    EventHandler event_handler;
    EventSchema<Event> schema;
    Tagger tagger;
    SequenceNr snapshot_every = 0;
    std::uint32_t keep_snapshots = 2;
    bool delete_events = false;
    SnapshotPredicate snapshot_when;
    SignalHandler on_signal;
    std::uint32_t stash_capacity = 4096;
    std::uint64_t recovery_page = 1000;
    std::shared_ptr<PersistentActorStats> stats;
  };

  Config& mutate() {
    if (config_.use_count() > 1) config_ = std::make_shared<Config>(*config_);
    return *config_;
  }

  /// One running actor: its state, its place in the journal, what it waits for.
  class Actor : public std::enable_shared_from_this<Actor> {
   public:
    Actor(std::shared_ptr<const Config> config, ActorContext<Command>& ctx)
        : config_(std::move(config)), ctx_(ctx), state_(config_->empty_state) {
      writer_ = ctx.env().random.next();
    }

    void start() {
      auto self = this->shared_from_this();
      ctx_.on_complete_in_turn(
          config_->stores.snapshots->load(config_->persistence_id, SnapshotCriteria::latest()),
          [self](const Result<std::optional<Snapshot>>& loaded) { return self->on_snapshot(loaded); });
    }

    /// PreRestart or PostStop: completions still queued belong to an incarnation that is gone.
    void retire() noexcept { alive_ = false; }

    Behavior<Command> on_command(Command&& command) {
      if (phase_ != Phase::running) {
        hold(std::move(command));
        return behaviors::same();
      }
      return handle(std::move(command));
    }

   private:
    enum class Phase : std::uint8_t { recovering, running, persisting };

    struct Pending {
      Effect<Event, State> effect;
      std::vector<Event> events;
      SequenceNr first = 0;
    };

    PersistentActorStats* stats() const { return config_->stats.get(); }
    const std::string& id() const { return config_->persistence_id; }

    void signal(const PersistenceSignal& signal) {
      if (config_->on_signal) config_->on_signal(ctx_, state_, signal);
    }

    void hold(Command&& command) {
      if (held_.size() >= config_->stash_capacity) {
        if (stats() != nullptr) ++stats()->stash_overflows;
        ctx_.log().warning("{}", fmt::format("'{}': stash full ({} commands); a {} is dropped", id(),
                                       config_->stash_capacity, message_type_name(command)));
        ctx_.system().dead_letter(ctx_.path(), message_type_name(command), "persistent actor's stash is full");
        return;
      }
      held_.push_back(std::move(command));
    }

    // Recovery.

    Behavior<Command> on_snapshot(const Result<std::optional<Snapshot>>& loaded) {
      if (!alive_) return behaviors::same();
      if (!loaded.ok()) return recovery_failed(0, "loading the snapshot: " + loaded.error().message);
      if (loaded.value()) {
        const Snapshot& snapshot = *loaded.value();
        auto state = config_->schema.template decode<State>(ctx_.system(), snapshot.manifest,
                                                            snapshot.version, snapshot.payload);
        if (!state.ok())
          return recovery_failed(snapshot.metadata.sequence_nr,
                                 "decoding the snapshot: " + state.error().message);
        state_ = std::move(state).value();
        sequence_nr_ = snapshot.metadata.sequence_nr;
      }
      auto self = this->shared_from_this();
      ctx_.on_complete_in_turn(
          config_->stores.journal->highest_sequence_nr(id(), sequence_nr_ + 1),
          [self](const Result<SequenceNr>& highest) { return self->on_highest(highest); });
      return behaviors::same();
    }

    Behavior<Command> on_highest(const Result<SequenceNr>& highest) {
      if (!alive_) return behaviors::same();
      if (!highest.ok())
        return recovery_failed(sequence_nr_ + 1, "reading the highest sequence number: " +
                                                     highest.error().message);
      recovery_target_ = highest.value();
      return replay_next();
    }

    Behavior<Command> replay_next() {
      if (sequence_nr_ >= recovery_target_) return recovered();
      auto self = this->shared_from_this();
      ctx_.on_complete_in_turn(
          config_->stores.journal->replay(id(), sequence_nr_ + 1, recovery_target_,
                                          config_->recovery_page),
          [self](const Result<std::vector<PersistentEvent>>& page) { return self->on_page(page); });
      return behaviors::same();
    }

    Behavior<Command> on_page(const Result<std::vector<PersistentEvent>>& page) {
      if (!alive_) return behaviors::same();
      if (!page.ok()) return recovery_failed(sequence_nr_ + 1, "replaying: " + page.error().message);
      if (page.value().empty())
        return recovery_failed(sequence_nr_ + 1,
                               fmt::format("the journal's highest sequence number is {}, but no "
                                           "event follows {} (a gap)",
                                           recovery_target_, sequence_nr_));
      for (const PersistentEvent& stored : page.value()) {
        if (stored.sequence_nr != sequence_nr_ + 1) {
          return recovery_failed(
              stored.sequence_nr,
              fmt::format("{} after {}: {}", stored.sequence_nr, sequence_nr_,
                          stored.sequence_nr <= sequence_nr_ ? "a duplicate or out of order" : "a gap"));
        }
        auto events = config_->schema.from_journal(ctx_.system(), stored);
        if (!events.ok())
          return recovery_failed(stored.sequence_nr, "decoding: " + events.error().message);
        for (const Event& event : events.value())
          config_->event_handler(state_, event);
        sequence_nr_ = stored.sequence_nr;
        if (stats() != nullptr) ++stats()->events_recovered;
      }
      return replay_next();
    }

    Behavior<Command> recovery_failed(SequenceNr at, const std::string& cause) {
      const std::string message = fmt::format("recovery of '{}' failed at sequence number {}: {}",
                                              id(), at, cause);
      ctx_.log().error("{}", message);
      signal(RecoveryFailed{make_error(Errc::corrupt, message)});
      throw RecoveryFailedError(message);
    }

    Behavior<Command> recovered() {
      phase_ = Phase::running;
      signal(RecoveryCompleted{sequence_nr_});
      return drain();
    }

    // Running.

    /// Handles held commands until one starts a write (the rest wait for it) or stops the actor.
    Behavior<Command> drain() {
      while (phase_ == Phase::running && !held_.empty()) {
        Command command = std::move(held_.front());
        held_.pop_front();
        Behavior<Command> next = handle(std::move(command));
        if (next.kind() == BehaviorKind::stopped) return next;
      }
      return behaviors::same();
    }

    Behavior<Command> handle(Command&& command) {
      Effect<Event, State> effect = config_->command_handler(ctx_, state_, command);
      switch (effect.kind()) {
        case Effect<Event, State>::Kind::persist:
          return persist(std::move(effect));
        case Effect<Event, State>::Kind::stash:
          if (user_stash_.size() >= config_->stash_capacity) {
            if (stats() != nullptr) ++stats()->stash_overflows;
            ctx_.system().dead_letter(ctx_.path(), message_type_name(command),
                                      "persistent actor's stash is full");
          } else {
            user_stash_.push_back(std::move(command));
          }
          return finish(effect);
        case Effect<Event, State>::Kind::remove:
          ORRERY_UNREACHABLE("delete_state() is an effect of DurableStateBehavior only");
        case Effect<Event, State>::Kind::unhandled:
          ctx_.system().unhandled(ctx_.path(), message_type_name(command));
          return finish(effect);
        default:
          return finish(effect);
      }
    }

    /// The side effects, then stop or unstash as the effect asks.
    Behavior<Command> finish(Effect<Event, State>& effect) {
      for (auto& side_effect : effect.side_effects())
        side_effect(state_);
      if (effect.stop_after()) return behaviors::stopped();
      if (effect.unstash_after()) {
        while (!user_stash_.empty()) {
          held_.push_front(std::move(user_stash_.back()));
          user_stash_.pop_back();
        }
        return drain();
      }
      return behaviors::same();
    }

    Behavior<Command> persist(Effect<Event, State>&& effect) {
      AtomicWrite write;
      write.persistence_id = id();
      const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              ctx_.env().clock.wall_now().time_since_epoch())
                              .count();
      SequenceNr next = sequence_nr_;
      const std::string writer = fmt::format("{}#{:016x}", ctx_.path(), writer_);
      for (const Event& event : effect.events()) {
        auto encoded = config_->schema.encode(ctx_.system(), event);
        if (!encoded.ok()) {
          return rejected(effect, next + 1,
                          make_error(Errc::refused, fmt::format("'{}' event {} is not serializable: {}",
                                                                id(), next + 1,
                                                                encoded.error().message)));
        }
        PersistentEvent stored;
        stored.persistence_id = id();
        stored.sequence_nr = ++next;
        stored.manifest = std::move(encoded->manifest);
        stored.version = encoded->version;
        stored.payload = std::move(encoded->payload);
        if (config_->tagger) stored.tags = config_->tagger(event);
        stored.timestamp_ms = now_ms;
        stored.writer = writer;
        write.events.push_back(std::move(stored));
      }
      phase_ = Phase::persisting;
      auto pending = std::make_shared<Pending>(Pending{std::move(effect), {}, sequence_nr_ + 1});
      pending->events = std::move(pending->effect.events());
      auto self = this->shared_from_this();
      ctx_.on_complete_in_turn(config_->stores.journal->write(std::move(write)),
                               [self, pending](const Result<Done>& written) {
                                 return self->on_written(*pending, written);
                               });
      return behaviors::same();
    }

    Behavior<Command> rejected(Effect<Event, State>& effect, SequenceNr first, const Error& error) {
      if (stats() != nullptr) ++stats()->rejected_writes;
      ctx_.log().warning("{}", fmt::format("'{}': persist rejected: {}", id(), error.message));
      for (auto& on_rejected : effect.rejected())
        on_rejected(error);
      signal(PersistRejected{error, first});
      phase_ = Phase::running;
      return drain();
    }

    Behavior<Command> on_written(Pending& pending, const Result<Done>& written) {
      if (!alive_) return behaviors::same();
      if (!written.ok()) {
        if (written.error().code == Errc::refused)
          return rejected(pending.effect, pending.first, written.error());
        throw PersistFailedError(fmt::format("'{}': writing events {} to {} failed: {}", id(),
                                             pending.first,
                                             pending.first + static_cast<SequenceNr>(pending.events.size()) - 1,
                                             written.error().message));
      }
      const SequenceNr before = sequence_nr_;
      bool snapshot = false;
      for (const Event& event : pending.events) {
        config_->event_handler(state_, event);
        ++sequence_nr_;
        if (config_->snapshot_when && config_->snapshot_when(state_, event, sequence_nr_)) snapshot = true;
      }
      if (stats() != nullptr) stats()->events_persisted += pending.events.size();
      if (config_->snapshot_every > 0 &&
          sequence_nr_ / config_->snapshot_every > before / config_->snapshot_every)
        snapshot = true;
      if (snapshot) save_snapshot();
      phase_ = Phase::running;
      Behavior<Command> next = finish(pending.effect);
      if (next.kind() == BehaviorKind::stopped) return next;
      return drain();
    }

    // Snapshots and retention.

    void save_snapshot() {
      const SequenceNr at = sequence_nr_;
      auto encoded = config_->schema.encode(ctx_.system(), state_);
      if (!encoded.ok()) {
        snapshot_failed(at, encoded.error());
        return;
      }
      Snapshot snapshot;
      snapshot.metadata.persistence_id = id();
      snapshot.metadata.sequence_nr = at;
      snapshot.metadata.timestamp_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                           ctx_.env().clock.wall_now().time_since_epoch())
                                           .count();
      snapshot.manifest = std::move(encoded->manifest);
      snapshot.version = encoded->version;
      snapshot.payload = std::move(encoded->payload);
      auto self = this->shared_from_this();
      ctx_.on_complete_in_turn(config_->stores.snapshots->save(std::move(snapshot)),
                               [self, at](const Result<Done>& saved) {
                                 return self->on_snapshot_saved(at, saved);
                               });
    }

    void snapshot_failed(SequenceNr at, const Error& error) {
      ctx_.log().warning("{}", fmt::format("'{}': snapshot at {} failed: {}", id(), at, error.message));
      signal(SnapshotFailed{error, at});
    }

    Behavior<Command> on_snapshot_saved(SequenceNr at, const Result<Done>& saved) {
      if (!alive_) return behaviors::same();
      if (!saved.ok()) {
        snapshot_failed(at, saved.error());
        return behaviors::same();
      }
      if (stats() != nullptr) ++stats()->snapshots_saved;
      signal(SnapshotCompleted{at});
      if (config_->snapshot_every == 0 || config_->keep_snapshots == 0) return behaviors::same();
      // The newest `keep` snapshots stay: those after at - keep * every.
      const SequenceNr cutoff =
          at - static_cast<SequenceNr>(config_->keep_snapshots) * config_->snapshot_every;
      if (cutoff <= 0) return behaviors::same();
      config_->stores.snapshots->remove(id(), SnapshotCriteria{0, cutoff});
      if (config_->delete_events) {
        auto self = this->shared_from_this();
        ctx_.on_complete_in_turn(config_->stores.journal->delete_up_to(id(), cutoff),
                                 [self, cutoff](const Result<Done>& deleted) -> Behavior<Command> {
                                   if (!self->alive_) return behaviors::same();
                                   if (deleted.ok()) self->signal(DeleteEventsCompleted{cutoff});
                                   return behaviors::same();
                                 });
      }
      return behaviors::same();
    }

    std::shared_ptr<const Config> config_;
    ActorContext<Command>& ctx_;
    State state_;
    SequenceNr sequence_nr_ = 0;
    SequenceNr recovery_target_ = 0;
    Phase phase_ = Phase::recovering;
    bool alive_ = true;
    std::uint64_t writer_ = 0;  // this incarnation's writer id (formatted only when writing)
    // Allocated on first use: an idle entity should cost little more than a plain actor, and
    // an empty std::deque already holds a chunk.
    detail::LazyQueue<Command> held_;        // while recovering or persisting
    detail::LazyQueue<Command> user_stash_;  // Effect::stash
  };

  std::shared_ptr<Config> config_;
};

}  // namespace orrery::persistence
