// orrery-bench: Orrery's figures beside a peer's (CAF 0.17; raw gRPC for remoting), measured in
// one invocation on this machine.
//
//   orrery-bench                      every benchmark, as a table
//   orrery-bench pingpong. ask.rtt    a subset: exact names, or prefixes
//   orrery-bench --json [NAME...]     a JSON array of {name, unit, ours, peer, peer_value, ratio}
//   orrery-bench --list               the names and what each measures
//   orrery-bench --quick              small workloads (the smoke test)
//   orrery-bench --repetitions N      runs per side (default 5); the median is kept
//   orrery-bench --only ours|peer     one side's figures only, each run (for perf stat)
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "benchmark.hpp"
#include "remote_workloads.hpp"
#include "report.hpp"

namespace orrery::bench {
namespace {

struct Options {
  bool json = false;
  bool list = false;
  RunScale scale;
  std::uint32_t repetitions = 5;
  std::vector<std::string> names;
  /// "ours" or "peer": run only that side and print its figures (for perf stat and profilers).
  std::string only_side;
};

void print_usage(std::FILE* to) {
  std::fprintf(
      to,
      "usage: orrery-bench [--json] [--quick] [--repetitions N] [--only ours|peer] [--list] "
      "[NAME|PREFIX...]\n"
      "  Runs Orrery's benchmarks beside a peer's and prints ours, the peer's figure, and the "
      "ratio\n"
      "  (how many times better ours is). NAME is an exact name, or else a prefix (pingpong.).\n");
}

/// Parses the command line; false (after printing why) when it does not parse.
bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--json") {
      options.json = true;
    } else if (arg == "--only" && i + 1 < argc) {
      options.only_side = argv[++i];
      if (options.only_side != "ours" && options.only_side != "peer") {
        std::fprintf(stderr, "orrery-bench: --only takes ours or peer, not '%s'\n", argv[i]);
        return false;
      }
    } else if (arg == "--list") {
      options.list = true;
    } else if (arg == "--quick") {
      options.scale.quick = true;
      options.repetitions = 3;
    } else if (arg == "--repetitions" && i + 1 < argc) {
      const std::string_view text = argv[++i];
      const auto [end, error] =
          std::from_chars(text.data(), text.data() + text.size(), options.repetitions);
      if (error != std::errc{} || end != text.data() + text.size() || options.repetitions == 0) {
        std::fprintf(stderr, "orrery-bench: --repetitions needs a positive number, not '%s'\n",
                     argv[i]);
        return false;
      }
    } else if (arg == "--help" || arg == "-h") {
      print_usage(stdout);
      std::exit(0);
    } else if (arg.starts_with("-")) {
      std::fprintf(stderr, "orrery-bench: unknown option '%s'\n", argv[i]);
      print_usage(stderr);
      return false;
    } else {
      options.names.emplace_back(arg);
    }
  }
  return true;
}

/// The benchmarks `names` select: a name that is some benchmark's exact name selects that one;
/// any other selects every benchmark it is a prefix of. Empty `names` select all.
bool select(const std::vector<Benchmark>& all, const std::vector<std::string>& names,
            std::vector<const Benchmark*>& selected) {
  for (const Benchmark& benchmark : all) {
    bool wanted = names.empty();
    for (const std::string& name : names) {
      const bool exact_exists =
          std::any_of(all.begin(), all.end(), [&](const Benchmark& b) { return b.name == name; });
      wanted |= exact_exists ? benchmark.name == name : benchmark.name.starts_with(name);
    }
    if (wanted) selected.push_back(&benchmark);
  }
  for (const std::string& name : names) {
    const bool matches = std::any_of(all.begin(), all.end(),
                                     [&](const Benchmark& b) { return b.name.starts_with(name); });
    if (!matches) {
      std::fprintf(stderr, "orrery-bench: no benchmark is named or starts with '%s' (see --list)\n",
                   name.c_str());
      return false;
    }
  }
  return true;
}

/// One side only: each run's figure, no comparison.
int run_one_side(const Options& options, const std::vector<const Benchmark*>& selected) {
  for (const Benchmark* benchmark : selected) {
    const bool ours = options.only_side == "ours";
    const Measure& measure = ours ? benchmark->ours : benchmark->peer;
    if (const std::string why = benchmark->skip_reason ? benchmark->skip_reason() : "";
        !why.empty()) {
      std::printf("%s SKIPPED: %s\n", benchmark->name.c_str(), why.c_str());
      continue;
    }
    for (std::uint32_t i = 0; i < options.repetitions; ++i) {
      const Measurement figure = measure(options.scale);
      std::printf("%s %s: %.6g %s %s\n", benchmark->name.c_str(),
                  ours ? "ours" : benchmark->peer_name.c_str(), figure.value,
                  benchmark->unit.c_str(), figure.detail.c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}

int run_selected(const Options& options, const std::vector<const Benchmark*>& selected) {
  if (!options.only_side.empty()) return run_one_side(options, selected);
  std::vector<Outcome> outcomes;
  if (options.json) {
    std::fprintf(stderr, "orrery-bench: %u cores; each figure is the median of %u runs\n",
                 std::thread::hardware_concurrency(), options.repetitions);
  } else {
    print_table_header(options.repetitions, options.scale);
  }
  for (const Benchmark* benchmark : selected) {
    if (options.json) std::fprintf(stderr, "orrery-bench: running %s\n", benchmark->name.c_str());
    outcomes.push_back(run(*benchmark, options.scale, options.repetitions));
    if (!options.json) print_table_row(outcomes.back());
  }
  if (options.json) std::fputs(to_json(outcomes).c_str(), stdout);
  return 0;
}

}  // namespace
}  // namespace orrery::bench

int main(int argc, char** argv) {
  using namespace orrery::bench;
  // Hidden: the server side of a remote benchmark (see child_process.hpp).
  if (argc == 2 && std::string_view(argv[1]) == "--serve-orrery") return ours::serve_remote();
  if (argc == 2 && std::string_view(argv[1]) == "--serve-grpc") return raw_grpc::serve_remote();
  if (argc == 2 && std::string_view(argv[1]) == "--serve-caf") return caf_peer::serve_remote();
  Options options;
  if (!parse(argc, argv, options)) return 2;
  const std::vector<Benchmark> all = all_benchmarks();
  if (options.list) {
    for (const Benchmark& b : all) {
      std::printf("%-20s %-9s %s better; vs %s: %s\n", b.name.c_str(), b.unit.c_str(),
                  b.better == Better::lower ? "lower" : "higher", b.peer_name.c_str(),
                  b.summary.c_str());
    }
    return 0;
  }
  std::vector<const Benchmark*> selected;
  if (!select(all, options.names, selected)) return 2;
  return run_selected(options, selected);
}
