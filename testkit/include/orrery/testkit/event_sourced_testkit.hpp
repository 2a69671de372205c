#pragma once
// EventSourcedBehaviorTestKit (Akka's): runs one event-sourced entity over an in-memory journal
// wrapped in PolicyStores, and reports what each command did: the events it persisted, the state
// after them, and the reply. Every event and state (and, when asked, every command) goes through
// serialization and back, so what would not survive a real journal fails here first.
//
//   ActorTestKit kit;
//   EventSourcedBehaviorTestKit<Command, Event, State> es(kit, [](Stores stores) {
//     return account(std::move(stores), "a");
//   });
//   auto result = es.run_command<StatusReply<int64_t>>([](auto reply) { return Deposit{5, reply}; });
//   REQUIRE(result.events.size() == 1);
//   REQUIRE(result.state.balance == 5);
//   REQUIRE(result.reply.value() == 5);
//   es.restart();                       // a new incarnation recovers from the journal
//   es.policy().fail_next_writes(1);    // the next persist fails: the entity stops
//
// Header-only; link orrery::persistence beside orrery::testkit.

#include <concepts>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <orrery/persistence/event_sourced_behavior.hpp>
#include <orrery/persistence/memory_store.hpp>
#include <orrery/persistence/testkit/policy_stores.hpp>
#include <orrery/testkit/actor_testkit.hpp>

namespace orrery {

namespace detail {
/// Whether `a == b` compiles and means something: std::variant's == is declared for any
/// alternatives, so a variant counts only when each alternative has ==.
template <class T>
struct comparable : std::bool_constant<std::equality_comparable<T>> {};
template <class... Ts>
struct comparable<std::variant<Ts...>> : std::bool_constant<(std::equality_comparable<Ts> && ...)> {};
}  // namespace detail

template <class Command, class Event, class State>
class EventSourcedBehaviorTestKit {
 public:
  using Entity = persistence::EventSourcedBehavior<Command, Event, State>;
  using EffectType = typename Entity::EffectType;

  struct Options {
    /// Round-trip each persisted event and each state through serialization.
    bool verify_events = true;
    bool verify_state = true;
    /// Round-trip each command too (every command type must then be registered).
    bool verify_commands = false;
    Duration timeout = std::chrono::seconds(5);
  };

  struct CommandResult {
    std::vector<Event> events;
    State state;
  };
  template <class R>
  struct CommandResultWithReply : CommandResult {
    R reply;
  };

  EventSourcedBehaviorTestKit(ActorTestKit& kit, std::function<Entity(persistence::Stores)> make,
                              Options options = {})
      : kit_(kit),
        make_(std::move(make)),
        options_(options),
        data_(std::make_shared<persistence::MemoryStoreData>()),
        store_(std::make_shared<persistence::MemoryStore>(kit.system().env(), data_)),
        policy_(std::make_shared<persistence::PolicyStores>(persistence::Stores::of(store_))),
        observed_(std::make_shared<Observed>()) {
    spawn();
  }

  /// Sends `command` and waits until its effect is done: the events durable and folded, the
  /// side effects run (or the write rejected, or the entity stopped).
  CommandResult run_command(Command command) {
    if (options_.verify_commands) verify_roundtrip(command, "command");
    const std::uint64_t before = observed_->completed();
    const persistence::SequenceNr from = highest() + 1;
    ref_.tell(std::move(command));
    kit_.await([&] { return observed_->completed() > before || ref_.recipient()->terminated(); },
               options_.timeout, "the command's effect");
    CommandResult result{persisted_since(from), current_state()};
    if (options_.verify_state) verify_roundtrip(result.state, "state");
    return result;
  }

  /// Sends the command `make(reply_to)` and waits for its effect and its reply.
  template <class R, class Make>
  CommandResultWithReply<R> run_command(Make make) {
    TestProbe<R> probe = kit_.template create_probe<R>("reply");
    CommandResult done = run_command(Command(make(probe.ref())));
    return CommandResultWithReply<R>{std::move(done), probe.receive_message(options_.timeout)};
  }

  /// The entity's state now (after recovery, or after the last command).
  State state() {
    kit_.await([&] { return observed_->recovered(); }, options_.timeout, "recovery");
    return current_state();
  }

  /// Stops the entity and starts a new incarnation that recovers from the journal; its state.
  State restart() {
    if (!ref_.recipient()->terminated()) {
      host_.tell(StopEntity{});
      kit_.await([&] { return ref_.recipient()->terminated(); }, options_.timeout, "the stop");
    }
    spawn();
    return state();
  }

  /// Every event persisted so far, decoded.
  std::vector<Event> all_events() { return persisted_since(1); }
  bool stopped() const { return ref_.recipient()->terminated(); }
  ActorRef<Command> ref() const { return ref_; }
  persistence::PolicyStores& policy() { return *policy_; }
  const std::shared_ptr<persistence::MemoryStoreData>& data() const { return data_; }
  /// The signals seen, in order (RecoveryCompleted, PersistRejected, ...).
  std::vector<persistence::PersistenceSignal> signals() const { return observed_->signals(); }

 private:
  /// What the entity's hooks report, from its turns (thread-safe: the kit may run on threads).
  class Observed {
   public:
    void done(const State& state) {
      std::lock_guard lock(mutex_);
      state_ = state;
      ++completed_;
    }
    void signal(const State& state, const persistence::PersistenceSignal& signal) {
      std::lock_guard lock(mutex_);
      signals_.push_back(signal);
      if (std::holds_alternative<persistence::RecoveryCompleted>(signal)) {
        state_ = state;
        recovered_ = true;
      }
      if (std::holds_alternative<persistence::PersistRejected>(signal)) ++completed_;
    }
    void reset() {
      std::lock_guard lock(mutex_);
      recovered_ = false;
    }
    std::uint64_t completed() const {
      std::lock_guard lock(mutex_);
      return completed_;
    }
    bool recovered() const {
      std::lock_guard lock(mutex_);
      return recovered_;
    }
    std::optional<State> state() const {
      std::lock_guard lock(mutex_);
      return state_;
    }
    std::vector<persistence::PersistenceSignal> signals() const {
      std::lock_guard lock(mutex_);
      return signals_;
    }

   private:
    mutable std::mutex mutex_;
    std::optional<State> state_;
    std::uint64_t completed_ = 0;
    bool recovered_ = false;
    std::vector<persistence::PersistenceSignal> signals_;
  };

  void spawn() {
    observed_->reset();
    Entity behavior = make_(policy_->stores());
    persistence_id_ = behavior.persistence_id();
    std::shared_ptr<Observed> observed = observed_;
    behavior.wrap_command_handler([observed](typename Entity::CommandHandler inner) {
      return [observed, inner](ActorContext<Command>& ctx, const State& state, Command& command) {
        EffectType effect = inner(ctx, state, command);
        effect.side_effects().push_back([observed](const State& after) { observed->done(after); });
        return effect;
      };
    });
    behavior.observe_signals([observed](ActorContext<Command>&, const State& state,
                                        const persistence::PersistenceSignal& signal) {
      observed->signal(state, signal);
    });
    // The entity is the child of a host the kit can ask to stop it (a system stops no actor
    // from outside).
    orrery::Behavior<Command> entity = behavior.behavior();
    struct Slot {
      std::mutex mutex;
      ActorRef<Command> ref;
    };
    auto slot = std::make_shared<Slot>();
    host_ = kit_.spawn(behaviors::setup<StopEntity>([entity, slot](ActorContext<StopEntity>& ctx) {
                         ActorRef<Command> child = ctx.spawn(entity, "entity");
                         {
                           std::lock_guard lock(slot->mutex);
                           slot->ref = child;
                         }
                         return behaviors::receive<StopEntity>(
                             [child](ActorContext<StopEntity>& host, StopEntity&) { host.stop(child); });
                       }),
                       fmt::format("host-{}", ++incarnation_));
    auto spawned = [slot] {
      std::lock_guard lock(slot->mutex);
      return static_cast<bool>(slot->ref);
    };
    kit_.await(spawned, options_.timeout, "the entity's spawn");
    std::lock_guard lock(slot->mutex);
    ref_ = slot->ref;
  }

  State current_state() {
    auto state = observed_->state();
    if (!state) throw ProbeFailure("the entity has no state yet: it has not recovered");
    return *state;
  }

  persistence::SequenceNr highest() {
    std::lock_guard lock(data_->mutex);
    auto found = data_->entities.find(persistence_id_);
    return found == data_->entities.end() ? 0 : found->second.highest;
  }

  std::vector<Event> persisted_since(persistence::SequenceNr from) {
    std::vector<persistence::PersistentEvent> stored;
    {
      std::lock_guard lock(data_->mutex);
      auto found = data_->entities.find(persistence_id_);
      if (found != data_->entities.end()) {
        for (auto it = found->second.events.lower_bound(from); it != found->second.events.end(); ++it)
          stored.push_back(it->second.event);
      }
    }
    std::vector<Event> events;
    persistence::EventSchema<Event> schema;
    for (const auto& event : stored) {
      auto decoded = schema.template decode<Event>(kit_.system(), event.manifest, event.version, event.payload);
      if (!decoded.ok())
        throw ProbeFailure(fmt::format("event {} of '{}' does not decode: {}", event.sequence_nr,
                                       persistence_id_, decoded.error().message));
      if (options_.verify_events) verify_roundtrip(decoded.value(), "event");
      events.push_back(std::move(decoded).value());
    }
    return events;
  }

  /// decode(encode(value)) equals the value (when T has ==) and encodes to the same bytes.
  template <class T>
  void verify_roundtrip(const T& value, const char* what) {
    auto& serialization = kit_.system().serialization();
    auto& refs = kit_.system().ref_context();
    auto first = serialization.encode(value, refs);
    if (!first.ok())
      throw ProbeFailure(fmt::format("the {} does not serialize: {}", what, first.error().message));
    auto back = serialization.roundtrip(value, refs);
    if (!back.ok())
      throw ProbeFailure(fmt::format("the {} does not deserialize: {}", what, back.error().message));
    if constexpr (detail::comparable<T>::value) {
      if (!(back.value() == value))
        throw ProbeFailure(fmt::format("the {} changes in a serialization round trip ({}): a "
                                       "field is not serialized",
                                       what, first->manifest));
    }
    auto second = serialization.encode(back.value(), refs);
    if (!second.ok() || second->payload != first->payload || second->manifest != first->manifest)
      throw ProbeFailure(fmt::format("the {} changes in a serialization round trip ({})", what,
                                     first->manifest));
  }

  ActorTestKit& kit_;
  std::function<Entity(persistence::Stores)> make_;
  Options options_;
  std::shared_ptr<persistence::MemoryStoreData> data_;
  std::shared_ptr<persistence::MemoryStore> store_;
  std::shared_ptr<persistence::PolicyStores> policy_;
  std::shared_ptr<Observed> observed_;
  std::string persistence_id_;
  struct StopEntity {};
  ActorRef<StopEntity> host_;
  ActorRef<Command> ref_;
  std::uint32_t incarnation_ = 0;
};

}  // namespace orrery
