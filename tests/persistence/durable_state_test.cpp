// DurableStateBehavior: each change stored whole with a revision; a restart loads the newest; a
// delete empties the state and the revision goes on; a write made stale by another writer is
// refused, reported, and the actor reloads what the store has before it goes on.
#include <support/harnesses.hpp>

#include <catch2/catch.hpp>

#include <orrery/persistence/durable_state_behavior.hpp>
#include <orrery/persistence/memory_store.hpp>
#include <orrery/remote/wire.hpp>

namespace counter {
struct Count {
  std::int64_t value = 0;
};
struct Add {
  std::int64_t by = 0;
  orrery::ActorRef<orrery::StatusReply<std::int64_t>> reply_to;
};
struct Reset {
  orrery::ActorRef<orrery::StatusReply<std::int64_t>> reply_to;
};
using Command = std::variant<Add, Reset>;
}  // namespace counter
ORRERY_FIELDS(counter::Count, &counter::Count::value);

namespace orrery::persistence {
namespace {

using namespace std::chrono_literals;
using Reply = StatusReply<std::int64_t>;
using counter::Command;
using counter::Count;

DurableEffect<Count> handle(ActorContext<Command>&, const Count& count, Command& command) {
  auto reply = [](const Count& c) {
    return Reply::success(c.value);
  };
  if (auto* add = std::get_if<counter::Add>(&command))
    return DurableEffect<Count>::persist(Count{count.value + add->by})
        .then_reply(add->reply_to, reply);
  return DurableEffect<Count>::delete_state().then_reply(std::get<counter::Reset>(command).reply_to,
                                                         reply);
}

template <class Harness>
struct Fixture {
  Harness h;
  std::shared_ptr<MemoryStoreData> data = std::make_shared<MemoryStoreData>();
  ActorSystemPtr system = ActorSystem::create(h.env());
  std::shared_ptr<MemoryStore> store = std::make_shared<MemoryStore>(h.env(), data);
  Fixture() { (void)system->serialization().register_type<Count>("counter.Count"); }
  Behavior<Command> counter(const std::string& id) {
    return DurableStateBehavior<Command, Count>(Stores::of(store), "Counter|" + id, Count{},
                                                &handle)
        .behavior();
  }
  template <class Make>
  Result<std::int64_t> call(const ActorRef<Command>& ref, Make make) {
    Future<std::int64_t> answer = ask_with_status<std::int64_t>(
        ref, [&](ActorRef<Reply> r) { return Command{make(r)}; }, 5s);
    REQUIRE(h.run_until([&] { return answer.ready(); }, 10s));
    return answer.take();
  }
  DurableState stored(const std::string& id) {
    std::lock_guard lock(data->mutex);
    return data->states.at("Counter|" + id);
  }
};

auto add(std::int64_t by) {
  return [by](ActorRef<Reply> r) {
    return counter::Add{by, r};
  };
}

TEMPLATE_TEST_CASE("durable state is stored per change with a revision and loads after a restart",
                   "[persistence][durable-state]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  auto ref = f.system->spawn(f.counter("a"), "a");
  REQUIRE(f.call(ref, add(2)).value() == 2);
  REQUIRE(f.call(ref, add(3)).value() == 5);
  REQUIRE(f.stored("a").revision == 2);
  f.h.shutdown(f.system);
  f.system = ActorSystem::create(f.h.env());
  (void)f.system->serialization().template register_type<Count>("counter.Count");
  ref = f.system->spawn(f.counter("a"), "a");
  REQUIRE(f.call(ref, add(1)).value() == 6);
  REQUIRE(f.call(ref, [](ActorRef<Reply> r) { return counter::Reset{r}; }).value() == 0);
  REQUIRE(f.stored("a").deleted);
  REQUIRE(f.stored("a").revision == 4);
  REQUIRE(f.call(ref, add(7)).value() == 7);
  REQUIRE(f.stored("a").revision == 5);
  f.h.shutdown(f.system);
}

TEMPLATE_TEST_CASE("a stale revision is refused and the actor reloads what the store has",
                   "[persistence][durable-state]", ORRERY_HARNESSES) {
  Fixture<TestType> f;
  auto ref = f.system->spawn(f.counter("b"), "b");
  REQUIRE(f.call(ref, add(1)).value() == 1);
  // Another writer stores revision 2 behind the actor's back.
  {
    DurableState other = f.stored("b");
    other.revision = 2;
    other.payload = f.system->serialization().encode(Count{100}, f.system->ref_context())->payload;
    std::lock_guard lock(f.data->mutex);
    f.data->states.insert_or_assign("Counter|b", other);
  }
  auto stale = f.call(ref, add(1));
  REQUIRE_FALSE(stale.ok());
  REQUIRE(stale.error().message.find("stale revision 2") != std::string::npos);
  // Reloaded: the next change builds on the other writer's state.
  REQUIRE(f.call(ref, add(1)).value() == 101);
  REQUIRE(f.stored("b").revision == 3);
  f.h.shutdown(f.system);
}

}  // namespace
}  // namespace orrery::persistence
