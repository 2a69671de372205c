#pragma once
// DurableStateBehavior<Command, State>: an actor whose whole state is stored after each change,
// with a revision number (Akka's DurableStateBehavior). The command handler returns
// DurableEffect<State>: persist(new_state), delete_state(), none, unhandled, stash, stop, with
// then_run / then_reply that run once the write is durable.
//
// Revisions: the actor writes revision + 1 of what it loaded; the store refuses a stale one. A
// refused write (stale: another writer got there first; or too large) runs the effect's
// on_rejected side effects and the PersistRejected signal, then the actor loads the state again
// before it handles the next command, so it never goes on from a view the store has overtaken.
// A failed write (I/O) fails the actor with PersistFailedError; a failed load with
// RecoveryFailedError.

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <fmt/format.h>

#include <orrery/actor.hpp>
#include <orrery/persistence/detail/incarnation.hpp>
#include <orrery/persistence/effect.hpp>
#include <orrery/persistence/event_schema.hpp>
#include <orrery/persistence/persistence_signals.hpp>
#include <orrery/persistence/stores.hpp>

namespace orrery::persistence {

template <class State>
using DurableEffect = Effect<State, State>;

template <class Command, class State>
class DurableStateBehavior {
 public:
  using CommandHandler =
      std::function<DurableEffect<State>(ActorContext<Command>&, const State&, Command&)>;
  using SignalHandler =
      std::function<void(ActorContext<Command>&, const State&, const PersistenceSignal&)>;

  DurableStateBehavior(Stores stores, std::string persistence_id, State empty_state,
                       CommandHandler command_handler)
      : config_(std::make_shared<Config>()) {
    ORRERY_ASSERT(stores.durable_state, "a DurableStateBehavior needs a durable-state store");
    config_->stores = std::move(stores);
    config_->persistence_id = std::move(persistence_id);
    config_->empty_state = std::move(empty_state);
    config_->command_handler = std::move(command_handler);
  }

  DurableStateBehavior& schema(EventSchema<State> schema) {
    mutate().schema = std::move(schema);
    return *this;
  }
  /// A tag stored with each revision, for queries of changes.
  DurableStateBehavior& tag(std::string tag) {
    mutate().tag = std::move(tag);
    return *this;
  }
  DurableStateBehavior& on_signal(SignalHandler handler) {
    mutate().on_signal = std::move(handler);
    return *this;
  }
  DurableStateBehavior& stash_capacity(std::uint32_t capacity) {
    mutate().stash_capacity = capacity;
    return *this;
  }

  Behavior<Command> behavior() const {
    std::shared_ptr<const Config> config = config_;
    return behaviors::setup<Command>([config](ActorContext<Command>& ctx) {
      auto actor = std::make_shared<Actor>(config, ctx);
      actor->load();
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
    EventSchema<State> schema;
    std::string tag;
    SignalHandler on_signal;
    std::uint32_t stash_capacity = 4096;
  };

  Config& mutate() {
    if (config_.use_count() > 1) config_ = std::make_shared<Config>(*config_);
    return *config_;
  }

  class Actor : public std::enable_shared_from_this<Actor> {
   public:
    Actor(std::shared_ptr<const Config> config, ActorContext<Command>& ctx)
        : config_(std::move(config)), ctx_(ctx), state_(config_->empty_state) {}

    void retire() noexcept { alive_ = false; }

    void load() {
      busy_ = true;
      auto self = this->shared_from_this();
      ctx_.on_complete_in_turn(config_->stores.durable_state->get(id()),
                               [self](const Result<std::optional<DurableState>>& loaded) {
                                 return self->on_loaded(loaded);
                               });
    }

    Behavior<Command> on_command(Command&& command) {
      if (busy_) {
        if (held_.size() >= config_->stash_capacity) {
          ctx_.system().dead_letter(ctx_.path(), message_type_name(command),
                                    "durable-state actor's stash is full");
          return behaviors::same();
        }
        held_.push_back(std::move(command));
        return behaviors::same();
      }
      return handle(std::move(command));
    }

   private:
    const std::string& id() const { return config_->persistence_id; }
    void signal(const PersistenceSignal& signal) {
      if (config_->on_signal) config_->on_signal(ctx_, state_, signal);
    }

    Behavior<Command> on_loaded(const Result<std::optional<DurableState>>& loaded) {
      if (!alive_) return behaviors::same();
      if (!loaded.ok()) return failed_load("loading: " + loaded.error().message);
      state_ = config_->empty_state;
      revision_ = 0;
      if (loaded.value()) {
        const DurableState& stored = *loaded.value();
        revision_ = stored.revision;
        if (!stored.deleted) {
          auto state = config_->schema.template decode<State>(ctx_.system(), stored.manifest,
                                                              stored.version, stored.payload);
          if (!state.ok()) return failed_load("decoding: " + state.error().message);
          state_ = std::move(state).value();
        }
      }
      busy_ = false;
      signal(RecoveryCompleted{revision_});
      return drain();
    }

    Behavior<Command> failed_load(const std::string& cause) {
      const std::string message =
          fmt::format("recovery of '{}' failed at revision {}: {}", id(), revision_, cause);
      ctx_.log().error("{}", message);
      signal(RecoveryFailed{make_error(Errc::corrupt, message)});
      throw RecoveryFailedError(message);
    }

    Behavior<Command> drain() {
      while (!busy_ && !held_.empty()) {
        Command command = std::move(held_.front());
        held_.pop_front();
        Behavior<Command> next = handle(std::move(command));
        if (next.kind() == BehaviorKind::stopped) return next;
      }
      return behaviors::same();
    }

    Behavior<Command> handle(Command&& command) {
      DurableEffect<State> effect = config_->command_handler(ctx_, state_, command);
      using Kind = typename DurableEffect<State>::Kind;
      switch (effect.kind()) {
        case Kind::persist:
        case Kind::remove:
          return write(std::move(effect));
        case Kind::stash:
          stash_.push_back(std::move(command));
          return finish(effect);
        case Kind::unhandled:
          ctx_.system().unhandled(ctx_.path(), message_type_name(command));
          return finish(effect);
        default:
          return finish(effect);
      }
    }

    Behavior<Command> finish(DurableEffect<State>& effect) {
      for (auto& side_effect : effect.side_effects())
        side_effect(state_);
      if (effect.stop_after()) return behaviors::stopped();
      if (effect.unstash_after()) {
        while (!stash_.empty()) {
          held_.push_front(std::move(stash_.back()));
          stash_.pop_back();
        }
      }
      return drain();
    }

    Behavior<Command> write(DurableEffect<State>&& effect) {
      const bool remove = effect.kind() == DurableEffect<State>::Kind::remove;
      auto pending = std::make_shared<DurableEffect<State>>(std::move(effect));
      Future<Done> written;
      if (remove) {
        written = config_->stores.durable_state->remove(id(), revision_ + 1);
      } else {
        const State& next = pending->events().front();
        auto encoded = config_->schema.encode(ctx_.system(), next);
        if (!encoded.ok())
          return rejected(*pending, make_error(Errc::refused,
                                               fmt::format("'{}': state is not serializable: {}",
                                                           id(), encoded.error().message)),
                          false);
        DurableState stored;
        stored.persistence_id = id();
        stored.revision = revision_ + 1;
        stored.manifest = std::move(encoded->manifest);
        stored.version = encoded->version;
        stored.payload = std::move(encoded->payload);
        stored.tag = config_->tag;
        written = config_->stores.durable_state->upsert(std::move(stored));
      }
      busy_ = true;
      auto self = this->shared_from_this();
      ctx_.on_complete_in_turn(std::move(written), [self, pending, remove](const Result<Done>& done) {
        return self->on_written(*pending, remove, done);
      });
      return behaviors::same();
    }

    Behavior<Command> on_written(DurableEffect<State>& effect, bool remove, const Result<Done>& done) {
      if (!alive_) return behaviors::same();
      if (!done.ok()) {
        if (done.error().code == Errc::refused) return rejected(effect, done.error(), true);
        throw PersistFailedError(fmt::format("'{}': writing revision {} failed: {}", id(),
                                             revision_ + 1, done.error().message));
      }
      ++revision_;
      state_ = remove ? config_->empty_state : std::move(effect.events().front());
      busy_ = false;
      return finish(effect);
    }

    Behavior<Command> rejected(DurableEffect<State>& effect, const Error& error, bool reload) {
      ctx_.log().warning("'{}': write rejected: {}", id(), error.message);
      for (auto& on_rejected : effect.rejected())
        on_rejected(error);
      signal(PersistRejected{error, revision_ + 1});
      if (reload) {
        load();  // what the store has now: a stale write means someone else wrote
        return behaviors::same();
      }
      busy_ = false;
      return drain();
    }

    std::shared_ptr<const Config> config_;
    ActorContext<Command>& ctx_;
    State state_;
    Revision revision_ = 0;
    bool busy_ = true;
    bool alive_ = true;
    std::deque<Command> held_;
    std::deque<Command> stash_;
  };

  std::shared_ptr<Config> config_;
};

}  // namespace orrery::persistence
