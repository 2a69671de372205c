// Replay files: writing (ordered, one plan action a line) and parsing (errors name the line).

#include <algorithm>
#include <nlohmann/json.hpp>
#include <replay_file.hpp>

#include <fmt/format.h>

#include <orrery/config/config_units.hpp>

namespace orrery::scenarios {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view format_name = "orrery-replay";

/// The 1-based line of byte `offset` in `text`.
std::size_t line_at(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

/// Best effort: the line where the top-level key `key` is written, or where the `index`-th
/// element of the "plan" array starts (each action is one line as we write them). 0: unknown.
std::size_t line_of(std::string_view text, std::string_view key, std::optional<std::size_t> index) {
  const std::string quoted = fmt::format("\"{}\"", key);
  const std::size_t at = text.find(quoted);
  if (at == std::string_view::npos) return 0;
  if (!index) return line_at(text, at);
  // Count the action objects after "plan": each starts with '{' at depth 1 of the array.
  std::size_t depth = 0;
  std::size_t seen = 0;
  bool in_string = false;
  for (std::size_t i = text.find('[', at); i != std::string_view::npos && i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      if (c == '{' && depth == 1 && seen++ == *index) return line_at(text, i);
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth == 0) break;
    }
  }
  return 0;
}

class Reader {
 public:
  Reader(std::string_view text, std::string_view name) : text_(text), name_(name) {}

  Error error(std::string_view field, std::optional<std::size_t> action,
              std::string_view what) const {
    const std::string where =
        action ? fmt::format("plan[{}]{}{}", *action, field.empty() ? "" : ".", field)
               : std::string(field);
    const std::size_t line = line_of(text_, action ? "plan" : field, action);
    if (line == 0)
      return make_error(Errc::invalid_argument, fmt::format("{}: {}: {}", name_, where, what));
    return make_error(Errc::invalid_argument,
                      fmt::format("{}:{}: {}: {}", name_, line, where, what));
  }

  Result<Duration> duration(const Json& value, std::string_view field,
                            std::optional<std::size_t> action) const {
    if (value.is_number_integer()) return Duration(value.get<std::int64_t>());
    if (!value.is_string())
      return error(field, action, "a duration is a string with a unit (\"250ms\") or nanoseconds");
    const std::string text = value.get<std::string>();
    // A leading minus is allowed here (a clock jump backwards); config durations have none.
    const bool negative = text.starts_with("-");
    auto parsed = parse_duration(negative ? std::string_view(text).substr(1) : text);
    if (!parsed.ok()) return error(field, action, parsed.error().message);
    return negative ? -*parsed : *parsed;
  }

  Result<std::vector<std::string>> names(const Json& value, std::string_view field,
                                         std::size_t action) const {
    if (!value.is_array()) return error(field, action, "a list of node names");
    std::vector<std::string> out;
    for (const Json& name : value) {
      if (!name.is_string()) return error(field, action, "a list of node names");
      out.push_back(name.get<std::string>());
    }
    return out;
  }

  Result<sim::FaultAction> action(const Json& value, std::size_t index) const {
    if (!value.is_object()) return error("", index, "an action is an object");
    static constexpr std::string_view known[] = {"at",       "kind",  "nodes", "groups",
                                                 "duration", "delta", "ppm"};
    for (const auto& [key, ignored] : value.items()) {
      if (std::find(std::begin(known), std::end(known), key) == std::end(known))
        return error(key, index, "unknown field (at, kind, nodes, groups, duration, delta, ppm)");
    }
    sim::FaultAction out;
    if (!value.contains("kind") || !value["kind"].is_string())
      return error("kind", index, "missing (partition, crash, pause, clock_jump, ...)");
    auto kind = sim::fault_kind_from_string(value["kind"].get<std::string>());
    if (!kind)
      return error("kind", index,
                   fmt::format("unknown fault kind '{}' (partition, partition_one_way, isolate, "
                               "crash, pause, clock_jump, clock_drift, clog, lossy_network, "
                               "disk_errors)",
                               value["kind"].get<std::string>()));
    out.kind = *kind;
    if (!value.contains("at")) return error("at", index, "missing (when the fault starts)");
    auto at = duration(value["at"], "at", index);
    if (!at.ok()) return at.error();
    out.at = *at;
    if (value.contains("duration")) {
      auto d = duration(value["duration"], "duration", index);
      if (!d.ok()) return d.error();
      out.duration = *d;
    }
    if (value.contains("delta")) {
      auto d = duration(value["delta"], "delta", index);
      if (!d.ok()) return d.error();
      out.delta = *d;
    }
    if (value.contains("ppm")) {
      if (!value["ppm"].is_number_integer())
        return error("ppm", index, "an integer (parts per million)");
      const auto ppm = value["ppm"].get<std::int64_t>();
      if (ppm < -1'000'000 || ppm > 1'000'000)
        return error("ppm", index, "must be within a million either way");
      out.ppm = static_cast<std::int32_t>(ppm);
    }
    if (value.contains("nodes")) {
      auto n = names(value["nodes"], "nodes", index);
      if (!n.ok()) return n.error();
      out.nodes = std::move(*n);
    }
    if (value.contains("groups")) {
      if (!value["groups"].is_array()) return error("groups", index, "a list of lists of nodes");
      for (const Json& group : value["groups"]) {
        auto n = names(group, "groups", index);
        if (!n.ok()) return n.error();
        out.groups.push_back(std::move(*n));
      }
    }
    return out;
  }

  Result<PlanFile> plan(const Json& root) const {
    PlanFile out;
    if (!root.contains("plan")) return error("plan", std::nullopt, "missing (a list of actions)");
    if (!root["plan"].is_array()) return error("plan", std::nullopt, "a list of actions");
    for (std::size_t i = 0; i < root["plan"].size(); ++i) {
      auto a = action(root["plan"][i], i);
      if (!a.ok()) return a.error();
      out.plan.actions.push_back(std::move(*a));
    }
    if (root.contains("add_generated")) {
      if (!root["add_generated"].is_boolean())
        return error("add_generated", std::nullopt, "true or false");
      out.add_generated = root["add_generated"].get<bool>();
    }
    return out;
  }

  Result<Json> parse() const {
    try {
      Json root = Json::parse(text_);
      if (!root.is_object())
        return make_error(Errc::invalid_argument, fmt::format("{}:1: not a JSON object", name_));
      return root;
    } catch (const Json::parse_error& e) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{}:{}: malformed JSON ({})", name_,
                                    line_at(text_, e.byte == 0 ? 0 : e.byte - 1), e.what()));
    }
  }

  Result<std::string> string(const Json& root, std::string_view key, bool required) const {
    if (!root.contains(key)) {
      if (required) return error(key, std::nullopt, "missing");
      return std::string();
    }
    if (!root[std::string(key)].is_string()) return error(key, std::nullopt, "a string");
    return root[std::string(key)].get<std::string>();
  }

 private:
  std::string_view text_;
  std::string_view name_;
};

Json action_json(const sim::FaultAction& action) {
  Json out;
  out["at"] = format_duration(action.at);
  out["kind"] = sim::to_string(action.kind);
  if (!action.nodes.empty()) out["nodes"] = action.nodes;
  if (!action.groups.empty()) out["groups"] = action.groups;
  if (action.duration.count() != 0) out["duration"] = format_duration(action.duration);
  if (action.delta.count() != 0) out["delta"] = format_duration(action.delta);
  if (action.ppm != 0) out["ppm"] = action.ppm;
  return out;
}

}  // namespace

std::string format_duration(Duration duration) {
  const std::int64_t ns = duration.count();
  if (ns == 0) return "0s";
  const std::string sign = ns < 0 ? "-" : "";
  const std::int64_t magnitude = ns < 0 ? -ns : ns;
  constexpr std::pair<std::int64_t, const char*> units[] = {
      {3'600'000'000'000, "h"}, {60'000'000'000, "m"}, {1'000'000'000, "s"}, {1'000'000, "ms"}};
  for (const auto& [size, unit] : units) {
    if (magnitude % size == 0) return fmt::format("{}{}{}", sign, magnitude / size, unit);
  }
  // Exact decimal seconds ("4.295664183s"), which read better than a count of nanoseconds.
  std::string fraction = fmt::format("{:09}", magnitude % 1'000'000'000);
  while (fraction.back() == '0')
    fraction.pop_back();
  return fmt::format("{}{}.{}s", sign, magnitude / 1'000'000'000, fraction);
}

std::vector<std::string> build_differences(const BuildInfo& recorded, const BuildInfo& current) {
  std::vector<std::string> out;
  const auto compare = [&](const char* what, const std::string& then, const std::string& now) {
    if (then != now) out.push_back(fmt::format("{} '{}' recorded, '{}' here", what, then, now));
  };
  compare("commit", recorded.commit, current.commit);
  compare("build type", recorded.build_type, current.build_type);
  compare("compiler", recorded.compiler, current.compiler);
  compare("sanitizer", recorded.sanitizer, current.sanitizer);
  return out;
}

ReplayFile replay_file_of(const ScenarioResult& result, BuildInfo build) {
  ReplayFile file;
  file.scenario = result.scenario;
  file.seed = result.seed;
  file.bug = result.bug;
  file.until = result.until;
  if (result.operations > 0) file.operations = result.operations;
  file.plan = result.realized_plan;
  file.expected = Expected{.passed = result.passed,
                           .invariant = result.invariant,
                           .trace_hash = result.trace_hash,
                           .events = result.events};
  file.build = std::move(build);
  return file;
}

ScenarioOptions options_of(const ReplayFile& file) {
  ScenarioOptions options;
  options.plan = file.plan;
  options.add_generated = file.add_generated;
  options.bug = file.bug;
  options.until = file.until;
  options.operations = file.operations;
  return options;
}

std::string to_json(const ReplayFile& file) {
  // Written by hand around nlohmann's dumps so that each plan action sits on one line.
  const auto str = [](const std::string& s) {
    return Json(s).dump();
  };
  std::string out = "{\n";
  out += fmt::format("  \"format\": \"{}\",\n  \"version\": {},\n", format_name, file.version);
  out += fmt::format("  \"scenario\": {},\n  \"seed\": {},\n  \"bug\": {},\n", str(file.scenario),
                     file.seed, str(file.bug));
  if (file.until) out += fmt::format("  \"until\": {},\n", str(format_duration(*file.until)));
  if (file.operations) out += fmt::format("  \"operations\": {},\n", *file.operations);
  out += fmt::format("  \"add_generated\": {},\n", file.add_generated ? "true" : "false");
  out += "  \"plan\": [";
  for (std::size_t i = 0; i < file.plan.actions.size(); ++i)
    out += (i == 0 ? "\n    " : ",\n    ") + action_json(file.plan.actions[i]).dump();
  out += file.plan.actions.empty() ? "],\n" : "\n  ],\n";
  if (file.expected) {
    Json expected;
    expected["verdict"] = file.expected->passed ? "pass" : "fail";
    expected["invariant"] = file.expected->invariant;
    expected["trace_hash"] = fmt::format("{:016x}", file.expected->trace_hash);
    expected["events"] = file.expected->events;
    out += "  \"expected\": " + expected.dump() + ",\n";
  }
  Json build;
  build["commit"] = file.build.commit;
  build["build_type"] = file.build.build_type;
  build["compiler"] = file.build.compiler;
  build["sanitizer"] = file.build.sanitizer;
  out += "  \"build\": " + build.dump() + "\n}\n";
  return out;
}

Result<PlanFile> parse_plan_file(std::string_view text, std::string_view name) {
  const Reader reader(text, name);
  auto root = reader.parse();
  if (!root.ok()) return root.error();
  return reader.plan(*root);
}

Result<ReplayFile> parse_replay_file(std::string_view text, std::string_view name) {
  const Reader reader(text, name);
  auto parsed = reader.parse();
  if (!parsed.ok()) return parsed.error();
  const Json& root = *parsed;
  ReplayFile file;
  auto format = reader.string(root, "format", true);
  if (!format.ok()) return format.error();
  if (*format != format_name)
    return reader.error("format", std::nullopt,
                        fmt::format("'{}' is not a replay file (\"{}\")", *format, format_name));
  if (!root.contains("version") || !root["version"].is_number_integer())
    return reader.error("version", std::nullopt, "missing or not an integer");
  file.version = root["version"].get<int>();
  if (file.version > ReplayFile::current_version || file.version < 1)
    return reader.error("version", std::nullopt,
                        fmt::format("version {} is not one this build reads (1 to {}); a newer "
                                    "orrery wrote it",
                                    file.version, ReplayFile::current_version));
  auto scenario = reader.string(root, "scenario", true);
  if (!scenario.ok()) return scenario.error();
  file.scenario = *scenario;
  if (!root.contains("seed") || !root["seed"].is_number_unsigned())
    return reader.error("seed", std::nullopt, "missing or not a non-negative integer");
  file.seed = root["seed"].get<std::uint64_t>();
  auto bug = reader.string(root, "bug", false);
  if (!bug.ok()) return bug.error();
  file.bug = *bug;
  if (root.contains("until")) {
    auto until = reader.duration(root["until"], "until", std::nullopt);
    if (!until.ok()) return until.error();
    if (until->count() <= 0) return reader.error("until", std::nullopt, "must be positive");
    file.until = *until;
  }
  if (root.contains("operations")) {
    if (!root["operations"].is_number_unsigned() ||
        root["operations"].get<std::uint64_t>() > UINT32_MAX)
      return reader.error("operations", std::nullopt, "a non-negative integer");
    file.operations = root["operations"].get<std::uint32_t>();
  }
  auto plan = reader.plan(root);
  if (!plan.ok()) return plan.error();
  file.plan = std::move(plan->plan);
  file.add_generated = plan->add_generated;
  if (root.contains("expected")) {
    const Json& e = root["expected"];
    if (!e.is_object()) return reader.error("expected", std::nullopt, "an object");
    Expected expected;
    if (!e.contains("verdict") || !e["verdict"].is_string() ||
        (e["verdict"] != "pass" && e["verdict"] != "fail"))
      return reader.error("expected", std::nullopt, "verdict: \"pass\" or \"fail\"");
    expected.passed = e["verdict"] == "pass";
    if (e.contains("invariant")) {
      if (!e["invariant"].is_string())
        return reader.error("expected", std::nullopt, "invariant: a string");
      expected.invariant = e["invariant"].get<std::string>();
    }
    if (!e.contains("trace_hash") || !e["trace_hash"].is_string())
      return reader.error("expected", std::nullopt, "trace_hash: 16 hex digits");
    const std::string hash = e["trace_hash"].get<std::string>();
    std::size_t used = 0;
    try {
      expected.trace_hash = std::stoull(hash, &used, 16);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != hash.size() || hash.empty())
      return reader.error("expected", std::nullopt,
                          fmt::format("trace_hash: '{}' is not hex digits", hash));
    if (e.contains("events")) {
      if (!e["events"].is_number_unsigned())
        return reader.error("expected", std::nullopt, "events: a non-negative integer");
      expected.events = e["events"].get<std::uint64_t>();
    }
    file.expected = expected;
  }
  if (root.contains("build") && root["build"].is_object()) {
    const Json& b = root["build"];
    const auto field = [&](const char* key) {
      return b.contains(key) && b[key].is_string() ? b[key].get<std::string>() : std::string();
    };
    file.build = {field("commit"), field("build_type"), field("compiler"), field("sanitizer")};
  }
  return file;
}

}  // namespace orrery::scenarios
