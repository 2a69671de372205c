#pragma once
// The persist scenario's entity: an event-sourced counter. Each Add carries the workload's
// command id and persists one Added event, acknowledged once durable; the state folds the events
// into a total, a count and an order-sensitive digest of the command ids, so a state that skips,
// repeats or reorders an event differs from the fold of the journal.
#include <cstdint>
#include <string>
#include <variant>

#include <orrery/actor.hpp>
#include <orrery/persistence/event_sourced_behavior.hpp>
#include <orrery/remote/wire.hpp>

namespace orrery::scenarios::persist {

struct Added {
  std::uint64_t command = 0;
  std::int64_t amount = 0;
};
struct Counter {
  std::int64_t total = 0;
  std::int64_t events = 0;
  std::uint64_t digest = 0;
  friend bool operator==(const Counter&, const Counter&) = default;
};
inline void fold(Counter& counter, const Added& event) {
  counter.total += event.amount;
  ++counter.events;
  counter.digest = (counter.digest ^ event.command) * 0x100000001b3ULL;  // FNV-1a's step
}

/// Sent to the workload once an Add's event is durable.
struct Ack {
  std::uint32_t counter = 0;
  std::uint64_t command = 0;
  std::int64_t sequence_nr = 0;
};
struct Observed {
  std::uint32_t counter = 0;
  Counter state;
};
struct Add {
  std::uint64_t command = 0;
  std::int64_t amount = 0;
  ActorRef<Ack> reply_to;
};
struct Get {
  ActorRef<Observed> reply_to;
};
using Command = std::variant<Add, Get>;

inline std::string persistence_id(std::uint32_t counter) {
  return "Counter|" + std::to_string(counter);
}

using CounterBehavior = persistence::EventSourcedBehavior<Command, Added, Counter>;

/// `ack_early` plants the bug "ack-before-durable": the Add is acknowledged when its event is
/// handed to the journal, not when the journal says it is durable.
inline CounterBehavior counter(persistence::Stores stores, std::uint32_t index,
                               bool ack_early = false) {
  using Effect = persistence::Effect<Added, Counter>;
  auto handle = [index, ack_early](ActorContext<Command>&, const Counter& now,
                                   Command& command) -> Effect {
    if (auto* get = std::get_if<Get>(&command)) {
      return Effect::none().then_run([to = get->reply_to, index](const Counter& state) {
        to.tell(Observed{index, state});
      });
    }
    const Add& add = std::get<Add>(command);
    if (ack_early) {
      add.reply_to.tell(Ack{index, add.command, now.events + 1});
      return Effect::persist(Added{add.command, add.amount});
    }
    return Effect::persist(Added{add.command, add.amount})
        .then_reply(add.reply_to, [index, id = add.command](const Counter& state) {
          return Ack{index, id, state.events};
        });
  };
  return CounterBehavior(std::move(stores), persistence_id(index), Counter{}, handle, &fold);
}

inline Status register_counter_types(ActorSystem& system) {
  if (Status s = system.serialization().register_type<Added>("scenario.persist.Added"); !s.ok())
    return s;
  return system.serialization().register_type<Counter>("scenario.persist.Counter");
}

}  // namespace orrery::scenarios::persist

ORRERY_FIELDS(orrery::scenarios::persist::Added, &orrery::scenarios::persist::Added::command,
              &orrery::scenarios::persist::Added::amount);
ORRERY_FIELDS(orrery::scenarios::persist::Counter, &orrery::scenarios::persist::Counter::total,
              &orrery::scenarios::persist::Counter::events,
              &orrery::scenarios::persist::Counter::digest);
