// `orrery sim`: argument parsing, then the scenario registry does the work.

#include "sim_command.hpp"

#include <charconv>
#include <fstream>
#include <optional>
#include <registry.hpp>
#include <string>

#include <fmt/format.h>

namespace orrery::cli {

namespace {

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t value = 0;
  int base = 10;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    text.remove_prefix(2);
    base = 16;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

struct Options {
  std::string scenario;
  std::uint64_t seed = 1;
  bool seed_given = false;
  std::uint64_t seeds = 100;
  bool json = false;
  bool faults = true;
  bool log = false;
  std::string trace_file;
};

std::optional<Options> parse(std::span<const std::string_view> args, bool sweep) {
  Options options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    const auto value = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= args.size()) {
        fmt::print(stderr, "orrery sim: {} needs a value\n", arg);
        return std::nullopt;
      }
      return args[++i];
    };
    const auto number = [&]() -> std::optional<std::uint64_t> {
      auto text = value();
      if (!text) return std::nullopt;
      auto parsed = parse_number(*text);
      if (!parsed) fmt::print(stderr, "orrery sim: {} needs a number, got '{}'\n", arg, *text);
      return parsed;
    };
    if (arg == "--seed" || arg == "--from") {
      auto n = number();
      if (!n) return std::nullopt;
      options.seed = *n;
      options.seed_given = true;
    } else if (arg == "--seeds" && sweep) {
      auto n = number();
      if (!n) return std::nullopt;
      options.seeds = *n;
    } else if (arg == "--json") {
      options.json = true;
    } else if (arg == "--no-faults") {
      options.faults = false;
    } else if (arg == "--log" && !sweep) {
      options.log = true;
    } else if (arg == "--trace" && !sweep) {
      auto file = value();
      if (!file) return std::nullopt;
      options.trace_file = std::string(*file);
    } else if (!arg.starts_with("-") && options.scenario.empty()) {
      options.scenario = std::string(arg);
    } else {
      fmt::print(stderr, "orrery sim: unknown argument '{}'\n", arg);
      return std::nullopt;
    }
  }
  if (options.scenario.empty()) {
    fmt::print(stderr, "orrery sim: which scenario? (orrery sim list)\n");
    return std::nullopt;
  }
  return options;
}

int list() {
  for (const scenarios::Scenario& scenario : scenarios::all_scenarios()) {
    fmt::print("{:<12} {}\n", scenario.name, scenario.summary);
  }
  return 0;
}

int run(const Options& options) {
  auto scenario = scenarios::find_scenario(options.scenario);
  if (!scenario) {
    fmt::print(stderr, "orrery sim: no scenario named '{}' (orrery sim list)\n", options.scenario);
    return 2;
  }
  scenarios::ScenarioOptions run_options;
  run_options.faults = options.faults;
  run_options.echo_log = options.log;
  std::ofstream trace;
  if (!options.trace_file.empty()) {
    trace.open(options.trace_file);
    if (!trace) {
      fmt::print(stderr, "orrery sim: cannot write the trace to '{}'\n", options.trace_file);
      return 2;
    }
    run_options.trace_sink = [&trace](std::string_view line) {
      trace << line << '\n';
    };
  }
  const scenarios::ScenarioResult result = scenario->run(options.seed, run_options);
  if (options.json) {
    fmt::print("{}\n", result.to_json());
  } else {
    fmt::print("{}", result.to_text());
  }
  return result.passed ? 0 : 1;
}

int sweep(const Options& options) {
  auto scenario = scenarios::find_scenario(options.scenario);
  if (!scenario) {
    fmt::print(stderr, "orrery sim: no scenario named '{}' (orrery sim list)\n", options.scenario);
    return 2;
  }
  std::uint64_t failed = 0;
  for (std::uint64_t i = 0; i < options.seeds; ++i) {
    const std::uint64_t seed = options.seed + i;
    scenarios::ScenarioOptions run_options;
    run_options.faults = options.faults;
    const scenarios::ScenarioResult result = scenario->run(seed, run_options);
    if (options.json) {
      fmt::print("{}\n", result.to_json());
    } else if (!result.passed) {
      fmt::print("seed {:>8}  FAIL ({})  replay: orrery sim run {} --seed {}\n", seed,
                 result.invariant, options.scenario, seed);
    }
    if (!result.passed) ++failed;
  }
  if (!options.json) {
    fmt::print("{}: {} seeds from {}, {} passed, {} failed\n", options.scenario, options.seeds,
               options.seed, options.seeds - failed, failed);
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

int sim_command(std::span<const std::string_view> args) {
  if (args.empty()) {
    fmt::print(stderr, "orrery sim: list, run or sweep?\n");
    return 2;
  }
  const std::string_view verb = args[0];
  if (verb == "list") return list();
  if (verb != "run" && verb != "sweep") {
    fmt::print(stderr, "orrery sim: unknown verb '{}' (list, run, sweep)\n", verb);
    return 2;
  }
  auto options = parse(args.subspan(1), verb == "sweep");
  if (!options) return 2;
  if (verb == "run") {
    if (!options->seed_given) {
      fmt::print(stderr, "orrery sim run: --seed S is required (runs are replayed by seed)\n");
      return 2;
    }
    return run(*options);
  }
  return sweep(*options);
}

}  // namespace orrery::cli
