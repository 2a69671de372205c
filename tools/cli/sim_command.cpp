// `orrery sim`: the verbs list, run, shrink and replay (sweep is in sim_sweep.cpp).

#include "sim_command.hpp"

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <registry.hpp>
#include <replay_file.hpp>
#include <shrink.hpp>
#include <string>

#include <fmt/format.h>

#include "build_info.hpp"
#include "sim_files.hpp"
#include "sim_manual.hpp"
#include "sim_options.hpp"
#include "sim_sweep.hpp"

namespace orrery::cli {

namespace {

using Json = nlohmann::ordered_json;

int usage_error(const Error& error) {
  fmt::print(stderr, "{}\n", error.message);
  return 2;
}

int list(std::span<const std::string_view> args) {
  static constexpr std::string_view flags[] = {"--json"};
  auto options = parse_sim_options("list", args, {.flags = flags, .target = false});
  if (!options.ok()) return usage_error(options.error());
  if (options->help) {
    fmt::print("{}", manual::list);
    return 0;
  }
  const auto scenarios = scenarios::all_scenarios();
  if (options->json) {
    Json out;
    out["scenarios"] = Json::array();
    for (const scenarios::Scenario& scenario : scenarios) {
      Json entry;
      entry["name"] = scenario.name;
      entry["summary"] = scenario.summary;
      entry["default_until"] = scenarios::format_duration(scenario.default_until);
      entry["invariants"] = Json::array();
      for (const auto& invariant : scenario.invariants)
        entry["invariants"].push_back(
            {{"name", invariant.name}, {"phase", invariant.phase}, {"summary", invariant.summary}});
      entry["bugs"] = Json::array();
      for (const auto& bug : scenario.bugs)
        entry["bugs"].push_back({{"name", bug.name}, {"summary", bug.summary}});
      out["scenarios"].push_back(std::move(entry));
    }
    fmt::print("{}\n", out.dump());
    return 0;
  }
  for (const scenarios::Scenario& scenario : scenarios) {
    fmt::print("{}\n  {}\n  safety phase {} by default\n  invariants:\n", scenario.name,
               scenario.summary, scenarios::format_duration(scenario.default_until));
    for (const auto& invariant : scenario.invariants)
      fmt::print("    {:<16} {:<9} {}\n", invariant.name, invariant.phase, invariant.summary);
    if (scenario.bugs.empty()) {
      fmt::print("  planted bugs: none\n");
    } else {
      fmt::print("  planted bugs (--bug NAME):\n");
      for (const auto& bug : scenario.bugs)
        fmt::print("    {:<28} {}\n", bug.name, bug.summary);
    }
    fmt::print("\n");
  }
  return 0;
}

/// The scenario named `name`, and `bug` checked against it; the error is printed.
std::optional<scenarios::Scenario> scenario_for(std::string_view name, std::string_view bug) {
  auto scenario = scenarios::find_scenario(name);
  if (!scenario) {
    fmt::print(stderr, "orrery sim: no scenario named '{}' (orrery sim list)\n", name);
    return std::nullopt;
  }
  if (!bug.empty() && !scenario->has_bug(bug)) {
    std::string known;
    for (const auto& info : scenario->bugs)
      known += (known.empty() ? "" : ", ") + std::string(info.name);
    fmt::print(stderr, "orrery sim: scenario '{}' has no planted bug '{}' ({})\n", name, bug,
               known.empty() ? "it has none" : known);
    return std::nullopt;
  }
  return scenario;
}

/// Opens `path` for the trace and points `options.trace_sink` at it.
bool attach_trace(const std::string& path, std::ofstream& trace,
                  scenarios::ScenarioOptions& options) {
  if (path.empty()) return true;
  trace.open(path);
  if (!trace) {
    fmt::print(stderr, "orrery sim: cannot write the trace to '{}'\n", path);
    return false;
  }
  options.trace_sink = [&trace](std::string_view line) {
    trace << line << '\n';
  };
  return true;
}

int run(std::span<const std::string_view> args) {
  static constexpr std::string_view flags[] = {
      "--seed", "--plan", "--add-generated", "--until",     "--bug", "--trace",
      "--out",  "-o",     "--json",          "--no-faults", "--log"};
  auto options = parse_sim_options("run", args, {.flags = flags});
  if (!options.ok()) return usage_error(options.error());
  if (options->help) {
    fmt::print("{}", manual::run);
    return 0;
  }
  if (!options->seed_given) {
    fmt::print(stderr, "orrery sim run: --seed S is required (runs are replayed by seed)\n");
    return 2;
  }
  auto scenario = scenario_for(options->target, options->bug);
  if (!scenario) return 2;
  scenarios::ScenarioOptions run_options;
  run_options.faults = options->faults;
  run_options.echo_log = options->log;
  run_options.bug = options->bug;
  run_options.until = options->until;
  if (!options->plan_file.empty()) {
    auto text = read_text_file(options->plan_file);
    if (!text.ok()) return usage_error(text.error());
    auto plan = scenarios::parse_plan_file(*text, options->plan_file);
    if (!plan.ok()) return usage_error(plan.error());
    run_options.plan = std::move(plan->plan);
    run_options.add_generated = plan->add_generated || options->add_generated;
  } else if (options->add_generated) {
    fmt::print(stderr, "orrery sim run: --add-generated goes with --plan FILE\n");
    return 2;
  }
  std::ofstream trace;
  if (!attach_trace(options->trace_file, trace, run_options)) return 2;
  const scenarios::ScenarioResult result = scenario->run(options->seed, run_options);
  if (!options->out.empty()) {
    const auto file = scenarios::replay_file_of(result, this_build());
    if (Status written = write_text_file(options->out, scenarios::to_json(file)); !written.ok())
      return usage_error(written.error());
  }
  if (options->json) {
    fmt::print("{}\n", result.to_json());
  } else {
    fmt::print("{}", result.to_text());
  }
  return result.passed ? 0 : 1;
}

Result<scenarios::ReplayFile> load_replay_file(const std::string& path) {
  auto text = read_text_file(path);
  if (!text.ok()) return text.error();
  return scenarios::parse_replay_file(*text, path);
}

int shrink(std::span<const std::string_view> args) {
  static constexpr std::string_view flags[] = {"--out", "-o", "--time-limit", "--json",
                                               "--no-progress"};
  auto options = parse_sim_options("shrink", args, {.flags = flags});
  if (!options.ok()) return usage_error(options.error());
  if (options->help) {
    fmt::print("{}", manual::shrink);
    return 0;
  }
  auto file = load_replay_file(options->target);
  if (!file.ok()) return usage_error(file.error());
  auto scenario = scenario_for(file->scenario, file->bug);
  if (!scenario) return 2;
  const auto started = std::chrono::steady_clock::now();
  const auto limit = options->time_limit.value_or(std::chrono::minutes(5));
  scenarios::ShrinkOptions shrink_options;
  shrink_options.keep_going = [&] {
    return std::chrono::steady_clock::now() - started < limit;
  };
  if (options->progress && !options->json) {
    shrink_options.progress = [](const scenarios::ReplayFile& smaller, std::size_t runs) {
      fmt::print(stderr, "  run {:>4}: still failing with {} fault actions, {} operations\n", runs,
                 smaller.plan.actions.size(), smaller.operations.value_or(0));
    };
  }
  auto shrunk = scenarios::shrink(*scenario, *file, shrink_options);
  if (!shrunk.ok()) {
    fmt::print(stderr, "orrery sim shrink: {}: {}\n", options->target, shrunk.error().message);
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string out = options->out;
  if (out.empty()) {
    out = options->target;
    if (out.ends_with(".json")) out.resize(out.size() - 5);
    out += ".shrunk.json";
  }
  shrunk->shrunk.build = this_build();
  if (Status written = write_text_file(out, scenarios::to_json(shrunk->shrunk)); !written.ok())
    return usage_error(written.error());
  const auto ms = [](Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  if (options->json) {
    Json result;
    result["file"] = options->target;
    result["shrunk_file"] = out;
    result["invariant"] = shrunk->invariant;
    result["runs"] = shrunk->runs;
    result["complete"] = shrunk->complete;
    result["wall_s"] = seconds;
    result["fault_actions"] = {{"before", shrunk->actions_before},
                               {"after", shrunk->actions_after}};
    result["fault_time_ms"] = {{"before", ms(shrunk->fault_time_before)},
                               {"after", ms(shrunk->fault_time_after)}};
    result["operations"] = {{"before", shrunk->operations_before},
                            {"after", shrunk->operations_after}};
    result["until_ms"] = {{"before", ms(shrunk->until_before)}, {"after", ms(shrunk->until_after)}};
    result["trace_hash"] = fmt::format("{:016x}", shrunk->shrunk.expected->trace_hash);
    fmt::print("{}\n", result.dump());
    return 0;
  }
  fmt::print("shrunk {} seed {} ({}), still failing '{}'\n", file->scenario, file->seed,
             file->bug.empty() ? "no planted bug" : "bug " + file->bug, shrunk->invariant);
  fmt::print("  fault actions    {:>6} -> {}\n", shrunk->actions_before, shrunk->actions_after);
  fmt::print("  fault time       {:>6} ms -> {} ms\n", ms(shrunk->fault_time_before),
             ms(shrunk->fault_time_after));
  fmt::print("  operations       {:>6} -> {}\n", shrunk->operations_before,
             shrunk->operations_after);
  fmt::print("  safety phase     {:>6} ms -> {} ms\n", ms(shrunk->until_before),
             ms(shrunk->until_after));
  fmt::print("  {} runs in {:.1f} s{}\n", shrunk->runs, seconds,
             shrunk->complete ? "" : " (stopped by a limit before the smallest)");
  fmt::print("\nminimal plan:\n{}", shrunk->shrunk.plan.actions.empty()
                                        ? std::string("  (none: the bug needs no fault)\n")
                                        : shrunk->shrunk.plan.describe());
  fmt::print("\nwritten to {}\nreplay:    orrery sim replay {}\n", out, out);
  return 0;
}

int replay(std::span<const std::string_view> args) {
  static constexpr std::string_view flags[] = {"--trace", "--json"};
  auto options = parse_sim_options("replay", args, {.flags = flags});
  if (!options.ok()) return usage_error(options.error());
  if (options->help) {
    fmt::print("{}", manual::replay);
    return 0;
  }
  auto file = load_replay_file(options->target);
  if (!file.ok()) return usage_error(file.error());
  auto scenario = scenario_for(file->scenario, file->bug);
  if (!scenario) return 2;
  if (!file->expected) {
    fmt::print(stderr,
               "{}: expected: missing (a replay file records the verdict and hash it "
               "expects; run a plan alone with orrery sim run --plan)\n",
               options->target);
    return 2;
  }
  scenarios::ScenarioOptions run_options = scenarios::options_of(*file);
  std::ofstream trace;
  if (!attach_trace(options->trace_file, trace, run_options)) return 2;
  const scenarios::ScenarioResult result = scenario->run(file->seed, run_options);
  const scenarios::Expected& expected = *file->expected;
  const bool reproduced = result.passed == expected.passed &&
                          result.invariant == expected.invariant &&
                          result.trace_hash == expected.trace_hash;
  const auto differences = scenarios::build_differences(file->build, this_build());
  if (options->json) {
    Json out;
    out["file"] = options->target;
    out["reproduced"] = reproduced;
    out["expected"] = {{"verdict", expected.passed ? "pass" : "fail"},
                       {"invariant", expected.invariant},
                       {"trace_hash", fmt::format("{:016x}", expected.trace_hash)}};
    out["actual"] = {{"verdict", result.passed ? "pass" : "fail"},
                     {"invariant", result.invariant},
                     {"trace_hash", fmt::format("{:016x}", result.trace_hash)},
                     {"events", result.events}};
    out["differences"] = differences;
    fmt::print("{}\n", out.dump());
    return reproduced ? 0 : 1;
  }
  fmt::print("{}", result.to_text());
  if (reproduced) {
    fmt::print("\nreproduced: verdict {}, invariant '{}', trace hash {:016x} as recorded\n",
               result.passed ? "pass" : "fail", result.invariant, result.trace_hash);
    return 0;
  }
  fmt::print(stderr,
             "\norrery sim replay: {}: NOT reproduced: recorded {} ('{}', hash {:016x}), got {} "
             "('{}', hash {:016x})\n",
             options->target, expected.passed ? "pass" : "fail", expected.invariant,
             expected.trace_hash, result.passed ? "pass" : "fail", result.invariant,
             result.trace_hash);
  if (differences.empty()) {
    fmt::print(stderr,
               "  the file was recorded by this same build (commit, build type, compiler and "
               "sanitizer agree): a determinism bug; please report it with the file\n");
  } else {
    for (const std::string& difference : differences)
      fmt::print(stderr, "  differs: {}\n", difference);
  }
  return 1;
}

}  // namespace

int sim_command(std::span<const std::string_view> args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    fmt::print(args.empty() ? stderr : stdout, "{}", manual::sim);
    return args.empty() ? 2 : 0;
  }
  const std::string_view verb = args[0];
  const auto rest = args.subspan(1);
  if (verb == "list") return list(rest);
  if (verb == "run") return run(rest);
  if (verb == "sweep") return sweep_command(rest);
  if (verb == "sweep-worker") return sweep_worker(rest);
  if (verb == "shrink") return shrink(rest);
  if (verb == "replay") return replay(rest);
  fmt::print(stderr, "orrery sim: unknown verb '{}' (list, run, sweep, shrink, replay)\n", verb);
  return 2;
}

}  // namespace orrery::cli
