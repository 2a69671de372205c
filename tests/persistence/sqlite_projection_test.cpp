// Event-sourced actors and an exactly-once projection on the SQLite store, on every executor
// (PosixStorage on the manual env and the thread pool, SimDisk in the simulator): the projection
// writes its read side into the store's own database in the transaction that stores its offset,
// so handler failures midway roll back whole groups and every event is applied once; after the
// store is closed and reopened, the accounts recover their balances and the read side holds.
#include <catch2/catch.hpp>

#include <orrery/persistence/projection.hpp>
#include <orrery/persistence/sqlite_store.hpp>

#include "bank_account.hpp"
#include "store_factories.hpp"

namespace orrery::persistence {
namespace {

using namespace std::chrono_literals;
using Reply = StatusReply<std::int64_t>;
using sqlite::Database;

template <class Factory>
struct Fixture {
  Factory factory;
  test::Harness& h = factory.harness();
  ActorSystemPtr system = ActorSystem::create(factory.store_env());
  std::map<std::string, std::int64_t> expected;
  Fixture() { bank::register_types(*system); }

  ActorRef<bank::Command> account(const std::string& id) {
    return system->spawn(
        bank::account(factory.stores(), id)
            .tagger([](const bank::Event&) { return std::vector<std::string>{"bank"}; })
            .behavior(),
        id);
  }
  void deposit(ActorRef<bank::Command>& ref, const std::string& id, std::int64_t amount) {
    Future<std::int64_t> answer = ask_with_status<std::int64_t>(
        ref,
        [&](ActorRef<Reply> r) {
          return bank::Command{bank::Deposit{amount, r}};
        },
        5s);
    REQUIRE(h.run_until([&] { return answer.ready(); }, 10s));
    REQUIRE(answer.take().ok());
    expected["Account|" + id] += amount;
  }
  std::int64_t amount_of(const EventEnvelope& envelope) {
    auto event = EventSchema<bank::Event>().decode<bank::Event>(
        *system, envelope.event.manifest, envelope.event.version, envelope.event.payload);
    REQUIRE(event.ok());
    return std::get<bank::Deposited>(event.value()).amount;
  }
  /// The read side, read on the store's worker through its connection.
  std::map<std::string, std::int64_t> read_side() {
    auto rows = std::make_shared<std::map<std::string, std::int64_t>>();
    Future<Done> read = factory.store->commit("reader", 0, [rows](Database& db) -> Status {
      if (Status made = db.exec("CREATE TABLE IF NOT EXISTS balances(id TEXT PRIMARY KEY, "
                                "balance INTEGER NOT NULL)");
          !made.ok())
        return made;
      auto query = db.prepare("SELECT id, balance FROM balances");
      if (!query.ok()) return query.error();
      while (true) {
        auto row = query->step();
        if (!row.ok()) return row.error();
        if (!*row) return {};
        (*rows)[std::string(query->column_text(0))] = query->column_int64(1);
      }
    });
    REQUIRE(h.run_until([&] { return read.ready(); }, 10s));
    REQUIRE(read.take().ok());
    return *rows;
  }
  /// Lets time pass until the read side equals the fold of the events (the read is a store call
  /// of its own, so it cannot be a run_until predicate).
  bool read_side_catches_up() {
    for (int attempt = 0; attempt < 200; ++attempt) {
      if (read_side() == expected) return true;
      h.pass(50ms);
    }
    return false;
  }
};

Status add_to_balance(Database& db, const std::string& id, std::int64_t amount) {
  if (Status made = db.exec("CREATE TABLE IF NOT EXISTS balances(id TEXT PRIMARY KEY, "
                            "balance INTEGER NOT NULL)");
      !made.ok())
    return made;
  auto upsert = db.prepare(
      "INSERT INTO balances(id, balance) VALUES (?1, ?2) "
      "ON CONFLICT(id) DO UPDATE SET balance = balance + excluded.balance");
  if (!upsert.ok()) return upsert.error();
  Status status = upsert->bind_text(1, id);
  if (status.ok()) status = upsert->bind(2, amount);
  if (status.ok()) status = upsert->run();
  return status;
}

TEMPLATE_TEST_CASE("an exactly-once projection on the SQLite store applies every event once",
                   "[sqlite][projection]", test::SqlitePosixStoreFactory<test::ManualHarness>,
                   test::SqlitePosixStoreFactory<test::ProductionHarness>,
                   test::SqliteSimDiskStoreFactory) {
  Fixture<TestType> f;
  std::map<std::string, ActorRef<bank::Command>> accounts;
  for (const char* id : {"a", "b", "c"})
    accounts[id] = f.account(id);
  for (int i = 0; i < 12; ++i) {
    const std::string id = i % 3 == 0 ? "a" : (i % 3 == 1 ? "b" : "c");
    f.deposit(accounts[id], id, i + 1);
  }
  auto failures_left = std::make_shared<std::atomic<int>>(2);
  auto handled = std::make_shared<std::atomic<int>>(0);
  std::function<Status(Database&, const EventEnvelope&)> handler =
      [&f, failures_left, handled](Database& db, const EventEnvelope& envelope) -> Status {
    // The 5th and 9th events handled fail once each: their whole group rolls back.
    const int n = ++*handled;
    if ((n == 5 || n == 9) && failures_left->fetch_sub(1) > 0)
      return make_error(Errc::io_error, "the read side is down");
    return add_to_balance(db, envelope.event.persistence_id, f.amount_of(envelope));
  };
  {
    auto store = f.factory.store;
    Behavior<ProjectionMessage> projection =
        behaviors::supervise(exactly_once_projection<Database>(
                                 {.name = "balances", .tag = "bank", .group_events = 3, .page = 4},
                                 store, store, handler))
            .template on_failure<ProjectionFailedError>(
                SupervisorStrategy::restart_with_backoff(10ms, 50ms, 0.0));
    auto ref = f.system->spawn(projection, "balances");
    REQUIRE(f.read_side_catches_up());
    // The handler's own "I/O error" was its own: the store goes on.
    CHECK_FALSE(store->failed());
    f.deposit(accounts["a"], "a", 100);
    REQUIRE(f.read_side_catches_up());
    auto stored = store->load_offset("balances");
    auto latest = store->latest_offset();
    REQUIRE(f.h.run_until([&] { return stored.ready() && latest.ready(); }, 10s));
    CHECK(stored.take().value() == latest.take().value());
    ref.tell(StopProjection{});
    accounts.clear();
    f.h.shutdown(f.system);
  }
  // Reopened: the accounts recover from the journal, the read side is still there.
  f.factory.reopen_store();
  f.system = ActorSystem::create(f.factory.store_env());
  bank::register_types(*f.system);
  auto a = f.account("a");
  Future<bank::Account> balance = ask<bank::Account>(
      a, [](ActorRef<bank::Account> r) { return bank::Command{bank::GetBalance{r}}; }, 5s);
  REQUIRE(f.h.run_until([&] { return balance.ready(); }, 10s));
  CHECK(balance.take().value().balance == f.expected["Account|a"]);
  CHECK(f.read_side() == f.expected);
  f.h.shutdown(f.system);
}

}  // namespace
}  // namespace orrery::persistence
