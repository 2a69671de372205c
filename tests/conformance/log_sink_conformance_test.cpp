// Conformance of LogSink: the same bodies run against StderrLogSink and the simulator's node log
// (log_factories.hpp). The common contract: one line per write at or above the threshold, in
// write order, "<stamp> ... <level> [<source>] <message>", line breaks escaped.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "log_factories.hpp"

namespace {

using orrery::LogLevel;

/// Whether `line` is a stamp (and perhaps more) followed by " <tail>".
bool ends_with_field(const std::string& line, const std::string& tail) {
  return line.size() > tail.size() + 1 && line.ends_with(tail) &&
         line[line.size() - tail.size() - 1] == ' ';
}

}  // namespace

TEMPLATE_TEST_CASE("conformance: log sink writes a line per write at or above its threshold",
                   "[conformance][log]", ORRERY_LOG_FACTORIES) {
  TestType parts(LogLevel::info);
  orrery::LogSink& sink = parts.sink();
  CHECK(sink.threshold() == LogLevel::info);
  sink.write(LogLevel::debug, "remote", "dropped");
  sink.write(LogLevel::info, "remote", "link up");
  sink.write(LogLevel::warning, "/user/orders", "slow");
  sink.write(LogLevel::error, "remote", "link lost");
  const auto lines = parts.lines();
  REQUIRE(lines.size() == 3);
  CHECK(ends_with_field(lines[0], "info [remote] link up"));
  CHECK(ends_with_field(lines[1], "warning [/user/orders] slow"));
  CHECK(ends_with_field(lines[2], "error [remote] link lost"));
}

TEMPLATE_TEST_CASE("conformance: log sink names every level, and debug keeps them all",
                   "[conformance][log]", ORRERY_LOG_FACTORIES) {
  TestType parts(LogLevel::debug);
  for (const LogLevel level : {LogLevel::debug, LogLevel::info, LogLevel::warning, LogLevel::error})
    parts.sink().write(level, "s", "m");
  const auto lines = parts.lines();
  REQUIRE(lines.size() == 4);
  CHECK(ends_with_field(lines[0], "debug [s] m"));
  CHECK(ends_with_field(lines[1], "info [s] m"));
  CHECK(ends_with_field(lines[2], "warning [s] m"));
  CHECK(ends_with_field(lines[3], "error [s] m"));
  // The stamp comes first and is never empty.
  for (const auto& line : lines)
    CHECK(line.front() != ' ');
}

TEMPLATE_TEST_CASE("conformance: log sink keeps a message with line breaks on one line",
                   "[conformance][log]", ORRERY_LOG_FACTORIES) {
  TestType parts(LogLevel::info);
  parts.sink().write(LogLevel::warning, "a\nb", "first\nsecond\rthird");
  parts.sink().write(LogLevel::info, "s", "");
  const auto lines = parts.lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find('\n') == std::string::npos);
  CHECK(lines[0].find('\r') == std::string::npos);
  CHECK(ends_with_field(lines[0], R"(warning [a\nb] first\nsecond\rthird)"));
  CHECK(lines[1].ends_with("info [s] "));
}
