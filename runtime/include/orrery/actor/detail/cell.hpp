#pragma once
// CellBase: the untyped half of a local actor: identity, lifecycle, system messages, children,
// death watch, supervision and stopping. TypedCell<M> adds the mailbox of M, the behavior and the
// turn loop. Internal: users see ActorRef<M> and ActorContext<M>.
//
// Threading: a cell's turn runs on one thread at a time (the executor never runs a Runnable
// twice at once, and a cell is scheduled at most once: `scheduled_` under `lock_`). Everything
// not under `lock_` or atomic belongs to the turn. Other threads only enqueue (mail, system
// messages) and read the children registry under its own lock (path resolution).

#include <atomic>
#include <cstdint>
#include <exception>
#include <map>
#include <orrery/actor/actor_ref.hpp>
#include <orrery/actor/props.hpp>
#include <orrery/actor/signals.hpp>
#include <orrery/actor/supervision.hpp>
#include <orrery/core/spin_lock.hpp>
#include <orrery/core/time.hpp>
#include <orrery/core/unique_function.hpp>
#include <orrery/env/executor.hpp>
#include <orrery/env/timers.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace orrery {

class ActorSystem;
class Fiber;
class FiberHost;

/// An error spawning an actor: a name that is invalid or already taken among the siblings, or a
/// parent that is stopping. Thrown (inside an actor it fails the actor, as in Akka).
class ActorNameError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// A bounded mailbox with OverflowPolicy::fail_sender was full.
class MailboxOverflowError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A StashBuffer was full.
class StashOverflowError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Operations on the system's internal messages between cells; one struct for every kind keeps
/// the queue intrusive and the dispatch a switch.
struct SystemMessage {
  enum class Kind : std::uint8_t {
    stop,              // stop (from the parent, or the system)
    watch,             // `ref` (a watcher) wants a death notice
    unwatch,           // `ref` no longer does
    death_notice,      // `ref` (watched) terminated; `error` if it failed
    child_terminated,  // the child `ref` finished stopping
    child_escalated,   // the child `ref` failed with `error` and escalated
    timer,             // the typed timer `key` of generation `generation` is due
    backoff_over,      // restart after a backoff delay
    run,               // run `task` in a turn (adapter failures, futures piped to self)
  };

  explicit SystemMessage(Kind k) : kind(k) {}

  SystemMessage* next = nullptr;
  Kind kind;
  UntypedActorRef ref;
  std::exception_ptr error;
  std::uint64_t key = 0;
  std::uint64_t generation = 0;
  UniqueFunction<void(CellBase&)> task;
};

class CellBase : public Runnable {
 public:
  enum class Lifecycle : std::uint8_t {
    created,      // spawned; the first turn starts the behavior
    running,
    restarting,   // waiting for children to stop before a restart
    backing_off,  // waiting for the backoff delay before a restart
    stopping,     // waiting for children to stop before terminating
    terminated,
  };

  CellBase(ActorSystem& system, CellBase* parent, std::uint64_t id, const Props& props);
  CellBase(const CellBase&) = delete;
  CellBase& operator=(const CellBase&) = delete;

  std::uint64_t id() const noexcept { return trace_id; }
  ActorSystem& system() const noexcept { return *system_; }
  CellBase* parent() const noexcept { return parent_; }
  /// The name among its siblings: given, or "$" and the id in base 36 for anonymous actors.
  std::string name() const;
  /// "/user/orders/o-17".
  std::string path() const;
  Lifecycle lifecycle() const noexcept { return lifecycle_.load(std::memory_order_acquire); }
  bool is_terminated() const noexcept { return lifecycle() == Lifecycle::terminated; }

  /// The recipient face of the cell (its TypedCell<M>), for references and counting.
  virtual RecipientBase& recipient() noexcept = 0;
  UntypedActorRef self_untyped() { return UntypedActorRef(IntrusivePtr<RecipientBase>(&recipient())); }

  /// Thread-safe: queues a system message and schedules the cell. A terminated cell answers a
  /// watch at once and drops the rest.
  void post_system(SystemMessage* message);
  void post_stop() { post_system(new SystemMessage(SystemMessage::Kind::stop)); }
  /// Schedules a just-spawned actor whose setup must run: its first turn starts it.
  void schedule_start();

  /// Children registry (thread-safe reads for path resolution).
  CellBase* find_child(std::string_view name);
  std::vector<UntypedActorRef> children();

  /// Whether `watcher` was registered (for tests and remote watch).
  void add_watcher_from(CellBase& watcher);
  void remove_watcher_from(CellBase& watcher);

  /// The fiber this actor's turn is parked on while it awaits (for cancellation and reports).
  Fiber* parked_fiber() const noexcept;

  /// During a turn: the fiber host running it.
  FiberHost* host() const noexcept { return host_; }

  /// Turn-owned operations used by ActorContext.
  void register_child(CellBase& child, std::string_view name);  // throws ActorNameError
  void stop_child(CellBase& child);                               // throws if not a child
  void watch(const UntypedActorRef& target);
  void unwatch(const UntypedActorRef& target);
  bool watching(const UntypedActorRef& target) const;
  void stop_self();
  void set_parked_fiber(Fiber* fiber);

  /// Immediate teardown for ActorSystem::abort (a crash): no signals, nothing delivered. Only
  /// when no turn of this system runs.
  void abort_subtree();

 protected:
  ~CellBase();

  /// The typed half's part of a turn.
  virtual void start_behavior() = 0;          // canonicalize the initial behavior (setup)
  virtual bool deliver_signal(const Signal& signal) = 0;  // false: unhandled
  virtual void restart_behavior() = 0;        // back to the supervised behavior, set up again
  virtual void drain_mailbox(const char* reason) = 0;  // everything queued to dead letters
  virtual void release_state() = 0;           // behavior, timers, stash: free them
  virtual void fire_timer(std::uint64_t key, std::uint64_t generation) = 0;
  virtual void cancel_timers() = 0;
  virtual bool deliver_watch_message(const UntypedActorRef& ref) = 0;  // watch_with
  virtual const std::vector<FailureClause>* supervision_clauses() const = 0;

  /// Takes and handles the queued system messages; true if any.
  bool process_system_messages();
  /// Handles an exception thrown by the behavior (supervision).
  void handle_failure(std::exception_ptr error, const char* during);
  /// Hands an idle cell to the executor (the caller has just set `scheduled_`): the schedule
  /// holds a reference until the turn goes idle or the executor discards it.
  void schedule_from_idle();
  /// Hands a cell that stays scheduled (its turn used up its throughput) back to the executor.
  void reschedule();
  bool has_system_messages() const noexcept {
    return system_head_.load(std::memory_order_relaxed) != nullptr;
  }
  bool can_process_messages() const noexcept {
    return lifecycle_.load(std::memory_order_relaxed) == Lifecycle::running;
  }
  void set_lifecycle(Lifecycle lifecycle) noexcept {
    lifecycle_.store(lifecycle, std::memory_order_release);
  }

  SpinLock lock_;
  bool scheduled_ = false;      // under lock_: the cell is queued on the executor or running
  bool bounded_ = false;        // the typed mailbox is bounded
  std::atomic<Lifecycle> lifecycle_{Lifecycle::created};
  ActorSystem* system_;         // counted: the system core outlives its cells
  CellBase* parent_;            // counted (the recipient's count) for the path
  std::atomic<SystemMessage*> system_head_{nullptr};  // LIFO under lock_; reversed when taken
  FiberHost* host_ = nullptr;

 private:
  struct Extras;
  Extras& extras();
  void handle_system(SystemMessage& message);
  void on_death_notice(SystemMessage& message);
  void on_child_terminated(CellBase& child);
  void begin_restart(const SupervisorStrategy& strategy, std::exception_ptr error);
  void complete_restart();
  void finish_stop();
  void stop_children();
  bool restart_allowed(const SupervisorStrategy& strategy);
  bool in_restart_setup() const noexcept;  // a restart's setup is running
  Duration next_backoff(const SupervisorStrategy& strategy);
  std::size_t child_count() const noexcept;
  void post_system_to_terminated(SystemMessage* message);

  // Siblings list (under the parent's registry lock).
  CellBase* prev_sibling_ = nullptr;
  CellBase* next_sibling_ = nullptr;
  // Children, watchers, supervision state: allocated on first use (by the turn, or by a spawn
  // from outside into a guardian), read by other threads for path resolution: hence atomic.
  std::atomic<Extras*> extras_{nullptr};
  Extras* extras_if() const noexcept { return extras_.load(std::memory_order_acquire); }

  friend class ActorSystem;
};

}  // namespace orrery
