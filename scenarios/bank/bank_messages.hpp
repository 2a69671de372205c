#pragma once
// The bank scenario's messages and events: transfers between the accounts of a branch, sent by
// clients on other nodes over remoting, applied once, durably, by the branch's event-sourced
// entity.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <orrery/actor.hpp>
#include <orrery/remote/serialization.hpp>

namespace orrery::scenarios::bank {

inline constexpr std::uint32_t accounts_per_branch = 4;
inline constexpr std::int64_t opening_balance = 1000;

/// A branch's answer to a transfer: applied, or refused for want of funds.
struct Answer {
  std::uint64_t transfer = 0;
  bool applied = false;
};

struct Transfer {
  std::uint64_t id = 0;  // the client's; a retry sends the same id
  std::uint32_t from = 0;
  std::uint32_t to = 0;
  std::int64_t amount = 0;
  ActorRef<Answer> reply_to;
};

/// The branch's one event: money moved between two of its accounts.
struct Transferred {
  std::uint64_t id = 0;
  std::uint32_t from = 0;
  std::uint32_t to = 0;
  std::int64_t amount = 0;
};

struct Branch {
  std::vector<std::int64_t> balances =
      std::vector<std::int64_t>(accounts_per_branch, opening_balance);
  std::set<std::uint64_t> applied;  // transfer ids, to answer a retry without applying it again
};

inline void fold(Branch& branch, const Transferred& event) {
  branch.balances[event.from] -= event.amount;
  branch.balances[event.to] += event.amount;
  branch.applied.insert(event.id);
}

}  // namespace orrery::scenarios::bank

ORRERY_FIELDS(orrery::scenarios::bank::Answer, &orrery::scenarios::bank::Answer::transfer,
              &orrery::scenarios::bank::Answer::applied);
ORRERY_FIELDS(orrery::scenarios::bank::Transfer, &orrery::scenarios::bank::Transfer::id,
              &orrery::scenarios::bank::Transfer::from, &orrery::scenarios::bank::Transfer::to,
              &orrery::scenarios::bank::Transfer::amount,
              &orrery::scenarios::bank::Transfer::reply_to);
ORRERY_FIELDS(orrery::scenarios::bank::Transferred, &orrery::scenarios::bank::Transferred::id,
              &orrery::scenarios::bank::Transferred::from,
              &orrery::scenarios::bank::Transferred::to,
              &orrery::scenarios::bank::Transferred::amount);
