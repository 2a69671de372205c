// The PostgreSQL store beyond the conformance suite: a persistent actor recovers from it after its
// system restarts (a new store, a new connection), options that are wrong name the option, a
// database of a newer schema version is refused, a server that is not there gives errors (not a
// crash), and a sequence number another process stored first fails that write alone.
#include <catch2/catch.hpp>

#include <orrery/persistence/postgres_store.hpp>

#include "bank_account.hpp"
#include "store_factories.hpp"

namespace orrery::persistence {
namespace {

using namespace std::chrono_literals;
using Reply = StatusReply<std::int64_t>;

template <class T>
Result<T> wait(test::Harness& h, Future<T> future) {
  REQUIRE(h.run_until([&] { return future.ready(); }, 20s));
  return future.take();
}

// Skips (loudly) when the server binaries are absent; fails when they are there but it did not
// start.
bool skipped() {
  return test::postgres_server_skipped("postgres store");
}

PersistentEvent event(const std::string& id, SequenceNr nr) {
  PersistentEvent e;
  e.persistence_id = id;
  e.sequence_nr = nr;
  e.manifest = "test.Event";
  e.payload = id + "#" + std::to_string(nr);
  return e;
}

TEST_CASE("postgres: a persistent actor recovers its state after its system restarts",
          "[persistence][postgres]") {
  if (skipped()) return;
  test::ProductionHarness h;
  const auto options = test::postgres_options(test::fresh_postgres_schema());
  auto call = [&](const ActorRef<bank::Command>& account, std::int64_t amount) {
    Future<std::int64_t> answer = ask_with_status<std::int64_t>(
        account,
        [&](ActorRef<Reply> r) {
          return bank::Command{bank::Deposit{amount, r}};
        },
        10s);
    return wait(h, std::move(answer));
  };
  {
    ActorSystemPtr system = ActorSystem::create(h.env());
    bank::register_types(*system);
    auto store = PostgresStore::open(h.env(), options);
    REQUIRE(store.ok());
    auto account = system->spawn(bank::account(Stores::of(store.value()), "a").behavior(), "a");
    for (std::int64_t amount = 1; amount <= 20; ++amount)
      REQUIRE(call(account, amount).ok());
    auto churned = ask_with_status<std::int64_t>(
        account,
        [](ActorRef<Reply> r) {
          return bank::Command{bank::Churn{5, r}};
        },
        10s);
    REQUIRE(wait(h, std::move(churned)).value() == 210);
    h.shutdown(system);
  }
  // A new system and a new store (a new connection): only the database carries the state.
  ActorSystemPtr system = ActorSystem::create(h.env());
  bank::register_types(*system);
  auto store = PostgresStore::open(h.env(), options);
  REQUIRE(store.ok());
  auto account = system->spawn(bank::account(Stores::of(store.value()), "a").behavior(), "a");
  Future<bank::Account> balance = ask<bank::Account>(
      account, [](ActorRef<bank::Account> r) { return bank::Command{bank::GetBalance{r}}; }, 10s);
  REQUIRE(wait(h, std::move(balance)).value() == bank::Account{210, 22});
  REQUIRE(call(account, 1).value() == 211);
  REQUIRE(wait(h, store.value()->highest_sequence_nr("Account|a", 0)).value() == 23);
  h.shutdown(system);
}

TEST_CASE("postgres: options that are wrong are refused, naming the option",
          "[persistence][postgres]") {
  test::ManualHarness h;
  PostgresStoreOptions bad_schema{.connection = "host=127.0.0.1", .schema = "Robert'); DROP"};
  auto refused = PostgresStore::open(h.env(), bad_schema);
  REQUIRE_FALSE(refused.ok());
  REQUIRE(refused.error().code == Errc::invalid_argument);
  REQUIRE_THAT(refused.error().message, Catch::Contains("PostgresStoreOptions.schema"));
  PostgresStoreOptions bad_connection{.connection = "host=127.0.0.1 port"};
  auto unparsable = PostgresStore::open(h.env(), bad_connection);
  REQUIRE_FALSE(unparsable.ok());
  REQUIRE_THAT(unparsable.error().message, Catch::Contains("PostgresStoreOptions.connection"));
  PostgresStoreOptions no_groups{.connection = "", .group_writes_max = 0};
  REQUIRE_THAT(validate(no_groups).error().message,
               Catch::Contains("PostgresStoreOptions.group_writes_max"));
  // Built directly with bad options, every call fails with the same error, after the call.
  auto store = std::make_shared<PostgresStore>(h.env(), bad_schema);
  Future<SequenceNr> highest = store->highest_sequence_nr("p", 0);
  REQUIRE_FALSE(highest.ready());
  auto failed = wait(h, std::move(highest));
  REQUIRE(failed.error().code == Errc::invalid_argument);
}

TEST_CASE("postgres: a server that is not there gives errors, and the store goes on",
          "[persistence][postgres]") {
  test::ProductionHarness h;
  // A free port: nothing listens there.
  const std::string conninfo =
      "host=127.0.0.1 port=1 user=postgres dbname=postgres connect_timeout=5";
  auto store = PostgresStore::open(h.env(), PostgresStoreOptions{.connection = conninfo});
  REQUIRE(store.ok());
  auto ready = wait(h, store.value()->ready());
  REQUIRE_FALSE(ready.ok());
  REQUIRE(ready.error().code == Errc::io_error);
  REQUIRE_THAT(ready.error().message, Catch::Contains("cannot connect"));
  // Every kind of call fails alone, each with its own error; none hangs.
  AtomicWrite w{"p", {event("p", 1)}};
  REQUIRE(wait(h, store.value()->write(std::move(w))).error().code == Errc::io_error);
  REQUIRE(wait(h, store.value()->replay("p", 1, max_sequence_nr, 10)).error().code ==
          Errc::io_error);
  REQUIRE(wait(h, store.value()->get("s")).error().code == Errc::io_error);
  REQUIRE(wait(h, store.value()->latest_offset()).error().code == Errc::io_error);
}

TEST_CASE("postgres: a database written by a newer schema version is refused with a clear error",
          "[persistence][postgres]") {
  if (skipped()) return;
  test::ProductionHarness h;
  const std::string schema = test::fresh_postgres_schema();
  {
    auto store = PostgresStore::open(h.env(), test::postgres_options(schema)).value();
    REQUIRE(wait(h, store->ready()).ok());
    REQUIRE(wait(h, store->write(AtomicWrite{"p", {event("p", 1)}})).ok());
  }
  const std::string newer = std::to_string(postgres_schema_version + 1);
  REQUIRE(test::PostgresServer::shared().execute(
              "postgres", "UPDATE " + schema + ".schema_version SET version = " + newer) == "");
  auto store = PostgresStore::open(h.env(), test::postgres_options(schema)).value();
  auto refused = wait(h, store->ready());
  REQUIRE_FALSE(refused.ok());
  REQUIRE(refused.error().code == Errc::unsupported);
  REQUIRE_THAT(refused.error().message, Catch::Contains("schema version " + newer));
  REQUIRE_THAT(refused.error().message, Catch::Contains("newer than this build's"));
  // Nothing is read from or written to it: the write fails and the event stays alone.
  auto write = wait(h, store->write(AtomicWrite{"p", {event("p", 2)}}));
  REQUIRE(write.error().code == Errc::unsupported);
  REQUIRE(wait(h, store->replay("p", 1, max_sequence_nr, 10)).error().code == Errc::unsupported);
  REQUIRE(test::PostgresServer::shared().execute(
              "postgres", "DO $$ BEGIN IF (SELECT count(*) FROM " + schema +
                              ".events) <> 1 THEN RAISE 'changed'; END IF; END $$") == "");
}

TEST_CASE("postgres: a sequence number another process stored first fails that write alone",
          "[persistence][postgres]") {
  if (skipped()) return;
  test::ProductionHarness h;
  const std::string schema = test::fresh_postgres_schema();
  auto store = PostgresStore::open(h.env(), test::postgres_options(schema)).value();
  REQUIRE(wait(h, store->ready()).ok());
  // Another writer's row, without its highest-sequence-number row: only the database's key
  // catches the clash, inside the group's transaction.
  REQUIRE(test::PostgresServer::shared().execute(
              "postgres", "INSERT INTO " + schema +
                              ".events (persistence_id, sequence_nr, manifest, version, payload, "
                              "tags, timestamp_ms, writer) VALUES ('e3', 1, 'm', 1, '', '{}', 0, "
                              "'other')") == "");
  std::vector<Future<Done>> writes;
  for (int entity = 0; entity < 6; ++entity) {
    const std::string id = "e" + std::to_string(entity);
    writes.push_back(store->write(AtomicWrite{id, {event(id, 1), event(id, 2)}}));
  }
  for (int entity = 0; entity < 6; ++entity) {
    const std::string id = "e" + std::to_string(entity);
    auto result = wait(h, std::move(writes[static_cast<std::size_t>(entity)]));
    if (entity == 3) {
      REQUIRE(result.error().code == Errc::already_exists);
      REQUIRE(wait(h, store->highest_sequence_nr(id, 0)).value() == 0);
    } else {
      INFO(id << ": " << (result.ok() ? "" : result.error().message));
      REQUIRE(result.ok());
      REQUIRE(wait(h, store->replay(id, 1, max_sequence_nr, 10)).value().size() == 2);
    }
  }
  // A group that clashed committed nothing and is not counted; its writes retried alone. However
  // the six were grouped, the committed transactions hold the five writes that committed.
  const PostgresStore::Stats stats = store->stats();
  CHECK(stats.writes == 5);
  std::uint64_t transactions = 0, committed = 0;
  for (const auto& [size, count] : stats.transactions_by_writes) {
    transactions += count;
    committed += size * count;
  }
  CHECK(transactions == stats.transactions);
  CHECK(committed == 5);
}

}  // namespace
}  // namespace orrery::persistence
