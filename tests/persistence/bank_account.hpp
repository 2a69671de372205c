#pragma once
// A bank account as an event-sourced actor: the entity most persistence tests use. Deposits and
// withdrawals persist one event each; a transfer persists two atomically; a withdrawal above the
// balance is refused without persisting; "close" persists and stops.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <orrery/actor.hpp>
#include <orrery/persistence/event_sourced_behavior.hpp>
#include <orrery/remote/wire.hpp>

namespace bank {

struct Deposited {
  std::int64_t amount = 0;
};
struct Withdrawn {
  std::int64_t amount = 0;
};
struct Account {
  std::int64_t balance = 0;
  std::int64_t operations = 0;
  friend bool operator==(const Account&, const Account&) = default;
};

using Event = std::variant<Deposited, Withdrawn>;

struct Deposit {
  std::int64_t amount = 0;
  orrery::ActorRef<orrery::StatusReply<std::int64_t>> reply_to;
};
struct Withdraw {
  std::int64_t amount = 0;
  orrery::ActorRef<orrery::StatusReply<std::int64_t>> reply_to;
};
/// Two events in one atomic write: in, then out again (net zero, two operations).
struct Churn {
  std::int64_t amount = 0;
  orrery::ActorRef<orrery::StatusReply<std::int64_t>> reply_to;
};
struct GetBalance {
  orrery::ActorRef<Account> reply_to;
};
struct Close {
  orrery::ActorRef<orrery::StatusReply<std::int64_t>> reply_to;
};

using Command = std::variant<Deposit, Withdraw, Churn, GetBalance, Close>;
using Effect = orrery::persistence::Effect<Event, Account>;

inline void apply(Account& account, const Event& event) {
  std::visit(
      [&](const auto& e) {
        if constexpr (std::is_same_v<std::decay_t<decltype(e)>, Deposited>) {
          account.balance += e.amount;
        } else {
          account.balance -= e.amount;
        }
      },
      event);
  ++account.operations;
}

inline Effect handle(orrery::ActorContext<Command>&, const Account& account, Command& command) {
  using Reply = orrery::StatusReply<std::int64_t>;
  auto balance = [](const Account& a) { return Reply::success(a.balance); };
  return std::visit(
      [&](auto& c) -> Effect {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, Deposit>) {
          return Effect::persist(Event{Deposited{c.amount}}).then_reply(c.reply_to, balance);
        } else if constexpr (std::is_same_v<C, Withdraw>) {
          if (c.amount > account.balance) {
            c.reply_to.tell(Reply::error("insufficient funds"));
            return Effect::none();
          }
          return Effect::persist(Event{Withdrawn{c.amount}}).then_reply(c.reply_to, balance);
        } else if constexpr (std::is_same_v<C, Churn>) {
          return Effect::persist(std::vector<Event>{Deposited{c.amount}, Withdrawn{c.amount}})
              .then_reply(c.reply_to, balance);
        } else if constexpr (std::is_same_v<C, GetBalance>) {
          return Effect::none().then_run([to = c.reply_to](const Account& a) { to.tell(a); });
        } else {
          return Effect::persist(Event{Withdrawn{0}}).then_reply(c.reply_to, balance).then_stop();
        }
      },
      command);
}

/// Registers the account's events and state with a system's serialization.
inline void register_types(orrery::ActorSystem& system) {
  auto& s = system.serialization();
  (void)s.register_type<Deposited>("bank.Deposited");
  (void)s.register_type<Withdrawn>("bank.Withdrawn");
  (void)s.register_type<Account>("bank.Account");
}

using Behavior = orrery::persistence::EventSourcedBehavior<Command, Event, Account>;

inline Behavior account(orrery::persistence::Stores stores, const std::string& id) {
  return Behavior(std::move(stores), "Account|" + id, Account{}, &handle, &apply);
}

}  // namespace bank

ORRERY_FIELDS(bank::Deposited, &bank::Deposited::amount);
ORRERY_FIELDS(bank::Withdrawn, &bank::Withdrawn::amount);
ORRERY_FIELDS(bank::Account, &bank::Account::balance, &bank::Account::operations);
