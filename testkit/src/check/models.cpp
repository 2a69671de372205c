#include <map>

#include <fmt/format.h>

#include <orrery/testkit/check/models.hpp>

namespace orrery::testkit::check {
namespace {

/// Appends read as text: strings as they are, integers in decimal.
std::string as_text(const Value& value) {
  if (value.is_string()) return value.as_string();
  if (value.is_integer()) return fmt::format("{}", value.as_integer());
  return value.to_string();
}

/// What a read may return for `state`: the value itself, or, for text built by appends, the same
/// text spelled as an integer.
bool reads_as(const Value& state, const Value& read) {
  if (state == read) return true;
  return state.is_string() && read.is_integer() && state.as_string() == as_text(read);
}

Result<RegisterOp> to_register_op(const Operation& operation, ModelKind model,
                                  std::string_view file) {
  auto refuse = [&](std::string why) -> Error {
    return make_error(Errc::invalid_argument, fmt::format("{}:{}: field f: {} (model {})", file,
                                                          operation.line, why, to_string(model)));
  };
  RegisterOp op;
  op.input = operation.input;
  op.output = operation.output;
  const std::string& f = operation.f;
  const bool kv = model == ModelKind::kv;
  if (f == "read" || (kv && f == "get")) {
    op.f = RegisterOp::F::read;
  } else if (f == "write" || (kv && f == "put")) {
    op.f = RegisterOp::F::write;
  } else if (f == "cas" && model != ModelKind::register_) {
    op.f = RegisterOp::F::cas;
    if (!op.input.is_list() || op.input.as_list().size() != 2) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{}:{}: field value: a cas takes [old new], got {}", file,
                                    operation.line, op.input.to_string()));
    }
  } else if (f == "append" && kv) {
    op.f = RegisterOp::F::append;
  } else {
    return refuse(fmt::format("no operation :{}", f));
  }
  if (kv && operation.key.is_nil()) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{}:{}: field key: missing (model kv)", file, operation.line));
  }
  return op;
}

}  // namespace

std::optional<RegisterState> RegisterModel::step(const RegisterState& state, const RegisterOp& op,
                                                 bool determinate) {
  switch (op.f) {
    case RegisterOp::F::read:
      if (!determinate) return state;
      if (state.unknown) return RegisterState{op.output};
      if (reads_as(state.value, op.output)) return state;
      return std::nullopt;
    case RegisterOp::F::write:
      return RegisterState{op.input};
    case RegisterOp::F::cas:
      if (state.unknown || state.value == op.input.as_list()[0]) {
        return RegisterState{op.input.as_list()[1]};
      }
      return std::nullopt;
    case RegisterOp::F::append:
      if (state.unknown) return state;
      return RegisterState{Value::string(
          state.value.is_nil() ? as_text(op.input) : as_text(state.value) + as_text(op.input))};
  }
  return std::nullopt;
}

const char* to_string(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::linearizable:
      return "linearizable";
    case Verdict::not_linearizable:
      return "not linearizable";
    case Verdict::unknown:
      return "unknown";
  }
  return "?";
}

Result<ModelKind> parse_model(std::string_view name) {
  if (name == "register") return ModelKind::register_;
  if (name == "cas-register") return ModelKind::cas_register;
  if (name == "kv") return ModelKind::kv;
  return make_error(Errc::invalid_argument,
                    fmt::format("unknown model '{}': register, cas-register or kv", name));
}

const char* to_string(ModelKind model) noexcept {
  switch (model) {
    case ModelKind::register_:
      return "register";
    case ModelKind::cas_register:
      return "cas-register";
    case ModelKind::kv:
      return "kv";
  }
  return "?";
}

Result<HistoryCheck> check_history(const std::vector<Operation>& operations, ModelKind model,
                                   const CheckLimits& limits, std::string_view file) {
  // Partitions by key (one partition for the single-register models), in key order.
  struct Partition {
    std::vector<TimedOp<RegisterOp>> ops;
    std::vector<std::size_t> source;  // index into `operations`
  };
  std::map<std::string, Partition> partitions;
  for (std::size_t i = 0; i < operations.size(); ++i) {
    const Operation& operation = operations[i];
    auto op = to_register_op(operation, model, file);
    if (!op.ok()) return op.error();
    // A read nobody saw the answer of changes nothing and constrains nothing: leaving it out
    // spares the search every place it could have gone.
    if (op->f == RegisterOp::F::read && !operation.determinate()) continue;
    auto& partition = partitions[model == ModelKind::kv ? operation.key.to_string() : ""];
    partition.ops.push_back({std::move(*op), operation.call, operation.ret});
    partition.source.push_back(i);
  }
  HistoryCheck check;
  check.operations = operations.size();
  bool unknown = false;
  for (auto& [key, partition] : partitions) {
    CheckResult result = check_linearizable<RegisterModel>(partition.ops, limits);
    check.steps += result.steps;
    check.memo_bytes_peak = std::max(check.memo_bytes_peak, result.memo_bytes_peak);
    const Value key_value = operations[partition.source.front()].key;
    if (result.verdict == Verdict::not_linearizable) {
      check.verdict = Verdict::not_linearizable;
      check.failing_minimal = result.failing_minimal;
      for (std::size_t index : result.failing) {
        check.failing.push_back(operations[partition.source[index]]);
      }
      if (model == ModelKind::kv) check.key = key_value;
      check.limit.clear();
      return check;
    }
    if (result.verdict == Verdict::unknown && !unknown) {
      unknown = true;
      check.limit = result.limit;
      if (model == ModelKind::kv) check.key = key_value;
    }
  }
  check.verdict = unknown ? Verdict::unknown : Verdict::linearizable;
  return check;
}

}  // namespace orrery::testkit::check
