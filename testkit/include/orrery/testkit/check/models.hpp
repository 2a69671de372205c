#pragma once
// The built-in models, and the check of a recorded history against one (what `orrery check
// linearizable` runs).
//
//   register      read, write                      one register, initially nil
//   cas-register  read, write, cas [old new]       cas succeeds only when the register holds old
//   kv            get/read, put/write, append, cas per :key, each key its own register; append
//                                                  concatenates strings (integers as decimal text)
//
// kv is checked key by key (linearizability is compositional), so its cost is that of the worst
// key, not of the whole history.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <orrery/core/result.hpp>
#include <orrery/testkit/check/history.hpp>
#include <orrery/testkit/check/linearizability.hpp>
#include <orrery/testkit/check/value.hpp>

namespace orrery::testkit::check {

/// One operation on a register, as the built-in models take it.
struct RegisterOp {
  enum class F { read, write, cas, append };
  F f = F::read;
  /// What is written or appended; [old new] for cas.
  Value input;
  /// What a read returned (unknown when the operation is indeterminate).
  Value output;
};

/// A register's content, or "unknown" (any value: what explaining a failure starts from).
struct RegisterState {
  Value value;
  bool unknown = false;
  friend bool operator==(const RegisterState&, const RegisterState&) = default;
};

/// A register of Values, with read, write, cas and append, initially nil.
struct RegisterModel {
  using State = RegisterState;
  using Op = RegisterOp;
  static State init() { return {}; }
  /// A start in which the first read may see anything (see CheckResult::failing).
  static State unknown() { return {Value::nil(), true}; }
  static std::optional<State> step(const State& state, const Op& op, bool determinate);
  static std::uint64_t hash(const State& state) { return state.value.hash() ^ state.unknown; }
};

enum class ModelKind { register_, cas_register, kv };

/// "register", "cas-register" or "kv"; an error lists them.
Result<ModelKind> parse_model(std::string_view name);
const char* to_string(ModelKind model) noexcept;

struct HistoryCheck {
  Verdict verdict = Verdict::linearizable;
  /// The failing operations (see CheckResult::failing), in call order.
  std::vector<Operation> failing;
  bool failing_minimal = false;
  /// kv: the key whose history failed (or hit a limit).
  std::optional<Value> key;
  std::string limit;
  std::size_t operations = 0;
  std::uint64_t steps = 0;
  std::uint64_t memo_bytes_peak = 0;
};

/// Checks paired operations against a built-in model. An operation the model does not have (a
/// cas on a plain register, a kv operation without :key, a cas whose value is not [old new]) is
/// an error naming `file` and its line.
Result<HistoryCheck> check_history(const std::vector<Operation>& operations, ModelKind model,
                                   const CheckLimits& limits, std::string_view file);

}  // namespace orrery::testkit::check
