// Durations and byte sizes with their units, parsed exactly (integers only).

#include <charconv>
#include <limits>

#include <fmt/format.h>

#include <orrery/config/config_units.hpp>

namespace orrery {

namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

/// Nanoseconds per unit, or 0 for an unknown unit.
std::int64_t time_scale(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m" || unit == "min") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  return 0;
}

/// Bytes per unit, or 0 for an unknown unit.
std::uint64_t size_scale(std::string_view unit) {
  if (unit == "B") return 1;
  if (unit == "KiB") return 1ULL << 10;
  if (unit == "MiB") return 1ULL << 20;
  if (unit == "GiB") return 1ULL << 30;
  return 0;
}

}  // namespace

Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  text = trim(text);
  const auto unit_at = text.find_first_not_of("0123456789.");
  if (unit_at == 0 || text.empty()) {
    return make_error(
        Errc::invalid_argument,
        fmt::format("'{}' is not a duration (a number and ns, us, ms, s, m or h)", text));
  }
  if (unit_at == std::string_view::npos) {
    return make_error(
        Errc::invalid_argument,
        fmt::format("'{}' has no unit (write e.g. \"{}s\" or \"{}ms\")", text, text, text));
  }
  const std::string_view number = text.substr(0, unit_at);
  const std::string_view unit = trim(text.substr(unit_at));
  const std::int64_t scale = time_scale(unit);
  if (scale == 0) {
    return make_error(
        Errc::invalid_argument,
        fmt::format("'{}' has an unknown time unit '{}' (ns, us, ms, s, m, h)", text, unit));
  }
  // Integer and fraction parsed separately: no floating point, so "1.5s" is exact everywhere.
  const auto dot = number.find('.');
  const std::string_view whole_text = number.substr(0, dot);
  std::int64_t whole = 0;
  auto [end, error] =
      std::from_chars(whole_text.data(), whole_text.data() + whole_text.size(), whole);
  if (error != std::errc{} || end != whole_text.data() + whole_text.size() ||
      whole > std::numeric_limits<std::int64_t>::max() / scale) {
    return make_error(Errc::invalid_argument, fmt::format("'{}' is not a duration in range", text));
  }
  std::int64_t nanoseconds = whole * scale;
  if (dot != std::string_view::npos) {
    const std::string_view fraction = number.substr(dot + 1);
    if (fraction.empty() || fraction.find('.') != std::string_view::npos) {
      return make_error(Errc::invalid_argument, fmt::format("'{}' is not a duration", text));
    }
    std::int64_t place = scale;
    for (const char digit : fraction) {
      place /= 10;
      const std::int64_t add = (digit - '0') * place;
      if (nanoseconds > std::numeric_limits<std::int64_t>::max() - add) {
        return make_error(Errc::invalid_argument,
                          fmt::format("'{}' is not a duration in range", text));
      }
      nanoseconds += add;
    }
  }
  return std::chrono::nanoseconds(nanoseconds);
}

Result<std::uint64_t> parse_bytes(std::string_view text) {
  text = trim(text);
  const auto unit_at = text.find_first_not_of("0123456789");
  const std::string_view number = text.substr(0, unit_at);
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || error != std::errc{} || end != number.data() + number.size()) {
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' is not a byte size (e.g. 4096B, 64KiB, 1MiB)", text));
  }
  if (unit_at == std::string_view::npos) {
    return make_error(
        Errc::invalid_argument,
        fmt::format("'{}' has no unit (write e.g. \"{}B\" or \"{}KiB\")", text, text, text));
  }
  const std::string_view unit = trim(text.substr(unit_at));
  const std::uint64_t scale = size_scale(unit);
  if (scale == 0) {
    return make_error(
        Errc::invalid_argument,
        fmt::format("'{}' has an unknown size unit '{}' (B, KiB, MiB, GiB)", text, unit));
  }
  if (value > std::numeric_limits<std::uint64_t>::max() / scale) {
    return make_error(Errc::invalid_argument, fmt::format("'{}' is too large", text));
  }
  return value * scale;
}

}  // namespace orrery
