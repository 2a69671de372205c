// Flag parsing for `orrery sim`: every error names the flag and what it wanted.

#include "sim_options.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include <orrery/config/config_units.hpp>

namespace orrery::cli {

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

std::optional<SeedRange> parse_seed_range(std::string_view text) {
  const std::size_t dots = text.find("..");
  if (dots == std::string_view::npos) {
    auto count = parse_number(text);
    if (!count || *count == 0) return std::nullopt;
    return SeedRange{.first = 0, .count = *count};
  }
  auto first = parse_number(text.substr(0, dots));
  auto last = parse_number(text.substr(dots + 2));
  if (!first || !last || *last < *first) return std::nullopt;
  return SeedRange{.first = *first, .count = *last - *first + 1};
}

Result<SimOptions> parse_sim_options(std::string_view verb, std::span<const std::string_view> args,
                                     const Accepts& accepts) {
  SimOptions options;
  const auto usage = [&](std::string message) {
    return make_error(Errc::invalid_argument,
                      fmt::format("orrery sim {}: {} (orrery sim {} --help)", verb, message, verb));
  };
  bool range_given = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      return options;
    }
    if (!arg.starts_with("-")) {
      if (!accepts.target || !options.target.empty())
        return usage(fmt::format("unexpected argument '{}'", arg));
      options.target = std::string(arg);
      continue;
    }
    if (std::find(accepts.flags.begin(), accepts.flags.end(), arg) == accepts.flags.end())
      return usage(fmt::format("unknown option '{}'", arg));
    const auto value = [&]() -> Result<std::string_view> {
      if (i + 1 >= args.size()) return usage(fmt::format("{} needs a value", arg));
      return args[++i];
    };
    const auto number = [&]() -> Result<std::uint64_t> {
      auto text = value();
      if (!text.ok()) return text.error();
      auto parsed = parse_number(*text);
      if (!parsed) return usage(fmt::format("{} needs a number, got '{}'", arg, *text));
      return *parsed;
    };
    const auto duration = [&]() -> Result<Duration> {
      auto text = value();
      if (!text.ok()) return text.error();
      auto parsed = parse_duration(*text);
      if (!parsed.ok() || parsed->count() <= 0)
        return usage(fmt::format("{} needs a duration such as 60s or 10m, got '{}'", arg, *text));
      return *parsed;
    };
    if (arg == "--seed" || arg == "--from") {
      auto n = number();
      if (!n.ok()) return n.error();
      options.seed = *n;
      options.seed_given = true;
    } else if (arg == "--seeds") {
      auto text = value();
      if (!text.ok()) return text.error();
      auto range = parse_seed_range(*text);
      if (!range)
        return usage(fmt::format("--seeds takes FIRST..LAST or a count, got '{}'", *text));
      options.seed_count = range->count;
      if (text->find("..") != std::string_view::npos) {
        options.seed = range->first;
        range_given = true;
      }
    } else if (arg == "--jobs" || arg == "-j") {
      auto n = number();
      if (!n.ok()) return n.error();
      if (*n == 0 || *n > 256) return usage("--jobs takes 1 to 256");
      options.jobs = static_cast<std::uint32_t>(*n);
    } else if (arg == "--bug") {
      auto text = value();
      if (!text.ok()) return text.error();
      options.bug = std::string(*text);
    } else if (arg == "--plan") {
      auto text = value();
      if (!text.ok()) return text.error();
      options.plan_file = std::string(*text);
    } else if (arg == "--add-generated") {
      options.add_generated = true;
    } else if (arg == "--until") {
      auto d = duration();
      if (!d.ok()) return d.error();
      options.until = *d;
    } else if (arg == "--time-limit") {
      auto d = duration();
      if (!d.ok()) return d.error();
      options.time_limit = *d;
    } else if (arg == "--trace") {
      auto text = value();
      if (!text.ok()) return text.error();
      options.trace_file = std::string(*text);
    } else if (arg == "--out" || arg == "-o") {
      auto text = value();
      if (!text.ok()) return text.error();
      options.out = std::string(*text);
    } else if (arg == "--json") {
      options.json = true;
    } else if (arg == "--no-faults") {
      options.faults = false;
    } else if (arg == "--log") {
      options.log = true;
    } else if (arg == "--no-progress") {
      options.progress = false;
    } else {
      return usage(fmt::format("unknown option '{}'", arg));
    }
  }
  if (range_given && options.seed_given && verb == "sweep")
    return usage("give the seeds either as --seeds FIRST..LAST or as --from S --seeds N");
  if (accepts.target && options.target.empty())
    return usage(verb == "shrink" || verb == "replay" ? "which replay file?"
                                                      : "which scenario? (orrery sim list)");
  return options;
}

}  // namespace orrery::cli
