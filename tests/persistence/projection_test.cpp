// Projections over the memory store: the read side equals the fold of every tagged event, with an
// exactly-once projection that fails and restarts midway (each event applied once), and with an
// at-least-once one whose idempotent handler absorbs the replays; a restarted projection resumes
// from its stored offset; groups commit N events or what came within T.
#include <support/harnesses.hpp>

#include <catch2/catch.hpp>

#include <orrery/persistence/memory_store.hpp>
#include <orrery/persistence/projection.hpp>

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
  std::map<std::string, ActorRef<bank::Command>> accounts;
  std::map<std::string, std::int64_t> expected;
  Fixture() { bank::register_types(*system); }

  void deposit(const std::string& id, std::int64_t amount) {
    auto& ref = accounts[id];
    if (!ref)
      ref = system->spawn(
          bank::account(Stores::of(store), id)
              .tagger([](const bank::Event&) { return std::vector<std::string>{"bank"}; })
              .behavior(),
          id);
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
  std::map<std::string, std::int64_t> read_side() {
    std::lock_guard lock(data->mutex);
    std::map<std::string, std::int64_t> out;
    for (const auto& [key, value] : data->read_side.rows)
      if (key.rfind("balance/", 0) == 0) out[key.substr(8)] = std::stoll(value);
    return out;
  }
};

TEMPLATE_TEST_CASE("an exactly-once projection applies every event once across failures",
                   "[persistence][projection]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  for (int i = 0; i < 12; ++i)
    f.deposit(i % 3 == 0 ? "a" : (i % 3 == 1 ? "b" : "c"), i + 1);
  auto failures_left = std::make_shared<std::atomic<int>>(2);
  auto handled = std::make_shared<std::atomic<int>>(0);
  ActorSystem* system = f.system.get();
  std::function<Status(MemoryReadSide&, const EventEnvelope&)> handler =
      [&f, failures_left, handled](MemoryReadSide& side, const EventEnvelope& envelope) -> Status {
    // The 5th and 9th events handled fail once each: their whole group is rolled back.
    const int n = ++*handled;
    if ((n == 5 || n == 9) && failures_left->fetch_sub(1) > 0)
      return make_error(Errc::io_error, "the read side is down");
    auto& row = side.rows["balance/" + envelope.event.persistence_id];
    row = std::to_string((row.empty() ? 0 : std::stoll(row)) + f.amount_of(envelope));
    return {};
  };
  (void)system;
  Behavior<ProjectionMessage> projection =
      behaviors::supervise(exactly_once_projection<MemoryReadSide>(
                               {.name = "balances", .tag = "bank", .group_events = 3, .page = 4},
                               f.store, f.store, handler))
          .template on_failure<ProjectionFailedError>(
              SupervisorStrategy::restart_with_backoff(10ms, 50ms, 0.0));
  auto ref = f.system->spawn(projection, "balances");
  REQUIRE(f.h.run_until([&] { return f.read_side() == f.expected; }, 10s));
  // More events later reach it too.
  f.deposit("a", 100);
  f.deposit("d", 7);
  REQUIRE(f.h.run_until([&] { return f.read_side() == f.expected; }, 10s));
  f.h.pass(300ms);
  REQUIRE(f.read_side() == f.expected);
  {
    std::lock_guard lock(f.data->mutex);
    REQUIRE(f.data->projection_offsets.at("balances") == f.data->last_offset);
  }
  ref.tell(StopProjection{});
  f.h.shutdown(f.system);
}

TEMPLATE_TEST_CASE(
    "an at-least-once projection resumes from its offset and an idempotent handler absorbs replays",
    "[persistence][projection]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  for (int i = 0; i < 10; ++i)
    f.deposit(i % 2 == 0 ? "x" : "y", 1);
  // The read side: balance and the highest sequence number applied, per account.
  struct Row {
    std::int64_t balance = 0;
    SequenceNr applied = 0;
  };
  auto rows = std::make_shared<std::map<std::string, Row>>();
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto mutex = std::make_shared<std::mutex>();
  auto handler = [&f, rows, calls, mutex](const EventEnvelope& envelope) -> Status {
    ++*calls;
    std::lock_guard lock(*mutex);
    Row& row = (*rows)[envelope.event.persistence_id];
    if (envelope.event.sequence_nr <= row.applied) return {};  // seen before: idempotent
    row.balance += f.amount_of(envelope);
    row.applied = envelope.event.sequence_nr;
    return {};
  };
  auto balances = [&] {
    std::lock_guard lock(*mutex);
    std::map<std::string, std::int64_t> out;
    for (const auto& [id, row] : *rows)
      out[id] = row.balance;
    return out;
  };
  ProjectionSettings settings{
      .name = "alo", .tag = "bank", .group_events = 4, .group_within = 50ms};
  auto first =
      f.system->spawn(at_least_once_projection(settings, f.store, f.store, handler), "alo");
  REQUIRE(f.h.run_until([&] { return balances() == f.expected; }, 10s));
  f.h.pass(200ms);  // the last partial group's offset is saved within group_within
  first.tell(StopProjection{});
  REQUIRE(f.h.run_until([&] { return first.recipient()->terminated(); }, 5s));
  Offset stored = 0;
  {
    std::lock_guard lock(f.data->mutex);
    stored = f.data->projection_offsets.at("alo");
    REQUIRE(stored == f.data->last_offset);
    // Forget the last 3 saves: a crash before they were stored.
    f.data->projection_offsets["alo"] = stored - 3;
  }
  const int calls_before = *calls;
  f.deposit("x", 50);
  auto second =
      f.system->spawn(at_least_once_projection(settings, f.store, f.store, handler), "alo2");
  REQUIRE(f.h.run_until([&] { return balances() == f.expected; }, 10s));
  f.h.pass(200ms);
  // Resumed at the stored offset: three replays and the new event, no more.
  REQUIRE(*calls - calls_before == 4);
  REQUIRE(balances() == f.expected);
  second.tell(StopProjection{});
  f.h.shutdown(f.system);
}

}  // namespace
}  // namespace orrery::persistence
