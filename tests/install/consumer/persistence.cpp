// The installed persistence library, as a user's service links it: an event-sourced counter on
// SQLite in the storage root persists one event, a second actor system recovers it.

#include "persistence.hpp"

#include <chrono>
#include <cstdint>
#include <variant>

#include <orrery/actor.hpp>
#include <orrery/env/production/production_env.hpp>
#include <orrery/persistence/event_sourced_behavior.hpp>
#include <orrery/persistence/sqlite_store.hpp>
#include <orrery/remote/wire.hpp>

namespace consumer {
namespace {

struct Added {
  std::int64_t amount = 0;
};
struct Total {
  std::int64_t value = 0;
};
struct Add {
  std::int64_t amount = 0;
  orrery::ActorRef<std::int64_t> reply_to;
};
using Event = std::variant<Added>;
using Command = std::variant<Add>;
using Effect = orrery::persistence::Effect<Event, Total>;

orrery::Behavior<Command> counter(orrery::persistence::Stores stores) {
  return orrery::persistence::EventSourcedBehavior<Command, Event, Total>(
             std::move(stores), "Counter|1", Total{},
             [](orrery::ActorContext<Command>&, const Total&, Command& command) -> Effect {
               auto& add = std::get<Add>(command);
               if (add.amount == 0) {  // a read: answer the recovered total
                 return Effect::none().then_run(
                     [to = add.reply_to](const Total& t) { to.tell(t.value); });
               }
               return Effect::persist(Event{Added{add.amount}})
                   .then_run([to = add.reply_to](const Total& t) { to.tell(t.value); });
             },
             [](Total& total, const Event& event) { total.value += std::get<Added>(event).amount; })
      .behavior();
}

}  // namespace
}  // namespace consumer

ORRERY_FIELDS(consumer::Added, &consumer::Added::amount);
ORRERY_FIELDS(consumer::Total, &consumer::Total::value);

namespace consumer {

std::string check_persistence(const std::string& storage_root) {
  using namespace std::chrono_literals;
  std::int64_t seen[2] = {0, 0};
  for (int round = 0; round < 2; ++round) {
    orrery::ProductionConfig config;
    config.executor.workers = 2;
    config.storage_root = storage_root;
    auto production = orrery::ProductionEnv::create(std::move(config));
    if (!production.ok()) return production.error().message;
    auto store = orrery::persistence::SqliteStore::open(
        (*production)->env(), {.path = "consumer.db", .owner = "consumer"});
    if (!store.ok()) return store.error().message;
    auto system = orrery::ActorSystem::create((*production)->env());
    (void)system->serialization().register_type<Added>("consumer.Added");
    (void)system->serialization().register_type<Total>("consumer.Total");
    auto ref = system->spawn(counter(orrery::persistence::Stores::of(*store)), "counter");
    // Round 0 adds 5; round 1 only reads what round 0 made durable.
    const std::int64_t amount = round == 0 ? 5 : 0;
    auto reply = orrery::ask<std::int64_t>(
                     ref,
                     [&](orrery::ActorRef<std::int64_t> to) {
                       return Command{Add{amount, to}};
                     },
                     10s)
                     .get();
    system->terminate();
    (void)system->when_terminated().get();
    system.reset();
    if (!reply.ok()) return "no reply: " + reply.error().message;
    seen[round] = *reply;
  }
  if (seen[0] != 5 || seen[1] != 5) {
    return "recovered " + std::to_string(seen[1]) + " after persisting 5 (answered " +
           std::to_string(seen[0]) + ")";
  }
  return {};
}

}  // namespace consumer
