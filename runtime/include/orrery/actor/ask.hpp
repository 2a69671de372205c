#pragma once
// ask: request-response with a timeout (Akka's ask pattern). The request is built from a
// one-shot reply ref; the Future completes exactly once: with the first reply, or with an
// Errc::timeout error when `timeout` passes first. Later replies go to dead letters.
//
//   Future<Balance> f = ask<Balance>(account, [](ActorRef<Balance> r) { return GetBalance{r}; }, 3s);
//   Result<Balance> b = f.get();              // production thread
//   Result<Balance> b = ctx.await(ask<...>);  // inside an actor (parks its turn)

#include <atomic>
#include <exception>
#include <fmt/format.h>
#include <orrery/actor/actor_ref.hpp>
#include <orrery/actor/actor_system.hpp>
#include <orrery/actor/future.hpp>
#include <orrery/core/type_name.hpp>
#include <orrery/core/spin_lock.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace orrery {

namespace detail {

/// Sends a death notice to a watcher (used by recipients that are not cells).
void notify_terminated(CellBase& watcher, const RecipientBase& terminated);

/// Logs (as an error, to `system`'s log) that a continuation of the ask `ask_path` of
/// `target_path` threw.
void continuation_failed(ActorSystem& system, std::string_view ask_path,
                         std::string_view target_path, const std::exception_ptr& error);

/// The watchers of a recipient that is not a cell and terminates once (an ask's reply ref):
/// each is told when it completes, or at once if it already has. Thread-safe: a watch may race
/// with the completion, and exactly one of them tells the watcher.
class CompletionWatchers {
 public:
  CompletionWatchers() = default;
  CompletionWatchers(const CompletionWatchers&) = delete;
  CompletionWatchers& operator=(const CompletionWatchers&) = delete;

  void add(CellBase& watcher, const RecipientBase& watched);
  void remove(CellBase& watcher);
  /// Marks it complete and tells every watcher; later watchers are told at once.
  void complete(const RecipientBase& watched);

 private:
  SpinLock lock_;
  bool completed_ = false;                // under lock_
  std::vector<UntypedActorRef> watchers_;  // under lock_; one per watch, in watch order
};

/// The reply side of one ask: a recipient that completes the promise.
template <class R>
class AskRecipient final : public Recipient<R> {
 public:
  AskRecipient(ActorSystem& system, std::string target_path)
      : system_(&system),
        id_(system.next_actor_id()),
        target_path_(std::move(target_path)),
        promise_(system.blocking_wait_allowed() ? BlockingWait::allowed : BlockingWait::refused) {
    system_->add_ref();
  }
  ~AskRecipient() override { system_->release(); }

  void tell(R&& reply) override {
    if (finish(Result<R>(std::move(reply)))) {
      system_->env().timers.cancel(timer_.load(std::memory_order_acquire));
    } else {
      system_->dead_letter(path(), type_name<R>(), "ask already completed");
    }
  }
  /// Completes the ask (with the reply or the timeout's error) and tells its watchers; false
  /// when it had already completed. A continuation that throws is logged to the system's log:
  /// the completer (the replying actor, the timer thread, remoting's inbound thread) must not
  /// fail for it, and the other continuations and the watchers are still told.
  bool finish(Result<R> result) {
    try {
      if (!promise_.try_complete(std::move(result))) return false;
    } catch (...) {
      continuation_failed(*system_, path(), target_path_, std::current_exception());
    }
    watchers_.complete(*this);
    return true;
  }
  std::string path() const override { return "/temp/$ask-" + std::to_string(id_); }
  std::uint64_t uid() const noexcept override { return id_; }
  ActorSystem& core() const noexcept override { return *system_; }
  bool terminated() const noexcept override { return promise_.completed(); }
  /// The reply ref terminates when the ask completes: a watcher learns it then (at once if
  /// it already has), whether the answer came or the timeout passed.
  void add_watcher(CellBase& watcher) override { watchers_.add(watcher, *this); }
  void remove_watcher(CellBase& watcher) override { watchers_.remove(watcher); }

  Promise<R>& promise() noexcept { return promise_; }
  void set_timer(TimerId id) noexcept { timer_.store(id, std::memory_order_release); }
  const std::string& target_path() const noexcept { return target_path_; }

 private:
  ActorSystem* system_;
  std::uint64_t id_;
  std::string target_path_;
  Promise<R> promise_;
  std::atomic<TimerId> timer_{TimerId{}};
  CompletionWatchers watchers_;
};

}  // namespace detail

/// Asks `target`: `make_request(ActorRef<R>)` builds the message. Thread-safe; callable from
/// anywhere (inside an actor prefer ctx.ask or ctx.await).
template <class R, class M, class MakeRequest>
Future<R> ask(const ActorRef<M>& target, MakeRequest make_request, Duration timeout) {
  ORRERY_ASSERT(target, "ask() of a null ref");
  ORRERY_ASSERT(timeout.count() > 0, "an ask needs a positive timeout");
  ActorSystem& system = target.recipient()->core();
  IntrusivePtr<detail::AskRecipient<R>> reply(new detail::AskRecipient<R>(system, target.path()));
  Future<R> future = reply->promise().future();
  if (system.detached()) {
    reply->finish(make_error(Errc::closed, "ask of " + target.path() +
                                                       ": its actor system has shut down"));
    return future;
  }
  Env& env = system.env();
  reply->set_timer(env.timers.schedule_at(env.clock.now() + timeout, [reply, timeout] {
    reply->finish(make_error(
        Errc::timeout, fmt::format("ask of {} timed out after {} ms", reply->target_path(),
                                   std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count())));
  }));
  target.tell(make_request(ActorRef<R>(IntrusivePtr<Recipient<R>>(reply.get()))));
  return future;
}

}  // namespace orrery
