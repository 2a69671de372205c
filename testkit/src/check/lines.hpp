#pragma once
// What both history readers share: the lines of a file, and the event types' names.
#include <cstddef>
#include <string_view>

#include <orrery/core/result.hpp>
#include <orrery/testkit/check/history.hpp>

namespace orrery::testkit::check {

/// Calls `each(line, number)` for every line that is not blank or a # comment; stops at the first
/// error it returns.
template <class F>
Status for_each_event_line(std::string_view text, F&& each) {
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
      line.remove_prefix(1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (auto status = each(line, number); !status) return status;
  }
  return {};
}

/// "invoke", "ok", "fail" or "info".
Result<EventType> parse_event_type(std::string_view name);

}  // namespace orrery::testkit::check
