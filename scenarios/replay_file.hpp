#pragma once
// Replay files: a run written down so that it can be rerun bit for bit, edited by hand and kept
// as a regression test. One JSON object (format "orrery-replay", version 1):
//
//   {
//     "format": "orrery-replay", "version": 1,
//     "scenario": "bank", "seed": 17, "bug": "retry-not-deduplicated",
//     "until": "60s", "operations": 400,
//     "add_generated": false,
//     "plan": [
//       {"at": "2500ms", "kind": "partition", "groups": [["a"], ["b", "c"]], "duration": "5s"},
//       {"at": "4s", "kind": "crash", "nodes": ["b"], "duration": "3s"},
//       {"at": "9s", "kind": "clock_jump", "nodes": ["c"], "delta": "-2s"},
//       {"at": "12s", "kind": "lossy_network", "duration": "4s", "ppm": 20000}
//     ],
//     "expected": {"verdict": "fail", "invariant": "exactly once",
//                  "trace_hash": "6a1c0e55d09b3f21", "events": 81234},
//     "build": {"commit": "7487b4f", "build_type": "Release", "compiler": "GNU 12.2.0",
//               "sanitizer": ""}
//   }
//
// The plan is the full realised plan, every action with its time from the start of the run, so
// the seed's own fault generation is not consulted on replay; with "add_generated": true the
// seed's generated faults are added to it wherever they do not clash (scripted faults mixed with
// seeded ones). Durations are strings with a unit ("250ms", "1.5s", "2m") or integers of
// nanoseconds. "operations" is optional (the scenario's default), as is "expected" (a hand-written
// plan has no expectation yet). Each plan action is written on one line so that an error can
// name the line of the action it is about.
#include <cstdint>
#include <optional>
#include <registry.hpp>
#include <string>
#include <string_view>
#include <vector>

#include <orrery/core/result.hpp>
#include <orrery/core/time.hpp>
#include <orrery/sim/fault_plan.hpp>

namespace orrery::scenarios {

/// What built the binary that made a run; a replay whose hash differs says which of these differ.
struct BuildInfo {
  std::string commit;      // `git describe --always --dirty` at build time
  std::string build_type;  // CMAKE_BUILD_TYPE
  std::string compiler;    // compiler id and version
  std::string sanitizer;   // ORRERY_SANITIZE, empty for none
  friend bool operator==(const BuildInfo&, const BuildInfo&) = default;
};

struct Expected {
  bool passed = false;
  std::string invariant;
  std::uint64_t trace_hash = 0;
  std::uint64_t events = 0;
};

struct ReplayFile {
  static constexpr int current_version = 1;
  int version = current_version;
  std::string scenario;
  std::uint64_t seed = 0;
  std::string bug;
  std::optional<Duration> until;
  std::optional<std::uint32_t> operations;
  bool add_generated = false;
  sim::FaultPlan plan;
  std::optional<Expected> expected;
  BuildInfo build;
};

/// The replay file of a finished run, made by `build` (the CLI knows its own build).
ReplayFile replay_file_of(const ScenarioResult& result, BuildInfo build = {});

/// What differs between the build that recorded a file and `current`, one phrase per field
/// ("commit 7487b4f here 9c2e1aa", ...); empty when they agree.
std::vector<std::string> build_differences(const BuildInfo& recorded, const BuildInfo& current);

/// The options that rerun `file` (its plan explicit, its bug, its workload).
ScenarioOptions options_of(const ReplayFile& file);

/// Pretty JSON, one plan action a line.
std::string to_json(const ReplayFile& file);

/// Parses a replay file; `name` is the file's name for errors, which read
/// "NAME:LINE: FIELD: what is wrong" (the line where it can be told).
Result<ReplayFile> parse_replay_file(std::string_view text, std::string_view name);

/// A fault plan alone, for `--plan FILE`: a replay file, or an object with just "plan" (and
/// optionally "add_generated").
struct PlanFile {
  sim::FaultPlan plan;
  bool add_generated = false;
};
Result<PlanFile> parse_plan_file(std::string_view text, std::string_view name);

/// "2500ms" -> "2500ms"; picks the largest unit that keeps the value exact.
std::string format_duration(Duration duration);

}  // namespace orrery::scenarios
