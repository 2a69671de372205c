#pragma once
// The search behind check_linearizable(): not API. One LinearSearch checks a span once, then
// looks for a small failing set when the answer is "not linearizable".
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <orrery/core/prng.hpp>
#include <orrery/testkit/check/check_result.hpp>
#include <orrery/testkit/check/history.hpp>

namespace orrery::testkit::check {

namespace detail {

enum class Outcome { linearizable, not_linearizable, limit };

template <class M>
class LinearSearch {
 public:
  using Op = typename M::Op;
  using State = typename M::State;

  LinearSearch(std::span<const TimedOp<Op>> ops, const CheckLimits& limits)
      : ops_(ops), limits_(limits) {}

  CheckResult run() {
    CheckResult result;
    std::vector<std::size_t> all(ops_.size());
    for (std::size_t i = 0; i < all.size(); ++i)
      all[i] = i;
    const Outcome outcome = search(all, indeterminate);
    if (outcome == Outcome::linearizable) {
      result.verdict = Verdict::linearizable;
    } else if (outcome == Outcome::limit) {
      result.verdict = Verdict::unknown;
      result.limit = limit_;
    } else {
      result.verdict = Verdict::not_linearizable;
      if (limits_.minimize) {
        minimize(all, result);
      } else {
        result.failing = all;
      }
    }
    result.steps = steps_;
    result.memo_entries_peak = memo_entries_peak_;
    result.memo_bytes_peak = memo_bytes_peak_;
    return result;
  }

 private:
  static constexpr std::int32_t none = -1;

  struct Entry {
    std::uint64_t time = 0;
    std::uint32_t local = 0;  // the operation's index in the subset being searched
    bool call = false;
    std::int32_t prev = none;
    std::int32_t next = none;
    std::int32_t match = none;  // a call's return entry
  };

  struct Memo {
    std::uint64_t key = 0;
    std::uint32_t bits = 0;  // offset of its linearized set in bit_pool_
    std::int32_t chain = none;
    State state;
  };

  bool determinate(std::size_t index, std::uint64_t cut) const {
    const auto ret = ops_[index].ret;
    return ret != indeterminate && ret <= cut;
  }

  /// Whether the operations `subset` (indices into ops_) are linearizable, every operation that
  /// returns after `cut` counting as indeterminate.
  Outcome search(const std::vector<std::size_t>& subset, std::uint64_t cut) {
    const std::size_t m = subset.size();
    words_ = (m + 63) / 64;
    std::vector<Entry> entries;
    entries.reserve(2 * m + 1);
    std::size_t pending = 0;  // determinate operations not yet linearized
    for (std::uint32_t local = 0; local < m; ++local) {
      const auto& op = ops_[subset[local]];
      const bool known = determinate(subset[local], cut);
      pending += known ? 1 : 0;
      entries.push_back({op.call, local, true});
      entries.push_back({known ? op.ret : indeterminate, local, false});
    }
    // Time order; at one instant calls before returns (concurrent), then by operation.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      if (a.time != b.time) return a.time < b.time;
      if (a.call != b.call) return a.call;
      return a.local < b.local;
    });
    std::vector<std::int32_t> call_of(m, none);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].call) call_of[entries[i].local] = static_cast<std::int32_t>(i);
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (!entries[i].call) entries[call_of[entries[i].local]].match = static_cast<std::int32_t>(i);
    }
    const auto head = static_cast<std::int32_t>(entries.size());
    entries.push_back({});
    for (std::int32_t i = 0; i < head; ++i) {
      entries[i].prev = i == 0 ? head : i - 1;
      entries[i].next = i + 1 < head ? i + 1 : none;
    }
    entries[head].next = head > 0 ? 0 : none;

    std::vector<std::uint64_t> op_keys(m);
    for (std::size_t local = 0; local < m; ++local) {
      std::uint64_t seed = subset[local] + 1;
      op_keys[local] = splitmix64(seed);
    }
    std::vector<std::uint64_t> bits(words_, 0);
    std::uint64_t bits_key = 0;
    memo_.clear();
    memo_index_.clear();
    bit_pool_.clear();

    struct Frame {
      std::int32_t entry;
      State state;
    };
    std::vector<Frame> stack;
    State state = initial_;
    std::int32_t entry = entries[head].next;

    auto unlink = [&](std::int32_t e) {
      entries[entries[e].prev].next = entries[e].next;
      if (entries[e].next != none) entries[entries[e].next].prev = entries[e].prev;
    };
    auto relink = [&](std::int32_t e) {
      entries[entries[e].prev].next = e;
      if (entries[e].next != none) entries[entries[e].next].prev = e;
    };

    while (pending > 0) {
      if (++steps_ % 1024 == 0) {
        if (auto hit = over_limit(); !hit.empty()) {
          limit_ = std::move(hit);
          return Outcome::limit;
        }
      }
      ORRERY_ASSERT(entry != none, "linearizability search ran off its list");
      const Entry& current = entries[entry];
      if (current.call) {
        const std::uint32_t local = current.local;
        const bool known = determinate(subset[local], cut);
        if (auto next_state = M::step(state, ops_[subset[local]].op, known)) {
          const std::uint64_t next_key = bits_key ^ op_keys[local];
          bits[local / 64] |= std::uint64_t{1} << (local % 64);
          if (remember(bits, next_key, *next_state)) {
            stack.push_back({entry, std::move(state)});
            state = std::move(*next_state);
            bits_key = next_key;
            pending -= known ? 1 : 0;
            unlink(entry);
            unlink(current.match);
            entry = entries[head].next;
            continue;
          }
          bits[local / 64] &= ~(std::uint64_t{1} << (local % 64));
        }
        entry = current.next;
      } else {
        // The return of an operation not linearized yet: undo the newest choice.
        if (stack.empty()) return Outcome::not_linearizable;
        Frame frame = std::move(stack.back());
        stack.pop_back();
        const std::uint32_t local = entries[frame.entry].local;
        bits[local / 64] &= ~(std::uint64_t{1} << (local % 64));
        bits_key ^= op_keys[local];
        pending += determinate(subset[local], cut) ? 1 : 0;
        state = std::move(frame.state);
        relink(entries[frame.entry].match);
        relink(frame.entry);
        entry = entries[frame.entry].next;
      }
    }
    return Outcome::linearizable;
  }

  /// Adds (bits, state) to the memo; false if it was there (that branch was explored already).
  bool remember(const std::vector<std::uint64_t>& bits, std::uint64_t bits_key,
                const State& state) {
    const std::uint64_t key = mix64(bits_key, M::hash(state));
    auto [slot, inserted] = memo_index_.try_emplace(key, none);
    for (std::int32_t at = slot->second; at != none; at = memo_[at].chain) {
      const Memo& seen = memo_[at];
      if (seen.key == key && seen.state == state &&
          std::equal(bits.begin(), bits.end(), bit_pool_.begin() + seen.bits)) {
        return false;
      }
    }
    const auto offset = static_cast<std::uint32_t>(bit_pool_.size());
    bit_pool_.insert(bit_pool_.end(), bits.begin(), bits.end());
    memo_.push_back({key, offset, slot->second, state});
    slot->second = static_cast<std::int32_t>(memo_.size() - 1);
    memo_entries_peak_ = std::max<std::uint64_t>(memo_entries_peak_, memo_.size());
    memo_bytes_peak_ = std::max(memo_bytes_peak_, memo_bytes());
    return true;
  }

  std::uint64_t memo_bytes() const {
    // The entries, their bits, and the index's nodes (about four words each).
    return memo_.size() * (sizeof(Memo) + 32) + bit_pool_.size() * sizeof(std::uint64_t);
  }

  std::string over_limit() const {
    if (limits_.max_steps != 0 && steps_ >= limits_.max_steps) return "steps";
    if (steps_ >= minimize_until_) return "budget";
    if (memo_bytes() > limits_.max_memory_bytes) return "memory";
    if (limits_.stop && limits_.stop()) return "stopped";
    return {};
  }

  /// The shortest failing prefix (cut at a return), then the shortest failing window of it.
  void minimize(const std::vector<std::size_t>& all, CheckResult& result) {
    // Narrowing takes a few searches of shorter histories (two binary searches): it gets about
    // as much work again as the verdict took, and stops with what it has when that is spent.
    minimize_until_ = steps_ + std::max<std::uint64_t>(2 * steps_, 2'000'000);
    std::vector<std::uint64_t> rets;
    for (const auto& op : ops_) {
      if (op.ret != indeterminate) rets.push_back(op.ret);
    }
    std::sort(rets.begin(), rets.end());
    rets.erase(std::unique(rets.begin(), rets.end()), rets.end());
    auto prefix = [&](std::uint64_t cut) {
      std::vector<std::size_t> subset;
      for (std::size_t i : all) {
        if (ops_[i].call < cut || (ops_[i].call == cut && ops_[i].ret == cut)) subset.push_back(i);
      }
      return subset;
    };
    std::uint64_t cut = indeterminate;
    std::vector<std::size_t> failing = all;
    bool minimal = true;
    // Failing is monotone in the cut: a longer prefix only adds operations and outcomes.
    std::size_t low = 0, high = rets.size();
    while (low < high) {
      const std::size_t mid = (low + high) / 2;
      auto subset = prefix(rets[mid]);
      const Outcome outcome = search(subset, rets[mid]);
      if (outcome == Outcome::limit) {
        minimal = false;
        break;
      }
      if (outcome == Outcome::not_linearizable) {
        high = mid;
        cut = rets[mid];
        failing = std::move(subset);
      } else {
        low = mid + 1;
      }
    }
    // Then the latest quiet instant (no determinate operation in flight) from which what follows
    // still fails whatever the state then was: everything before it is summed up by "some
    // state", so the window holds the anomaly and what it needs, and leaving out the earlier
    // operations cannot fake one. Indeterminate operations called earlier stay in the window:
    // they may take effect inside it. Failing is monotone in the start: a later one only drops
    // operations. Without M::unknown() the window is the whole prefix.
    if constexpr (requires { M::unknown(); }) {
      std::vector<std::size_t> by_call = failing;
      std::sort(by_call.begin(), by_call.end(), [&](std::size_t a, std::size_t b) {
        return ops_[a].call != ops_[b].call ? ops_[a].call < ops_[b].call : a < b;
      });
      std::vector<std::uint64_t> quiet;  // candidate starts, ascending
      std::uint64_t busy_until = 0;      // the latest return of a determinate call so far
      bool any = false;
      for (std::size_t i : by_call) {
        if (!any || busy_until < ops_[i].call) {
          if (quiet.empty() || quiet.back() != ops_[i].call) quiet.push_back(ops_[i].call);
        }
        if (determinate(i, cut)) busy_until = std::max(busy_until, ops_[i].ret);
        any = true;
      }
      auto window = [&](std::uint64_t start) {
        std::vector<std::size_t> subset;
        for (std::size_t i : failing) {
          if (ops_[i].call >= start || !determinate(i, cut)) subset.push_back(i);
        }
        return subset;
      };
      initial_ = M::unknown();
      std::size_t low = 0, high = quiet.size();  // the answer is the last failing start
      std::optional<std::vector<std::size_t>> best;
      while (low < high) {
        const std::size_t mid = (low + high) / 2;
        auto subset = window(quiet[mid]);
        const Outcome outcome = search(subset, cut);
        if (outcome == Outcome::limit) {
          minimal = false;
          break;
        }
        if (outcome == Outcome::not_linearizable) {
          best = std::move(subset);
          low = mid + 1;
        } else {
          high = mid;
        }
      }
      initial_ = M::init();
      if (best) failing = std::move(*best);
    }
    std::sort(failing.begin(), failing.end(), [&](std::size_t a, std::size_t b) {
      return ops_[a].call != ops_[b].call ? ops_[a].call < ops_[b].call : a < b;
    });
    result.failing = std::move(failing);
    result.failing_minimal = minimal;
  }

  std::span<const TimedOp<Op>> ops_;
  const CheckLimits& limits_;
  State initial_ = M::init();
  std::size_t words_ = 0;
  std::vector<Memo> memo_;
  // Looked up by key only, never iterated: its order cannot reach the verdict.
  std::unordered_map<std::uint64_t, std::int32_t> memo_index_;
  std::vector<std::uint64_t> bit_pool_;
  std::uint64_t steps_ = 0;
  std::uint64_t memo_entries_peak_ = 0;
  std::uint64_t memo_bytes_peak_ = 0;
  std::uint64_t minimize_until_ = UINT64_MAX;
  std::string limit_;
};

}  // namespace detail
}  // namespace orrery::testkit::check
