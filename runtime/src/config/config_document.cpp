// Parsing `key = value` configuration text, durations and byte sizes.

#include <charconv>
#include <fmt/format.h>
#include <limits>
#include <orrery/config/config_document.hpp>

namespace orrery {

namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

bool valid_key(std::string_view key) {
  if (key.empty() || key.front() == '.' || key.back() == '.') return false;
  for (const char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return key.find("..") == std::string_view::npos;
}

/// The value part of a line: a quoted string, or bare text up to a comment.
Result<std::string> parse_value(std::string_view text, const std::string& where) {
  text = trim(text);
  if (!text.empty() && text.front() == '"') {
    std::string value;
    for (std::size_t i = 1; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '\\' && i + 1 < text.size()) {
        value.push_back(text[++i]);
      } else if (c == '"') {
        const auto rest = trim(text.substr(i + 1));
        if (!rest.empty() && rest.front() != '#') {
          return make_error(Errc::invalid_argument, where + ": text after the closing quote");
        }
        return value;
      } else {
        value.push_back(c);
      }
    }
    return make_error(Errc::invalid_argument, where + ": unterminated quoted value");
  }
  const auto comment = text.find('#');
  return std::string(trim(text.substr(0, comment)));
}

}  // namespace

Result<ConfigDocument> ConfigDocument::parse(std::string_view text, std::string origin) {
  ConfigDocument document;
  document.origin_ = std::move(origin);
  std::uint32_t line_number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    const std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const std::string where = fmt::format("{}:{}", document.origin_, line_number);
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) {
      return make_error(Errc::invalid_argument, where + ": expected 'key = value'");
    }
    const std::string_view key = trim(line.substr(0, equals));
    if (!valid_key(key)) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{}: '{}' is not a key (lower-case words joined by '.', '-', '_')",
                                    where, key));
    }
    auto value = parse_value(line.substr(equals + 1), where);
    if (!value.ok()) return value.error();
    if (const Entry* previous = document.find(key)) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{}: key '{}' already set at line {}", where, key, previous->line));
    }
    document.entries_.emplace(std::string(key), Entry{std::move(value).value(), line_number});
  }
  return document;
}

const ConfigDocument::Entry* ConfigDocument::find(std::string_view key) const {
  auto found = entries_.find(key);
  return found == entries_.end() ? nullptr : &found->second;
}

void ConfigDocument::mark_used(std::string_view key) const { used_.emplace(key); }

std::vector<std::string> ConfigDocument::unused() const {
  std::vector<std::string> keys;
  for (const auto& [key, entry] : entries_) {
    if (used_.find(key) == used_.end()) keys.push_back(key);
  }
  return keys;
}

Status ConfigDocument::check_all_used() const {
  for (const auto& [key, entry] : entries_) {
    if (used_.find(key) == used_.end()) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{}:{}: unknown key '{}'", origin_, entry.line, key));
    }
  }
  return {};
}

Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  text = trim(text);
  const auto unit_at = text.find_first_not_of("0123456789.");
  if (unit_at == 0 || unit_at == std::string_view::npos) {
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' is not a duration (a number and ns, us, ms, s, m or h)", text));
  }
  const std::string_view number = text.substr(0, unit_at);
  const std::string_view unit = trim(text.substr(unit_at));
  std::int64_t scale = 0;
  if (unit == "ns") scale = 1;
  else if (unit == "us") scale = 1'000;
  else if (unit == "ms") scale = 1'000'000;
  else if (unit == "s") scale = 1'000'000'000;
  else if (unit == "m" || unit == "min") scale = 60'000'000'000;
  else if (unit == "h") scale = 3'600'000'000'000;
  else return make_error(Errc::invalid_argument, fmt::format("'{}' has an unknown time unit '{}'", text, unit));
  // Integer and fraction parsed separately: no floating point, so "1.5s" is exact everywhere.
  const auto dot = number.find('.');
  std::int64_t whole = 0;
  const std::string_view whole_text = number.substr(0, dot);
  auto [end, error] = std::from_chars(whole_text.data(), whole_text.data() + whole_text.size(), whole);
  if (error != std::errc{} || end != whole_text.data() + whole_text.size() ||
      whole > std::numeric_limits<std::int64_t>::max() / scale) {
    return make_error(Errc::invalid_argument, fmt::format("'{}' is not a duration in range", text));
  }
  std::int64_t nanoseconds = whole * scale;
  if (dot != std::string_view::npos) {
    std::int64_t place = scale;
    for (const char digit : number.substr(dot + 1)) {
      if (digit < '0' || digit > '9') return make_error(Errc::invalid_argument, fmt::format("'{}' is not a duration", text));
      place /= 10;
      nanoseconds += (digit - '0') * place;
    }
  }
  return std::chrono::nanoseconds(nanoseconds);
}

Result<std::uint64_t> parse_bytes(std::string_view text) {
  text = trim(text);
  const auto unit_at = text.find_first_not_of("0123456789");
  const std::string_view number = text.substr(0, unit_at);
  const std::string_view unit = unit_at == std::string_view::npos ? std::string_view() : trim(text.substr(unit_at));
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || error != std::errc{} || end != number.data() + number.size()) {
    return make_error(Errc::invalid_argument, fmt::format("'{}' is not a byte size (e.g. 4096, 64KiB, 1MiB)", text));
  }
  std::uint64_t scale = 1;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "KiB") scale = 1ULL << 10;
  else if (unit == "MiB") scale = 1ULL << 20;
  else if (unit == "GiB") scale = 1ULL << 30;
  else return make_error(Errc::invalid_argument, fmt::format("'{}' has an unknown size unit '{}' (B, KiB, MiB, GiB)", text, unit));
  if (value > std::numeric_limits<std::uint64_t>::max() / scale) {
    return make_error(Errc::invalid_argument, fmt::format("'{}' is too large", text));
  }
  return value * scale;
}

}  // namespace orrery
