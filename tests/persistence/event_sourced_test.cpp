// EventSourcedBehavior on the memory store, on every executor: replies only after the events are
// durable, recovery to the same state, atomic multi-event writes, snapshots with tail replay,
// retention, stash while persisting, stop after persist.
#include <support/harnesses.hpp>

#include <catch2/catch.hpp>

#include <orrery/persistence/memory_store.hpp>

#include "bank_account.hpp"

namespace orrery::persistence {
namespace {

using namespace std::chrono_literals;
using Reply = StatusReply<std::int64_t>;

template <class Harness>
struct Fixture {
  Harness h;
  std::shared_ptr<MemoryStoreData> data = std::make_shared<MemoryStoreData>();
  ActorSystemPtr system = ActorSystem::create(h.env());
  std::shared_ptr<MemoryStore> store = std::make_shared<MemoryStore>(h.env(), data);
  Fixture() { bank::register_types(*system); }
  Stores stores() { return Stores::of(store); }

  template <class Request>
  Result<std::int64_t> call(const ActorRef<bank::Command>& account, Request make) {
    Future<std::int64_t> answer = ask_with_status<std::int64_t>(
        account, [&](ActorRef<Reply> r) { return bank::Command{make(r)}; }, 5s);
    REQUIRE(h.run_until([&] { return answer.ready(); }, 10s));
    return answer.take();
  }
  bank::Account balance(const ActorRef<bank::Command>& account) {
    Future<bank::Account> answer = ask<bank::Account>(
        account, [](ActorRef<bank::Account> r) { return bank::Command{bank::GetBalance{r}}; }, 5s);
    REQUIRE(h.run_until([&] { return answer.ready(); }, 10s));
    auto result = answer.take();
    INFO((result.ok() ? "" : result.error().message));
    REQUIRE(result.ok());
    return result.value();
  }
  std::size_t stored_events(const std::string& id) {
    std::lock_guard lock(data->mutex);
    auto found = data->entities.find("Account|" + id);
    return found == data->entities.end() ? 0 : found->second.events.size();
  }
};

auto deposit(std::int64_t amount) {
  return [amount](ActorRef<Reply> r) {
    return bank::Deposit{amount, r};
  };
}

TEMPLATE_TEST_CASE("an event-sourced actor replies once its events are stored and recovers them",
                   "[persistence][event-sourced]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  auto account = f.system->spawn(bank::account(f.stores(), "a").behavior(), "a");
  REQUIRE(f.call(account, deposit(10)).value() == 10);
  REQUIRE(f.stored_events("a") == 1);
  REQUIRE(f.call(account, deposit(5)).value() == 15);
  auto refused = f.call(account, [](ActorRef<Reply> r) { return bank::Withdraw{100, r}; });
  REQUIRE_FALSE(refused.ok());
  REQUIRE(f.stored_events("a") == 2);
  REQUIRE(f.call(account, [](ActorRef<Reply> r) { return bank::Churn{7, r}; }).value() == 15);
  REQUIRE(f.stored_events("a") == 4);
  // A second incarnation over the same store recovers the same state.
  f.h.shutdown(f.system);
  f.system = ActorSystem::create(f.h.env());
  bank::register_types(*f.system);
  auto again = f.system->spawn(bank::account(f.stores(), "a").behavior(), "a");
  REQUIRE(f.balance(again) == bank::Account{15, 4});
  f.h.shutdown(f.system);
}

TEMPLATE_TEST_CASE("commands sent while an event is being written wait, in order",
                   "[persistence][event-sourced]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  auto account = f.system->spawn(bank::account(f.stores(), "b").behavior(), "b");
  std::vector<Future<std::int64_t>> answers;
  for (int i = 1; i <= 50; ++i)
    answers.push_back(ask_with_status<std::int64_t>(
        account,
        [](ActorRef<Reply> r) {
          return bank::Command{bank::Deposit{1, r}};
        },
        5s));
  REQUIRE(f.h.run_until(
      [&] {
        return std::all_of(answers.begin(), answers.end(), [](auto& a) { return a.ready(); });
      },
      10s));
  for (int i = 0; i < 50; ++i) {
    auto answer = answers[static_cast<std::size_t>(i)].take();
    INFO(i << ": " << (answer.ok() ? "" : answer.error().message));
    REQUIRE(answer.ok());
    REQUIRE(answer.value() == i + 1);
  }
  f.h.shutdown(f.system);
}

TEMPLATE_TEST_CASE("a snapshot plus the events after it recover what the full replay does",
                   "[persistence][event-sourced][snapshot]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  auto stats = std::make_shared<PersistentActorStats>();
  auto failures = std::make_shared<std::vector<std::string>>();
  auto spawn = [&](const std::string& name) {
    return f.system->spawn(
        bank::account(f.stores(), "c")
            .snapshot_every(10, 2, true)
            .stats_sink(stats)
            .on_signal([failures](ActorContext<bank::Command>&, const bank::Account&,
                                  const PersistenceSignal& signal) {
              if (auto* failed = std::get_if<RecoveryFailed>(&signal))
                failures->push_back(failed->error.message);
            })
            .behavior(),
        name);
  };
  auto account = spawn("c");
  for (int i = 1; i <= 57; ++i) {
    auto answer = f.call(account, deposit(i));
    INFO(i << ": " << (answer.ok() ? "" : answer.error().message));
    REQUIRE(answer.ok());
    REQUIRE(answer.value() == i * (i + 1) / 2);
  }
  REQUIRE(f.h.run_until([&] { return stats->snapshots_saved == 5; }, 5s));
  f.h.pass(100ms);
  {
    std::lock_guard lock(f.data->mutex);
    // Kept: the two newest snapshots (40, 50); events before 30 are deleted.
    std::vector<SequenceNr> kept;
    for (const auto& [key, snapshot] : f.data->snapshots)
      kept.push_back(key.second);
    REQUIRE(kept == std::vector<SequenceNr>{40, 50});
    REQUIRE(f.data->entities.at("Account|c").events.begin()->first == 31);
    REQUIRE(f.data->entities.at("Account|c").highest == 57);
  }
  f.h.shutdown(f.system);
  f.system = ActorSystem::create(f.h.env());
  bank::register_types(*f.system);
  const auto recovered_before = stats->events_recovered;
  account = spawn("c2");
  f.h.pass(100ms);
  INFO((failures->empty() ? std::string() : failures->front()));
  REQUIRE(failures->empty());
  REQUIRE(f.balance(account) == bank::Account{57 * 58 / 2, 57});
  // Only the tail after the snapshot at 50 was replayed.
  REQUIRE(stats->events_recovered - recovered_before == 7);
  f.h.shutdown(f.system);
}

TEMPLATE_TEST_CASE("close persists, replies and stops the actor", "[persistence][event-sourced]",
                   ORRERY_HARNESSES) {
  Fixture<TestType> f;
  auto account = f.system->spawn(bank::account(f.stores(), "d").behavior(), "d");
  REQUIRE(f.call(account, deposit(3)).value() == 3);
  REQUIRE(f.call(account, [](ActorRef<Reply> r) { return bank::Close{r}; }).value() == 3);
  REQUIRE(f.h.run_until([&] { return account.recipient()->terminated(); }, 5s));
  REQUIRE(f.stored_events("d") == 2);
  f.h.shutdown(f.system);
}

}  // namespace
}  // namespace orrery::persistence
