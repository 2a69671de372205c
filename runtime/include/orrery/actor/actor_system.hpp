#pragma once
// ActorSystem: one node's actors over one Env. It owns the guardians (/, /user, /system), the
// event stream, dead letters, the receptionist and coordinated shutdown.
//
//   ProductionEnv env(...);
//   auto system = ActorSystem::create(env.env(), {.name = "orders"});
//   auto orders = system->spawn(order_book(), "orders");
//   ...
//   system->terminate();                 // coordinated shutdown, then all actors stop
//   system->when_terminated().get();
//
// The simulator builds one per simulated node over that node's Env, and crashes a node with an
// explicit abort(): everything in memory is gone at once, with no PostStop and nothing delivered.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <orrery/actor/actor_ref.hpp>
#include <orrery/actor/behavior.hpp>
#include <orrery/actor/coordinated_shutdown.hpp>
#include <orrery/actor/effects.hpp>
#include <orrery/actor/receptionist.hpp>
#include <orrery/actor/event_stream.hpp>
#include <orrery/actor/events.hpp>
#include <orrery/actor/future.hpp>
#include <orrery/actor/message_roundtrip.hpp>
#include <orrery/actor/props.hpp>
#include <orrery/core/time.hpp>
#include <orrery/env/env.hpp>
#include <string>
#include <string_view>

namespace orrery {

class CellBase;
class ExportedRefs;
class LocalRefContext;
class RefContext;
class Serialization;

struct ActorSystemConfig {
  /// The system's name: part of every remote address, so it must match among peers.
  std::string name = "orrery";
  /// Messages an actor handles per turn before the worker moves on (fairness).
  std::uint32_t throughput = 100;
  /// Dead letters logged (the first ones) before logging stops; all are counted and published.
  std::uint32_t dead_letters_logged_max = 10;
  /// Test mode: every local message is serialized and deserialized on its way, to catch what
  /// would break across nodes (each message type must be registered; one that is not, or fails
  /// to encode, goes to dead letters with the reason logged).
  bool serialize_messages = false;
  /// Lines below this level are not logged.
  LogLevel log_level = LogLevel::info;
  /// Default timeout for each coordinated-shutdown phase.
  Duration shutdown_phase_timeout = std::chrono::seconds(10);
};

class ActorSystem;

/// Owning handle. Destroying it while the system runs terminates it gracefully (coordinated
/// shutdown, then every actor's PostStop) and waits, in both worlds: production blocks the
/// thread; the simulator runs the world until the system has terminated. Only where that cannot
/// happen (dropped inside the simulated world's own loop, or over an executor that can neither
/// block nor be driven) is the system aborted, with an error logged. A crash is explicit:
/// ActorSystem::abort (the simulator's World::crash).
class ActorSystemPtr {
 public:
  ActorSystemPtr() = default;
  explicit ActorSystemPtr(ActorSystem* system) : system_(system) {}
  ActorSystemPtr(ActorSystemPtr&& other) noexcept : system_(std::exchange(other.system_, nullptr)) {}
  ActorSystemPtr& operator=(ActorSystemPtr&& other) noexcept;
  ~ActorSystemPtr();

  ActorSystem* operator->() const noexcept { return system_; }
  ActorSystem& operator*() const noexcept { return *system_; }
  ActorSystem* get() const noexcept { return system_; }
  explicit operator bool() const noexcept { return system_ != nullptr; }
  void reset();

 private:
  ActorSystem* system_ = nullptr;
};

class ActorSystem {
 public:
  static ActorSystemPtr create(Env& env, ActorSystemConfig config = {});

  Env& env() const noexcept { return env_; }
  const ActorSystemConfig& config() const noexcept { return config_; }
  const std::string& name() const noexcept { return config_.name; }
  /// This incarnation's unique id (drawn from the Env's Random): a restarted node differs.
  std::uint64_t uid() const noexcept { return uid_; }
  /// The Env's fault points (null in production), kept here so that a cell still running after
  /// its system detached from a destroyed Env never reads the Env to ask.
  Buggify* buggify() const noexcept { return buggify_; }

  /// A top-level actor under /user. Throws ActorNameError on a clash or a bad name.
  template <class M>
  ActorRef<M> spawn(Behavior<M> behavior, std::string_view name, const Props& props = {});
  template <class M>
  ActorRef<M> spawn_anonymous(Behavior<M> behavior, const Props& props = {});
  /// A framework actor under /system (receptionist, remoting, cluster daemons).
  template <class M>
  ActorRef<M> spawn_system_actor(Behavior<M> behavior, std::string_view name, const Props& props = {});

  EventStream& event_stream() noexcept { return event_stream_; }
  /// The receptionist actor (/system/receptionist): see <orrery/actor/receptionist.hpp>.
  const ActorRef<ReceptionistCommand>& receptionist() const noexcept { return receptionist_; }
  CoordinatedShutdown& coordinated_shutdown() noexcept { return *coordinated_shutdown_; }

  /// Runs coordinated shutdown, then stops /user (children first), then /system. Idempotent.
  void terminate(std::string reason = "actor system terminate");
  /// Completes when every actor has stopped.
  Future<Done> when_terminated() const { return terminated_.future(); }
  bool terminated() const noexcept { return terminated_.completed(); }
  /// True once the owning handle let go (or after abort): the Env may be gone, so the system
  /// only counts dead letters and every ask fails at once.
  bool detached() const noexcept { return detached_.load(std::memory_order_acquire); }
  /// Terminates (as terminate()) and waits until every actor has stopped: blocks the thread,
  /// or drives a single-threaded executor (the simulator's) until then. What dropping the
  /// owning handle does.
  void terminate_and_wait();
  /// Whether a thread may block on this system's futures (Future::get): not on the simulator's.
  bool blocking_wait_allowed() const noexcept { return blocking_wait_allowed_; }
  /// A crash: tears everything down at once (no signals, nothing delivered, parked turns
  /// unwound). Only when no turn of this system is running (the simulator's world loop).
  void abort();

  /// Counts a dead letter, publishes it, and logs the first few.
  void dead_letter(std::string recipient, std::string_view message_type, std::string_view reason);
  std::uint64_t dead_letter_count() const noexcept {
    return dead_letters_.load(std::memory_order_relaxed);
  }
  void unhandled(std::string recipient, std::string_view message_type);

  /// Writes a log line (when at or above the configured level).
  void log(LogLevel level, std::string_view source, std::string_view message);
  bool logs(LogLevel level) const noexcept;

  std::uint64_t next_actor_id() noexcept {
    return next_actor_id_.fetch_add(1, std::memory_order_relaxed);
  }

  /// Finds a local actor by path ("/user/a/b"); null when none.
  CellBase* resolve(std::string_view path);

  /// The serialization registry (remoting, and the serialize-everything test mode). Declared in
  /// <orrery/remote/serialization.hpp>, which the actor API does not include.
  Serialization& serialization() noexcept { return *serialization_; }
  /// The serialize-everything test mode: `message` (of `type`) encoded and decoded again through
  /// the registry's type-erased round trip, with refs written as remoting would write them.
  Result<AnyMessage> roundtrip(std::type_index type, std::string_view type_name,
                               const void* message) {
    return roundtrip_->roundtrip(type, type_name, message, ref_context());
  }
  /// How refs inside messages are written and read: remoting's when it is running, else local.
  RefContext& ref_context() noexcept;
  void set_ref_context(RefContext* context) noexcept;  // null: back to local
  ExportedRefs& exported_refs() noexcept { return *exported_refs_; }

  /// Installs (or, with null, removes) the observer of actors' effects (testkit).
  void set_effect_observer(EffectObserver* observer) noexcept {
    effect_observer_.store(observer, std::memory_order_release);
  }
  /// Reports an effect to the observer, if any.
  void report_effect(const CellBase& actor, const Effect& effect) {
    if (EffectObserver* observer = effect_observer_.load(std::memory_order_acquire)) {
      observer->on_effect(actor, effect);
    }
  }
  bool observing_effects() const noexcept {
    return effect_observer_.load(std::memory_order_relaxed) != nullptr;
  }

  void add_ref() const noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() const noexcept;

  CellBase& user_guardian() noexcept { return *user_guardian_; }
  CellBase& system_guardian() noexcept { return *system_guardian_; }

  ActorSystem(const ActorSystem&) = delete;
  ActorSystem& operator=(const ActorSystem&) = delete;

 private:
  ActorSystem(Env& env, ActorSystemConfig config);
  ~ActorSystem();
  friend class CellBase;
  friend class ActorSystemPtr;
  friend struct CoordinatedShutdownRunner;

  template <class M>
  ActorRef<M> spawn_under(CellBase& parent, Behavior<M> behavior, std::string_view name,
                          const Props& props);
  void on_root_terminated();
  void release_services();
  void guardian_terminated(CellBase& guardian);
  void stop_guardians();

  Env& env_;
  ActorSystemConfig config_;
  std::uint64_t uid_;
  Buggify* buggify_;
  bool blocking_wait_allowed_;
  mutable std::atomic<std::uint32_t> refs_{0};
  std::atomic<std::uint64_t> next_actor_id_{1};
  std::atomic<std::uint64_t> dead_letters_{0};
  std::atomic<bool> terminating_{false};
  std::atomic<bool> aborted_{false};
  std::atomic<bool> detached_{false};  // the owner let go: the Env may be gone
  EventStream event_stream_;
  Promise<Done> terminated_;
  CellBase* root_ = nullptr;
  CellBase* user_guardian_ = nullptr;
  CellBase* system_guardian_ = nullptr;
  std::unique_ptr<Serialization> serialization_;
  const MessageRoundtrip* roundtrip_;  // the serialization registry's
  std::unique_ptr<ExportedRefs> exported_refs_;
  std::unique_ptr<LocalRefContext> local_refs_;
  std::atomic<RefContext*> ref_context_{nullptr};
  std::atomic<EffectObserver*> effect_observer_{nullptr};
  std::unique_ptr<CoordinatedShutdown> coordinated_shutdown_;
  ActorRef<ReceptionistCommand> receptionist_;
};

}  // namespace orrery
