#pragma once
// A ledger as an event-sourced actor, for crash tests: every command carries the driver's id and
// its events (one, or two written atomically) record it, so a recovered journal says exactly
// which commands it holds and in what order. The state is the list of those records, so "state
// equals the fold of the recovered events" is a comparison of two lists.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <orrery/actor.hpp>
#include <orrery/persistence/event_sourced_behavior.hpp>
#include <orrery/remote/wire.hpp>

namespace ledger {

/// One event: part `part` of command `command`.
struct Entry {
  std::uint64_t command = 0;
  std::uint32_t part = 0;
};
/// A record is command * 2 + part: the fold of the entries, in journal order.
struct State {
  std::vector<std::uint64_t> records;
};
inline std::uint64_t record_of(const Entry& entry) {
  return entry.command * 2 + entry.part;
}

/// Sent once the command's events are durable (then_reply).
struct Ack {
  std::uint32_t entity = 0;
  std::uint64_t command = 0;
  std::int64_t sequence_nr = 0;  // of the command's last event
};
/// The entity's state, for a driver that compares it with the journal.
struct Observed {
  std::uint32_t entity = 0;
  std::vector<std::uint64_t> records;
};

/// Persists `parts` (1 or 2) entries atomically, then acks.
struct Append {
  std::uint64_t command = 0;
  std::uint32_t parts = 1;
  orrery::ActorRef<Ack> reply_to;
};
struct Read {
  orrery::ActorRef<Observed> reply_to;
};
using Command = std::variant<Append, Read>;

using Effect = orrery::persistence::Effect<Entry, State>;
using Behavior = orrery::persistence::EventSourcedBehavior<Command, Entry, State>;

inline std::string persistence_id(std::uint32_t entity) {
  return "Ledger|" + std::to_string(entity);
}

inline Behavior entity(orrery::persistence::Stores stores, std::uint32_t index) {
  auto handle = [index](orrery::ActorContext<Command>&, const State&, Command& command) -> Effect {
    if (auto* read = std::get_if<Read>(&command)) {
      return Effect::none().then_run([to = read->reply_to, index](const State& s) {
        to.tell(Observed{index, s.records});
      });
    }
    auto& append = std::get<Append>(command);
    std::vector<Entry> entries;
    for (std::uint32_t part = 0; part < append.parts; ++part)
      entries.push_back(Entry{append.command, part});
    return Effect::persist(std::move(entries))
        .then_reply(append.reply_to, [index, command = append.command](const State& s) {
          return Ack{index, command, static_cast<std::int64_t>(s.records.size())};
        });
  };
  auto apply = [](State& state, const Entry& entry) {
    state.records.push_back(record_of(entry));
  };
  return Behavior(std::move(stores), persistence_id(index), State{}, handle, apply);
}

inline void register_types(orrery::ActorSystem& system) {
  (void)system.serialization().register_type<Entry>("ledger.Entry");
  (void)system.serialization().register_type<State>("ledger.State");
}

}  // namespace ledger

ORRERY_FIELDS(ledger::Entry, &ledger::Entry::command, &ledger::Entry::part);
ORRERY_FIELDS(ledger::State, &ledger::State::records);
