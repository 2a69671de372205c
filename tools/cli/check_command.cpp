// `orrery check linearizable HISTORY --model M`: reads a history file (ours or Jepsen's), checks
// it, prints the verdict and, when it is not linearizable, the operations that show it.

#include "check_command.hpp"

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include <orrery/config/config_units.hpp>
#include <orrery/testkit/check/history_format.hpp>
#include <orrery/testkit/check/models.hpp>

namespace orrery::cli {
namespace {

using namespace orrery::testkit::check;

constexpr const char* manual = R"(usage: orrery check linearizable HISTORY --model MODEL [options]

Checks whether a recorded client history is linearizable: whether every operation can be
given one instant between its invocation and its completion at which it took effect, so that
the operations in that order are what the model allows.

HISTORY is a file of one event a line, in either of two formats (told apart by the first line):
  ours, JSON lines:  {"process": 0, "type": "invoke", "f": "write", "value": 3}
  Jepsen's, EDN:     {:process 0, :type :invoke, :f :write, :value 3}
Each invocation is paired with its process's next completion: ok (it took effect), fail (it
did not) or info (unknown: it may have taken effect at any time after its invocation, or
never). Events are in real-time order; :time (or "time") orders them when every event has one.

MODEL is one of
  register       read, write
  cas-register   read, write, cas (value [old new])
  kv             get/read, put/write, append, cas, each on its :key; keys are checked apart

Options
  --model MODEL        the model (required)
  --time-limit DUR     give up after DUR of wall time and answer unknown ("30s", "2m")
  --memory-limit SIZE  give up when the search's memo passes SIZE ("1GiB"; default 2GiB)
  --no-minimize        do not cut the failing operations down to a minimal set
  --json               print one JSON object instead of text

Exit status: 0 linearizable, 1 not linearizable, 3 unknown (a limit was hit), 2 bad usage or
a malformed file (the message names the file, the line and the field).
)";

struct Options {
  std::string file;
  std::optional<ModelKind> model;
  std::optional<std::chrono::nanoseconds> time_limit;
  std::uint64_t memory_limit = std::uint64_t{2} << 30;
  bool minimize = true;
  bool json = false;
};

int usage_error(const std::string& message) {
  fmt::print(stderr, "orrery check: {}\n(see orrery check linearizable --help)\n", message);
  return 2;
}

std::string describe(const Operation& op) {
  std::string text = fmt::format("line {}: process {} :{}", op.line, op.process, op.f);
  if (!op.key.is_nil()) text += fmt::format(" key {}", op.key.to_string());
  if (!op.input.is_nil()) text += fmt::format(" {}", op.input.to_string());
  if (op.determinate()) {
    if (op.f == "read" || op.f == "get") text += fmt::format(" -> {}", op.output.to_string());
  } else {
    text += " (indeterminate)";
  }
  return text;
}

nlohmann::json to_json(const Operation& op) {
  return {{"line", op.line},
          {"process", op.process},
          {"f", op.f},
          {"key", op.key.to_string()},
          {"value", op.input.to_string()},
          {"output", op.determinate() ? op.output.to_string() : "?"},
          {"determinate", op.determinate()}};
}

}  // namespace

int check_command(std::span<const std::string_view> args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    fmt::print("{}", manual);
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "linearizable") return usage_error(fmt::format("unknown check '{}'", args[0]));
  Options options;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    auto value = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    if (arg == "--help" || arg == "-h") {
      fmt::print("{}", manual);
      return 0;
    } else if (arg == "--model") {
      auto text = value();
      if (!text) return usage_error("--model needs a value");
      auto model = parse_model(*text);
      if (!model.ok()) return usage_error(model.error().message);
      options.model = *model;
    } else if (arg == "--time-limit") {
      auto text = value();
      if (!text) return usage_error("--time-limit needs a value");
      auto limit = parse_duration(*text);
      if (!limit.ok()) return usage_error(fmt::format("--time-limit: {}", limit.error().message));
      options.time_limit = *limit;
    } else if (arg == "--memory-limit") {
      auto text = value();
      if (!text) return usage_error("--memory-limit needs a value");
      auto limit = parse_bytes(*text);
      if (!limit.ok()) return usage_error(fmt::format("--memory-limit: {}", limit.error().message));
      options.memory_limit = *limit;
    } else if (arg == "--no-minimize") {
      options.minimize = false;
    } else if (arg == "--json") {
      options.json = true;
    } else if (arg.starts_with("-")) {
      return usage_error(fmt::format("unknown option '{}'", arg));
    } else if (options.file.empty()) {
      options.file = std::string(arg);
    } else {
      return usage_error(fmt::format("one history file, got '{}' too", arg));
    }
  }
  if (options.file.empty()) return usage_error("which history file?");
  if (!options.model) return usage_error("--model is required (register, cas-register or kv)");

  std::ifstream in(options.file, std::ios::binary);
  if (!in) return usage_error(fmt::format("cannot read {}", options.file));
  std::stringstream text;
  text << in.rdbuf();
  auto events = parse_history(text.str(), options.file);
  if (!events.ok()) return usage_error(events.error().message);
  auto operations = pair_operations(*events, options.file);
  if (!operations.ok()) return usage_error(operations.error().message);

  CheckLimits limits;
  limits.max_memory_bytes = options.memory_limit;
  limits.minimize = options.minimize;
  const auto started = std::chrono::steady_clock::now();
  if (options.time_limit) {
    const auto deadline = started + *options.time_limit;
    limits.stop = [deadline] {
      return std::chrono::steady_clock::now() >= deadline;
    };
  }
  auto check = check_history(*operations, *options.model, limits, options.file);
  if (!check.ok()) return usage_error(check.error().message);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (options.json) {
    nlohmann::json out = {{"file", options.file},
                          {"model", to_string(*options.model)},
                          {"verdict", to_string(check->verdict)},
                          {"operations", check->operations},
                          {"steps", check->steps},
                          {"memo_bytes_peak", check->memo_bytes_peak},
                          {"seconds", seconds}};
    if (check->key) out["key"] = check->key->to_string();
    if (!check->limit.empty()) out["limit"] = check->limit;
    if (check->verdict == Verdict::not_linearizable) {
      out["failing"] = nlohmann::json::array();
      for (const auto& op : check->failing)
        out["failing"].push_back(to_json(op));
      out["failing_minimal"] = check->failing_minimal;
    }
    fmt::print("{}\n", out.dump());
  } else {
    fmt::print("{}: {} ({} operations, model {}, {:.3f} s)\n", options.file,
               to_string(check->verdict), check->operations, to_string(*options.model), seconds);
    if (check->verdict == Verdict::unknown) {
      fmt::print("gave up: the {} limit was reached{}\n", check->limit,
                 check->key ? fmt::format(" on key {}", check->key->to_string()) : "");
    }
    if (check->verdict == Verdict::not_linearizable) {
      fmt::print("{} operations{} that no order explains{}:\n", check->failing.size(),
                 check->key ? fmt::format(" on key {}", check->key->to_string()) : "",
                 check->failing_minimal
                     ? " (the shortest window: from a quiet instant, whatever the state was then)"
                     : "");
      for (const auto& op : check->failing)
        fmt::print("  {}\n", describe(op));
    }
  }
  switch (check->verdict) {
    case Verdict::linearizable:
      return 0;
    case Verdict::not_linearizable:
      return 1;
    case Verdict::unknown:
      return 3;
  }
  return 2;
}

}  // namespace orrery::cli
