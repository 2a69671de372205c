#pragma once
// StatusReply<T>: a reply that is either a value or an error text (Akka's StatusReply), and
// ask_with_status, an ask whose Future<T> holds the value or fails with the error text:
//
//   struct Withdraw { int amount; ActorRef<StatusReply<int>> reply_to; };
//   ... w.reply_to.tell(StatusReply<int>::error("insufficient funds"));
//   Future<int> f = ask_with_status<int>(account, [](auto r) { return Withdraw{5, r}; }, 3s);
//   // f fails with Errc::refused and the message "insufficient funds"
//
// Inside an actor, ctx.ask_with_status delivers the adapted Result<T> as a message.

#include <string>
#include <utility>
#include <variant>

#include <orrery/actor/ask.hpp>
#include <orrery/actor/detail/context_impl.hpp>
#include <orrery/actor/future.hpp>

namespace orrery {

template <class T>
class StatusReply {
 public:
  /// A successful reply carrying `value`.
  static StatusReply success(T value) {
    return StatusReply(std::in_place_index<0>, std::move(value));
  }
  /// A failed reply; `message` says why, for the asker.
  static StatusReply error(std::string message) {
    return StatusReply(std::in_place_index<1>, std::move(message));
  }
  /// StatusReply<Done>::ack(): success without a value (Akka's StatusReply.Ack).
  static StatusReply ack() requires std::is_same_v<T, Done> { return success(Done{}); }

  bool is_success() const noexcept { return outcome_.index() == 0; }
  bool is_error() const noexcept { return outcome_.index() == 1; }
  /// The value; only for a success.
  const T& value() const {
    ORRERY_ASSERT(is_success(), "value() of an error StatusReply");
    return std::get<0>(outcome_);
  }
  /// The error text; only for an error.
  const std::string& error_message() const {
    ORRERY_ASSERT(is_error(), "error_message() of a successful StatusReply");
    return std::get<1>(outcome_);
  }
  /// The value, or an Errc::refused Error with the error text.
  Result<T> to_result() && {
    if (is_success()) return Result<T>(std::get<0>(std::move(outcome_)));
    return Result<T>(make_error(Errc::refused, std::get<1>(std::move(outcome_))));
  }

  friend bool operator==(const StatusReply&, const StatusReply&) = default;

 private:
  template <std::size_t I, class V>
  StatusReply(std::in_place_index_t<I> index, V&& v) : outcome_(index, std::forward<V>(v)) {}
  std::variant<T, std::string> outcome_;
};

/// StatusReply<Done>: a success that carries nothing (Akka's StatusReply.Ack).
using StatusAck = StatusReply<Done>;

/// Asks `target` for a StatusReply<T>: `make_request(ActorRef<StatusReply<T>>)` builds the
/// message. The Future holds the value of a success; it fails with Errc::refused and the error
/// text for an error reply, and with Errc::timeout when no reply comes within `timeout`.
template <class T, class M, class MakeRequest>
Future<T> ask_with_status(const ActorRef<M>& target, MakeRequest make_request, Duration timeout) {
  Future<StatusReply<T>> reply = ask<StatusReply<T>>(target, std::move(make_request), timeout);
  // The inner ask's answer to "may get() block here?": refused on the simulator's thread.
  Promise<T> unwrapped(reply.state()->blocking());
  Future<T> future = unwrapped.future();
  reply.on_complete([unwrapped](const Result<StatusReply<T>>& result) mutable {
    if (!result.ok()) {
      unwrapped.fail(result.error());
      return;
    }
    StatusReply<T> status = result.value();
    unwrapped.try_complete(std::move(status).to_result());
  });
  return future;
}

template <class M>
template <class Res, class Req, class MakeRequest, class F>
void ActorContext<M>::ask_with_status(const ActorRef<Req>& target, MakeRequest make_request,
                                      Duration timeout, F adapt) {
  pipe_to_self(orrery::ask_with_status<Res>(target, std::move(make_request), timeout),
               std::move(adapt));
}

}  // namespace orrery
