// Log lines to stderr: ISO 8601 UTC time, level, source, message; one write per line.

#include <cerrno>
#include <chrono>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <orrery/env/production/stderr_log_sink.hpp>

namespace orrery {

namespace {

/// "2024-05-01T12:00:03.141593Z": microseconds, enough to order lines by eye.
std::string iso_utc(WallTime time) {
  const auto since_epoch = time.time_since_epoch();
  auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - seconds).count();
  const time_t whole = static_cast<time_t>(seconds.count());
  struct tm fields {};
  ::gmtime_r(&whole, &fields);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", fields.tm_year + 1900,
                     fields.tm_mon + 1, fields.tm_mday, fields.tm_hour, fields.tm_min,
                     fields.tm_sec, micros);
}

void append_escaped(std::string& line, std::string_view text) {
  for (const char c : text) {
    if (c == '\n') {
      line += "\\n";
    } else if (c == '\r') {
      line += "\\r";
    } else {
      line += c;
    }
  }
}

}  // namespace

StderrLogSink::StderrLogSink(const Clock& clock, LogLevel threshold, int descriptor) noexcept
    : clock_(clock), threshold_(threshold), descriptor_(descriptor) {
}

std::string StderrLogSink::format_line(WallTime time, LogLevel level, std::string_view source,
                                       std::string_view message) {
  std::string line = iso_utc(time);
  line += ' ';
  line += to_string(level);
  line += " [";
  append_escaped(line, source);
  line += "] ";
  append_escaped(line, message);
  line += '\n';
  return line;
}

void StderrLogSink::write(LogLevel level, std::string_view source, std::string_view message) {
  if (level < threshold_) return;
  const std::string line = format_line(clock_.wall_now(), level, source, message);
  std::lock_guard guard(mutex_);
  // A line longer than a pipe's atomic size may need several writes; the mutex keeps them whole.
  // A log that cannot be written has nowhere to report that, so errors end the line quietly.
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t wrote = ::write(descriptor_, line.data() + done, line.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return;
    done += static_cast<std::size_t>(wrote);
  }
}

}  // namespace orrery
