#pragma once
// A recorded client history, as Jepsen records one: each client process invokes an operation and
// later completes it with ok (it took effect, with this result), fail (it certainly did not take
// effect) or info (nobody knows: a timeout, a crash). pair_operations() turns the events into
// operations with a call and a return position, which is what the checkers take.
//
//   {:process 0, :type :invoke, :f :write, :value 3}
//   {:process 0, :type :ok,     :f :write, :value 3}
//
// Positions are the events' order in the history (or their `time`, when every event has one), so
// an operation whose completion comes before another's invocation precedes it in real time.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <orrery/core/result.hpp>
#include <orrery/testkit/check/value.hpp>

namespace orrery::testkit::check {

enum class EventType { invoke, ok, fail, info };

const char* to_string(EventType type) noexcept;

/// One line of a history file.
struct HistoryEvent {
  std::int64_t process = 0;
  EventType type = EventType::invoke;
  /// The operation's function: "read", "write", "cas", "append", ...
  std::string f;
  /// The key, for multi-key models (kv); nil otherwise.
  Value key;
  Value value;
  /// The event's time, if the file gives one (Jepsen's :time, nanoseconds).
  std::optional<std::int64_t> time;
  /// The 1-based line of the file it came from, for error messages.
  std::size_t line = 0;
};

/// An operation's return position when it never completed, or completed with info.
inline constexpr std::uint64_t indeterminate = UINT64_MAX;

/// An invocation and its completion.
struct Operation {
  std::int64_t process = 0;
  std::string f;
  Value key;
  /// The invocation's value (what is written; [old new] for cas; usually nil for reads).
  Value input;
  /// The completion's value (what was read); meaningless when the operation is indeterminate.
  Value output;
  std::uint64_t call = 0;
  /// indeterminate for info or a missing completion: it may have taken effect, or not, at any
  /// point after its call.
  std::uint64_t ret = indeterminate;
  /// The invocation's line in the file.
  std::size_t line = 0;

  bool determinate() const noexcept { return ret != indeterminate; }
};

/// Pairs each invocation with its process's next completion. Failed operations are left out (they
/// took no effect); an invocation never completed is indeterminate. Errors (naming `file` and the
/// line): a completion with no invocation, a second invocation while one is open, a completion
/// whose :f differs from its invocation's.
Result<std::vector<Operation>> pair_operations(const std::vector<HistoryEvent>& events,
                                               std::string_view file);

}  // namespace orrery::testkit::check
