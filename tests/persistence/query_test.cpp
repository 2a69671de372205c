// Persistence queries over the memory store: current queries return what is stored, in offset
// order; live queries deliver what is stored later too, resume after an offset, and stop; live
// persistence ids report each id once.
#include <support/harnesses.hpp>
#include <support/recorder.hpp>

#include <catch2/catch.hpp>

#include <orrery/persistence/memory_store.hpp>
#include <orrery/persistence/query.hpp>

#include "bank_account.hpp"

namespace orrery::persistence {
namespace {

using namespace std::chrono_literals;
using Reply = StatusReply<std::int64_t>;

template <class Harness>
struct Fixture {
  Harness h;
  ActorSystemPtr system = ActorSystem::create(h.env());
  std::shared_ptr<MemoryStore> store =
      std::make_shared<MemoryStore>(h.env(), std::make_shared<MemoryStoreData>());
  std::map<std::string, ActorRef<bank::Command>> accounts;
  Fixture() { bank::register_types(*system); }
  BlockingWait blocking() {
    return h.env().executor.supports_blocking_wait() ? BlockingWait::allowed
                                                     : BlockingWait::refused;
  }
  void deposit(const std::string& id, std::int64_t amount) {
    auto& ref = accounts[id];
    if (!ref) {
      ref =
          system->spawn(bank::account(Stores::of(store), id)
                            .tagger([](const bank::Event& e) {
                              std::vector<std::string> tags{"bank"};
                              if (auto* d = std::get_if<bank::Deposited>(&e); d && d->amount >= 100)
                                tags.push_back("big");
                              return tags;
                            })
                            .behavior(),
                        id);
    }
    Future<std::int64_t> answer = ask_with_status<std::int64_t>(
        ref,
        [&](ActorRef<Reply> r) {
          return bank::Command{bank::Deposit{amount, r}};
        },
        5s);
    REQUIRE(h.run_until([&] { return answer.ready(); }, 10s));
    REQUIRE(answer.take().ok());
  }
  template <class T>
  T wait(Future<T> future) {
    REQUIRE(h.run_until([&] { return future.ready(); }, 10s));
    return future.take().value();
  }
};

TEMPLATE_TEST_CASE("current queries return what is stored, by tag in offset order",
                   "[persistence][query]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  f.deposit("a", 5);
  f.deposit("b", 100);
  f.deposit("a", 200);
  f.deposit("c", 1);
  auto all = f.wait(current_events_by_tag(f.store, "bank", 0, f.blocking(), 2));
  REQUIRE(all.size() == 4);
  for (std::size_t i = 1; i < all.size(); ++i)
    REQUIRE(all[i].offset > all[i - 1].offset);
  std::vector<std::string> ids;
  for (auto& e : all)
    ids.push_back(e.event.persistence_id);
  REQUIRE(ids == std::vector<std::string>{"Account|a", "Account|b", "Account|a", "Account|c"});
  auto big = f.wait(current_events_by_tag(f.store, "big", 0, f.blocking()));
  REQUIRE(big.size() == 2);
  auto after = f.wait(current_events_by_tag(f.store, "bank", all[1].offset, f.blocking()));
  REQUIRE(after.size() == 2);
  REQUIRE(after[0] == all[2]);
  auto of_a = f.wait(
      current_events_by_persistence_id(f.store, "Account|a", 1, max_sequence_nr, f.blocking(), 1));
  REQUIRE(of_a.size() == 2);
  REQUIRE(of_a[1].event.sequence_nr == 2);
  REQUIRE(f.wait(current_persistence_ids(f.store, f.blocking(), 2)) ==
          std::vector<std::string>{"Account|a", "Account|b", "Account|c"});
  f.h.shutdown(f.system);
}

TEMPLATE_TEST_CASE("a live query by tag delivers later events in order and resumes after an offset",
                   "[persistence][query][live]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  f.deposit("a", 1);
  f.deposit("b", 2);
  test::Recorder<EventEnvelope> seen(*f.system);
  auto feed = f.system->spawn(
      live_events_by_tag(f.store, "bank", 0, seen.ref(), {.refresh_interval = 50ms, .page = 2}),
      "feed");
  REQUIRE(f.h.run_until(seen.has(2), 5s));
  for (int i = 0; i < 5; ++i)
    f.deposit(i % 2 == 0 ? "a" : "c", 10 + i);
  REQUIRE(f.h.run_until(seen.has(7), 5s));
  auto events = seen.messages();
  REQUIRE(events.size() == 7);
  for (std::size_t i = 1; i < events.size(); ++i)
    REQUIRE(events[i].offset > events[i - 1].offset);
  // Resuming after the fourth offset gives the last three, and no more.
  test::Recorder<EventEnvelope> resumed(*f.system);
  auto second = f.system->spawn(live_events_by_tag(f.store, "bank", events[3].offset, resumed.ref(),
                                                   {.refresh_interval = 50ms}),
                                "second");
  REQUIRE(f.h.run_until(resumed.has(3), 5s));
  f.h.pass(200ms);
  REQUIRE(resumed.messages() == std::vector<EventEnvelope>(events.begin() + 4, events.end()));
  feed.tell(StopQuery{});
  REQUIRE(f.h.run_until([&] { return feed.recipient()->terminated(); }, 5s));
  f.deposit("a", 1);
  f.h.pass(200ms);
  REQUIRE(seen.messages().size() == 7);
  second.tell(StopQuery{});
  f.h.shutdown(f.system);
}

TEMPLATE_TEST_CASE("live queries of one id and of the ids deliver each once",
                   "[persistence][query][live]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  f.deposit("m", 1);
  test::Recorder<EventEnvelope> of_m(*f.system);
  test::Recorder<std::string> ids(*f.system);
  f.system->spawn(live_events_by_persistence_id(f.store, "Account|m", 1, of_m.ref(),
                                                {.refresh_interval = 20ms}),
                  "of-m");
  f.system->spawn(live_persistence_ids(f.store, ids.ref(), {.refresh_interval = 20ms, .page = 1}),
                  "ids");
  f.deposit("m", 2);
  f.deposit("z", 3);
  f.deposit("b", 4);
  f.deposit("m", 5);
  REQUIRE(f.h.run_until(of_m.has(3), 5s));
  REQUIRE(f.h.run_until(ids.has(3), 5s));
  f.h.pass(200ms);
  std::vector<SequenceNr> numbers;
  for (auto& e : of_m.messages())
    numbers.push_back(e.event.sequence_nr);
  REQUIRE(numbers == std::vector<SequenceNr>{1, 2, 3});
  auto seen_ids = ids.messages();
  std::sort(seen_ids.begin(), seen_ids.end());
  REQUIRE(seen_ids == std::vector<std::string>{"Account|b", "Account|m", "Account|z"});
  f.h.shutdown(f.system);
}

}  // namespace
}  // namespace orrery::persistence
