// EventSourcedBehaviorTestKit: a command's events, state and reply; restart recovers; the policy
// makes a write fail; a type that does not survive serialization is caught.
#include <catch2/catch.hpp>

#include <orrery/testkit/event_sourced_testkit.hpp>

#include "bank_account.hpp"

namespace orrery {
namespace {

using Reply = StatusReply<std::int64_t>;
using Kit = EventSourcedBehaviorTestKit<bank::Command, bank::Event, bank::Account>;

TEST_CASE("the event-sourced testkit shows each command's events, state and reply",
          "[persistence][testkit]") {
  ActorTestKit kit;
  bank::register_types(kit.system());
  Kit es(kit, [](persistence::Stores stores) { return bank::account(std::move(stores), "t"); });
  REQUIRE(es.state() == bank::Account{});
  auto deposited = es.run_command<Reply>([](ActorRef<Reply> r) { return bank::Deposit{5, r}; });
  REQUIRE(deposited.events.size() == 1);
  REQUIRE(std::get<bank::Deposited>(deposited.events[0]).amount == 5);
  REQUIRE(deposited.state == bank::Account{5, 1});
  REQUIRE(deposited.reply.value() == 5);
  auto churned = es.run_command<Reply>([](ActorRef<Reply> r) { return bank::Churn{3, r}; });
  REQUIRE(churned.events.size() == 2);
  REQUIRE(churned.state == bank::Account{5, 3});
  auto refused = es.run_command<Reply>([](ActorRef<Reply> r) { return bank::Withdraw{50, r}; });
  REQUIRE(refused.events.empty());
  REQUIRE(refused.reply.is_error());
  REQUIRE(es.restart() == bank::Account{5, 3});
  REQUIRE(es.all_events().size() == 3);
}

TEST_CASE("the event-sourced testkit's policy fails or rejects the next write",
          "[persistence][testkit]") {
  ActorTestKit kit;
  bank::register_types(kit.system());
  Kit es(kit, [](persistence::Stores stores) { return bank::account(std::move(stores), "p"); });
  es.policy().reject_next_writes(1);
  auto rejected = es.run_command<Reply>([](ActorRef<Reply> r) { return bank::Deposit{5, r}; });
  REQUIRE(rejected.reply.is_error());
  REQUIRE(rejected.events.empty());
  REQUIRE_FALSE(es.stopped());
  es.policy().fail_next_writes(1);
  auto failed = es.run_command(bank::Command{bank::Deposit{5, {}}});
  REQUIRE(failed.events.empty());
  REQUIRE(es.stopped());
  REQUIRE(es.restart() == bank::Account{});
}

struct Lossy {
  std::int64_t kept = 0;
  std::int64_t lost = 0;  // not in its field list: lost in a round trip
  friend bool operator==(const Lossy&, const Lossy&) = default;
};

}  // namespace
}  // namespace orrery

ORRERY_FIELDS(orrery::Lossy, &orrery::Lossy::kept);

namespace orrery {
namespace {

TEST_CASE("the event-sourced testkit catches a state that does not survive serialization",
          "[persistence][testkit]") {
  ActorTestKit kit;
  (void)kit.system().serialization().register_type<Lossy>("test.Lossy");
  using Cmd = std::int64_t;
  using LossyKit = EventSourcedBehaviorTestKit<Cmd, Lossy, Lossy>;
  LossyKit es(kit, [](persistence::Stores stores) {
    return persistence::EventSourcedBehavior<Cmd, Lossy, Lossy>(
        std::move(stores), "Lossy|1", Lossy{},
        [](ActorContext<Cmd>&, const Lossy&, Cmd& n) {
          return persistence::Effect<Lossy, Lossy>::persist(Lossy{n, n});
        },
        [](Lossy& state, const Lossy& event) {
          state.kept += event.kept;
          state.lost += event.lost;
        });
  });
  REQUIRE_THROWS_WITH(es.run_command(Cmd{4}),
                      Catch::Contains("changes in a serialization round trip"));
}

}  // namespace
}  // namespace orrery
