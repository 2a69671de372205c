#pragma once
// ask: request-response with a timeout (Akka's ask pattern). The request is built from a
// one-shot reply ref; the Future completes exactly once: with the first reply, or with an
// Errc::timeout error when `timeout` passes first. Later replies go to dead letters.
//
//   Future<Balance> f = ask<Balance>(account, [](ActorRef<Balance> r) { return GetBalance{r}; }, 3s);
//   Result<Balance> b = f.get();              // production thread
//   Result<Balance> b = ctx.await(ask<...>);  // inside an actor (parks its turn)

#include <atomic>
#include <fmt/format.h>
#include <orrery/actor/actor_ref.hpp>
#include <orrery/actor/actor_system.hpp>
#include <orrery/actor/future.hpp>
#include <orrery/core/type_name.hpp>
#include <string>

namespace orrery {

namespace detail {

/// The reply side of one ask: a recipient that completes the promise.
template <class R>
class AskRecipient final : public Recipient<R> {
 public:
  AskRecipient(ActorSystem& system, std::string target_path)
      : system_(&system), id_(system.next_actor_id()), target_path_(std::move(target_path)) {
    system_->add_ref();
  }
  ~AskRecipient() override { system_->release(); }

  void tell(R&& reply) override {
    if (promise_.complete(std::move(reply))) {
      system_->env().timers.cancel(timer_.load(std::memory_order_acquire));
    } else {
      system_->dead_letter(path(), type_name<R>(), "ask already completed");
    }
  }
  std::string path() const override { return "/temp/$ask-" + std::to_string(id_); }
  std::uint64_t uid() const noexcept override { return id_; }
  ActorSystem& core() const noexcept override { return *system_; }
  bool terminated() const noexcept override { return promise_.completed(); }
  void add_watcher(CellBase& watcher) override;
  void remove_watcher(CellBase&) override {}

  Promise<R>& promise() noexcept { return promise_; }
  void set_timer(TimerId id) noexcept { timer_.store(id, std::memory_order_release); }
  const std::string& target_path() const noexcept { return target_path_; }

 private:
  ActorSystem* system_;
  std::uint64_t id_;
  std::string target_path_;
  Promise<R> promise_;
  std::atomic<TimerId> timer_{TimerId{}};
};

/// Sends a death notice to a watcher (used by recipients that are not cells).
void notify_terminated(CellBase& watcher, const RecipientBase& terminated);

template <class R>
void AskRecipient<R>::add_watcher(CellBase& watcher) {
  // An ask's reply ref lives until its answer; watching it only tells when that happened.
  if (promise_.completed()) notify_terminated(watcher, *this);
}

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
    reply->promise().fail(make_error(Errc::closed, "ask of " + target.path() +
                                                       ": its actor system has shut down"));
    return future;
  }
  Env& env = system.env();
  reply->set_timer(env.timers.schedule_at(env.clock.now() + timeout, [reply, timeout] {
    reply->promise().fail(make_error(
        Errc::timeout, fmt::format("ask of {} timed out after {} ms", reply->target_path(),
                                   std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count())));
  }));
  target.tell(make_request(ActorRef<R>(IntrusivePtr<Recipient<R>>(reply.get()))));
  return future;
}

}  // namespace orrery
