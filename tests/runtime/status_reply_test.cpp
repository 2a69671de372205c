// StatusReply and ask_with_status: a success's value, an error's text, a timeout; from outside
// an actor and through ctx.ask_with_status.
#include <support/harnesses.hpp>
#include <support/recorder.hpp>
#include <variant>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

struct Withdraw {
  int amount = 0;
  ActorRef<StatusReply<int>> reply_to;
};

/// An account with 10 in it: withdrawing more is refused with a reason; 0 is never answered.
Behavior<Withdraw> account() {
  return behaviors::receive<Withdraw>([](ActorContext<Withdraw>&, Withdraw& w) {
    if (w.amount == 0) return;
    if (w.amount > 10) {
      w.reply_to.tell(StatusReply<int>::error("insufficient funds: " + std::to_string(w.amount)));
    } else {
      w.reply_to.tell(StatusReply<int>::success(10 - w.amount));
    }
  });
}

TEST_CASE("a StatusReply holds a value or an error text", "[status-reply]") {
  auto ok = StatusReply<int>::success(3);
  REQUIRE(ok.is_success());
  REQUIRE(ok.value() == 3);
  auto refused = StatusReply<int>::error("no");
  REQUIRE(refused.is_error());
  REQUIRE(refused.error_message() == "no");
  Result<int> failed = StatusReply<int>(refused).to_result();
  REQUIRE_FALSE(failed.ok());
  REQUIRE(failed.error().code == Errc::refused);
  REQUIRE(failed.error().message == "no");
  REQUIRE(StatusAck::ack().is_success());
  REQUIRE(ok != refused);
}

TEMPLATE_TEST_CASE("ask_with_status completes with the value, the error text or the timeout",
                   "[status-reply][ask]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  auto acct = system->spawn(account(), "account");
  auto request = [](int amount) {
    return [amount](ActorRef<StatusReply<int>> r) {
      return Withdraw{amount, r};
    };
  };
  Future<int> paid = ask_with_status<int>(acct, request(4), 1s);
  Future<int> refused = ask_with_status<int>(acct, request(50), 1s);
  Future<int> silent = ask_with_status<int>(acct, request(0), 100ms);
  REQUIRE(h.run_until([&] { return paid.ready() && refused.ready() && silent.ready(); }, 5s));
  REQUIRE(paid.take().value() == 6);
  Result<int> no = refused.take();
  REQUIRE_FALSE(no.ok());
  REQUIRE(no.error().code == Errc::refused);
  REQUIRE(no.error().message == "insufficient funds: 50");
  Result<int> timed_out = silent.take();
  REQUIRE_FALSE(timed_out.ok());
  REQUIRE(timed_out.error().code == Errc::timeout);
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("ctx.ask_with_status delivers the adapted result to the actor",
                   "[status-reply][ask]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto acct = system->spawn(account(), "account");
  auto reply = out.ref();
  auto client =
      system->spawn(behaviors::setup<std::string>([acct, reply](ActorContext<std::string>& ctx) {
                      for (int amount : {3, 30}) {
                        ctx.template ask_with_status<int>(
                            acct,
                            [amount](ActorRef<StatusReply<int>> r) {
                              return Withdraw{amount, r};
                            },
                            1s,
                            [](const Result<int>& r) {
                              return r.ok() ? "left " + std::to_string(r.value())
                                            : "refused: " + r.error().message;
                            });
                      }
                      return behaviors::receive<std::string>(
                          [reply](ActorContext<std::string>&, std::string& s) { reply.tell(s); });
                    }),
                    "client");
  (void)client;
  REQUIRE(h.run_until(out.has(2), 5s));
  auto seen = out.messages();
  std::sort(seen.begin(), seen.end());
  REQUIRE(seen == std::vector<std::string>{"left 7", "refused: insufficient funds: 30"});
  h.shutdown(system);
}

}  // namespace
}  // namespace orrery
