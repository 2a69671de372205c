// EventSourcedBehavior when things go wrong, as in Akka: a failed write stops the actor (and
// restart_with_backoff recovers it from what is durable), a rejected write is reported to the
// sender and the actor goes on, a recovery that finds a gap, an unknown manifest or a newer
// schema fails that entity alone, naming id and sequence number, and a full stash drops commands
// without a crash. Plus schema upcasting and enforced replies.
#include <mutex>
#include <support/harnesses.hpp>

#include <catch2/catch.hpp>

#include <orrery/persistence/memory_store.hpp>
#include <orrery/persistence/testkit/policy_stores.hpp>

#include "bank_account.hpp"

namespace orrery::persistence {
namespace {

using namespace std::chrono_literals;
using Reply = StatusReply<std::int64_t>;

/// Signal messages, pushed by entities on whichever worker runs them (two at once on the
/// production pool) and read by the test thread.
struct Messages {
  void push_back(std::string message) {
    std::lock_guard lock(mutex);
    all.push_back(std::move(message));
  }
  std::size_t size() const {
    std::lock_guard lock(mutex);
    return all.size();
  }
  std::vector<std::string> copy() const {
    std::lock_guard lock(mutex);
    return all;
  }
  mutable std::mutex mutex;
  std::vector<std::string> all;
};

template <class Harness>
struct Fixture {
  Harness h;
  std::shared_ptr<MemoryStoreData> data = std::make_shared<MemoryStoreData>();
  ActorSystemPtr system = ActorSystem::create(h.env());
  std::shared_ptr<MemoryStore> store = std::make_shared<MemoryStore>(h.env(), data);
  std::shared_ptr<PolicyStores> policy = std::make_shared<PolicyStores>(Stores::of(store));
  std::shared_ptr<Messages> failures = std::make_shared<Messages>();
  std::shared_ptr<Messages> rejections = std::make_shared<Messages>();
  Fixture() { bank::register_types(*system); }

  bank::Behavior account(const std::string& id) {
    return bank::account(policy->stores(), id)
        .on_signal([failures = failures, rejections = rejections](ActorContext<bank::Command>&,
                                                                  const bank::Account&,
                                                                  const PersistenceSignal& s) {
          if (auto* failed = std::get_if<RecoveryFailed>(&s))
            failures->push_back(failed->error.message);
          if (auto* rejected = std::get_if<PersistRejected>(&s))
            rejections->push_back(rejected->error.message);
        });
  }
  Result<std::int64_t> deposit(const ActorRef<bank::Command>& account, std::int64_t amount,
                               Duration timeout = 5s) {
    Future<std::int64_t> answer = ask_with_status<std::int64_t>(
        account,
        [&](ActorRef<Reply> r) {
          return bank::Command{bank::Deposit{amount, r}};
        },
        timeout);
    REQUIRE(h.run_until([&] { return answer.ready(); }, timeout + 5s));
    return answer.take();
  }
  void put(const std::string& id, SequenceNr nr, std::string manifest, std::uint32_t version,
           std::string payload) {
    std::lock_guard lock(data->mutex);
    auto& entity = data->entities["Account|" + id];
    PersistentEvent e;
    e.persistence_id = "Account|" + id;
    e.sequence_nr = nr;
    e.manifest = std::move(manifest);
    e.version = version;
    e.payload = std::move(payload);
    entity.events.emplace(nr, EventEnvelope{++data->last_offset, e});
    entity.highest = std::max(entity.highest, nr);
  }
  std::string encoded_deposit(std::int64_t amount) {
    return system->serialization().encode(bank::Deposited{amount}, system->ref_context())->payload;
  }
};

TEMPLATE_TEST_CASE("a failed write stops the entity, and nothing of it is acknowledged",
                   "[persistence][failure]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  auto account = f.system->spawn(f.account("a").behavior(), "a");
  REQUIRE(f.deposit(account, 5).value() == 5);
  f.policy->fail_next_writes(1, "Account|a");
  auto failed = f.deposit(account, 7, 500ms);
  REQUIRE_FALSE(failed.ok());
  REQUIRE(failed.error().code == Errc::timeout);
  REQUIRE(f.h.run_until([&] { return account.recipient()->terminated(); }, 5s));
  REQUIRE(f.policy->writes_failed() == 1);
  f.h.shutdown(f.system);
}

TEMPLATE_TEST_CASE("restart_with_backoff recovers a failed entity from what is durable",
                   "[persistence][failure]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  Behavior<bank::Command> supervised =
      behaviors::supervise(f.account("b").behavior())
          .template on_failure<PersistFailedError>(
              SupervisorStrategy::restart_with_backoff(10ms, 100ms, 0.0));
  auto account = f.system->spawn(supervised, "b");
  REQUIRE(f.deposit(account, 5).value() == 5);
  f.policy->fail_next_writes(1, "Account|b");
  REQUIRE_FALSE(f.deposit(account, 7, 300ms).ok());
  // Restarted and recovered: the failed deposit is not there, the next one is.
  Result<std::int64_t> next = make_error(Errc::timeout, "not yet");
  for (int attempt = 0; attempt < 20 && !next.ok(); ++attempt)
    next = f.deposit(account, 1, 500ms);
  REQUIRE(next.ok());
  REQUIRE(next.value() == 6);
  REQUIRE_FALSE(account.recipient()->terminated());
  f.h.shutdown(f.system);
}

TEMPLATE_TEST_CASE("a rejected write is reported to the sender and the entity goes on",
                   "[persistence][failure]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  auto account = f.system->spawn(f.account("c").behavior(), "c");
  REQUIRE(f.deposit(account, 5).value() == 5);
  f.policy->reject_next_writes(1);
  auto rejected = f.deposit(account, 7);
  REQUIRE_FALSE(rejected.ok());
  REQUIRE(rejected.error().code == Errc::refused);
  REQUIRE(rejected.error().message.find("rejected") != std::string::npos);
  REQUIRE(f.rejections->size() == 1);
  REQUIRE(f.deposit(account, 1).value() == 6);
  f.h.shutdown(f.system);
}

TEMPLATE_TEST_CASE("an event the registry cannot encode is rejected, not persisted",
                   "[persistence][failure]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  // Deposited is not registered in this system: encoding it fails before any write.
  f.system = ActorSystem::create(f.h.env());
  (void)f.system->serialization().template register_type<bank::Withdrawn>("bank.Withdrawn");
  auto account = f.system->spawn(f.account("d").behavior(), "d");
  auto rejected = f.deposit(account, 7);
  REQUIRE_FALSE(rejected.ok());
  REQUIRE(rejected.error().message.find("not serializable") != std::string::npos);
  std::lock_guard lock(f.data->mutex);
  REQUIRE(f.data->entities.count("Account|d") == 0);
  REQUIRE_FALSE(account.recipient()->terminated());
}

TEMPLATE_TEST_CASE("recovery stops at a gap, an unknown manifest or a newer schema, and names it",
                   "[persistence][failure][recovery]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  const std::string payload = f.encoded_deposit(1);
  f.put("gap", 1, "bank.Deposited", 1, payload);
  f.put("gap", 2, "bank.Deposited", 1, payload);
  f.put("gap", 4, "bank.Deposited", 1, payload);
  f.put("unknown", 1, "bank.Deposited", 1, payload);
  f.put("unknown", 2, "bank.Renamed", 1, payload);
  f.put("newer", 1, "bank.Deposited", 9, payload);
  f.put("fine", 1, "bank.Deposited", 1, payload);
  std::vector<ActorRef<bank::Command>> refs;
  for (const char* id : {"gap", "unknown", "newer", "fine"})
    refs.push_back(f.system->spawn(f.account(id).behavior(), id));
  REQUIRE(f.h.run_until([&] { return f.failures->size() == 3; }, 5s));
  auto has = [&](const std::string& text) {
    const auto failures = f.failures->copy();
    return std::any_of(failures.begin(), failures.end(),
                       [&](const std::string& m) { return m.find(text) != std::string::npos; });
  };
  const auto seen = f.failures->copy();
  INFO(seen.at(0) << " | " << seen.at(1) << " | " << seen.at(2));
  REQUIRE(has("'Account|gap' failed at sequence number 4: 4 after 2: a gap"));
  REQUIRE(has("'Account|unknown' failed at sequence number 2"));
  REQUIRE(has("bank.Renamed"));
  REQUIRE(has("'Account|newer' failed at sequence number 1"));
  REQUIRE(has("version 9 is newer"));
  for (std::size_t i = 0; i < 3; ++i)
    REQUIRE(f.h.run_until([&] { return refs[i].recipient()->terminated(); }, 5s));
  // The healthy entity goes on, and nothing stored was touched.
  REQUIRE(f.deposit(refs[3], 2).value() == 3);
  std::lock_guard lock(f.data->mutex);
  REQUIRE(f.data->entities.at("Account|gap").events.size() == 3);
}

TEMPLATE_TEST_CASE("a write another writer of the id got to first fails the entity, not rejected",
                   "[persistence][failure]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  auto account = f.system->spawn(f.account("twin").behavior(), "twin");
  REQUIRE(f.deposit(account, 1).value() == 1);
  // A second writer (the id spawned twice, a split brain) stores sequence number 2 first.
  f.put("twin", 2, "bank.Deposited", 1, f.encoded_deposit(10));
  auto conflicted = f.deposit(account, 5, 500ms);
  REQUIRE_FALSE(conflicted.ok());
  REQUIRE(f.h.run_until([&] { return account.recipient()->terminated(); }, 5s));
  REQUIRE(f.rejections->size() == 0);
  // The next incarnation recovers both writers' events and goes on after them.
  auto again = f.system->spawn(f.account("twin").behavior(), "twin2");
  REQUIRE(f.deposit(again, 5).value() == 16);
  f.h.shutdown(f.system);
}

TEMPLATE_TEST_CASE("a failed read during recovery fails that entity with RecoveryFailed",
                   "[persistence][failure][recovery]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  f.put("r", 1, "bank.Deposited", 1, f.encoded_deposit(4));
  f.policy->fail_next_reads(1, "Account|r");
  auto account = f.system->spawn(f.account("r").behavior(), "r");
  REQUIRE(f.h.run_until([&] { return account.recipient()->terminated(); }, 5s));
  REQUIRE(f.failures->size() == 1);
  REQUIRE(f.failures->copy().front().find("policy: read of 'Account|r' failed") !=
          std::string::npos);
  // The next incarnation reads fine.
  auto again = f.system->spawn(f.account("r").behavior(), "r2");
  REQUIRE(f.deposit(again, 1).value() == 5);
  f.h.shutdown(f.system);
}

TEMPLATE_TEST_CASE("an event written by an older schema version loads through its upcaster",
                   "[persistence][schema]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  // Version 1 stored the amount as decimal text; version 2 is the struct's encoding.
  f.put("old", 1, "bank.Deposited", 1, "40");
  f.put("old", 2, "bank.Deposited", 2, f.encoded_deposit(2));
  ActorSystem* system = f.system.get();
  EventSchema<bank::Event> schema;
  schema.version("bank.Deposited", 2)
      .upcast("bank.Deposited", 1, [system](std::string_view v1) -> Result<std::string> {
        return system->serialization()
            .encode(bank::Deposited{std::stoll(std::string(v1))}, system->ref_context())
            ->payload;
      });
  auto account = f.system->spawn(f.account("old").schema(schema).behavior(), "old");
  REQUIRE(f.deposit(account, 1).value() == 43);
  std::lock_guard lock(f.data->mutex);
  // New events are written at the current version.
  REQUIRE(f.data->entities.at("Account|old").events.at(3).event.version == 2);
}

TEMPLATE_TEST_CASE("commands beyond the stash while recovering are counted dead letters",
                   "[persistence][stash]", test::ManualHarness, test::SimHarness) {
  Fixture<TestType> f;
  auto stats = std::make_shared<PersistentActorStats>();
  auto account =
      f.system->spawn(f.account("s").stash_capacity(3).stats_sink(stats).behavior(), "s");
  // Sent before the actor's first turn: all arrive while it recovers.
  std::vector<Future<std::int64_t>> answers;
  for (int i = 0; i < 10; ++i)
    answers.push_back(ask_with_status<std::int64_t>(
        account,
        [](ActorRef<Reply> r) {
          return bank::Command{bank::Deposit{1, r}};
        },
        1s));
  const auto dead_before = f.system->dead_letter_count();
  REQUIRE(f.h.run_until(
      [&] {
        return std::all_of(answers.begin(), answers.end(), [](auto& a) { return a.ready(); });
      },
      5s));
  int answered = 0;
  for (auto& a : answers)
    answered += a.take().ok() ? 1 : 0;
  REQUIRE(answered == 3);
  REQUIRE(stats->stash_overflows == 7);
  REQUIRE(f.system->dead_letter_count() - dead_before >= 7);
  REQUIRE(f.deposit(account, 1).value() == 4);
  f.h.shutdown(f.system);
}

// Enforced replies: a handler that can return an effect without a reply does not compile.
using Enforced = EventSourcedBehavior<bank::Command, bank::Event, bank::Account, true>;
static_assert(!std::is_convertible_v<Effect<bank::Event, bank::Account>,
                                     ReplyEffect<bank::Event, bank::Account>>);
static_assert(!std::is_constructible_v<Enforced::CommandHandler,
                                       bank::Effect (*)(ActorContext<bank::Command>&,
                                                        const bank::Account&, bank::Command&)>);

TEMPLATE_TEST_CASE("with enforced replies every command path replies",
                   "[persistence][enforced-replies]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  Enforced behavior(
      f.policy->stores(), "Account|e", bank::Account{},
      [](ActorContext<bank::Command>&, const bank::Account&,
         bank::Command& command) -> ReplyEffect<bank::Event, bank::Account> {
        if (auto* d = std::get_if<bank::Deposit>(&command))
          return Effect<bank::Event, bank::Account>::persist(
                     bank::Event{bank::Deposited{d->amount}})
              .then_reply(d->reply_to,
                          [](const bank::Account& a) { return Reply::success(a.balance); });
        if (auto* g = std::get_if<bank::GetBalance>(&command))
          return Effect<bank::Event, bank::Account>::reply(g->reply_to, bank::Account{});
        return Effect<bank::Event, bank::Account>::no_reply();
      },
      &bank::apply);
  auto account = f.system->spawn(behavior.behavior(), "e");
  REQUIRE(f.deposit(account, 9).value() == 9);
  f.h.shutdown(f.system);
}

}  // namespace
}  // namespace orrery::persistence
