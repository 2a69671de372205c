#pragma once
// The flags of `orrery sim`'s verbs, parsed into one plain struct; each verb says which it takes.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <orrery/core/result.hpp>
#include <orrery/core/time.hpp>

namespace orrery::cli {

struct SimOptions {
  std::string target;  // the scenario (run, sweep) or the file (shrink, replay)
  std::uint64_t seed = 1;
  bool seed_given = false;
  std::uint64_t seed_count = 100;  // sweep: seeds seed .. seed + seed_count - 1
  std::uint32_t jobs = 1;
  std::string bug;
  std::string plan_file;
  bool add_generated = false;
  std::optional<Duration> until;
  std::optional<Duration> time_limit;
  std::string trace_file;
  std::string out;  // sweep: the folder for replay files; shrink: the shrunk file
  bool json = false;
  bool faults = true;
  bool log = false;
  bool help = false;
  bool progress = true;
};

/// The flags a verb accepts, by name ("--seed", ...); anything else is a usage error.
struct Accepts {
  std::span<const std::string_view> flags;
  bool target = true;
};

/// Parses `args` for `verb`; the error is a one-line message for stderr.
Result<SimOptions> parse_sim_options(std::string_view verb, std::span<const std::string_view> args,
                                     const Accepts& accepts);

/// "1..10000" (inclusive) or "N" (a count from --from/--seed).
struct SeedRange {
  std::uint64_t first = 1;
  std::uint64_t count = 0;
};
std::optional<SeedRange> parse_seed_range(std::string_view text);
std::optional<std::uint64_t> parse_number(std::string_view text);

}  // namespace orrery::cli
