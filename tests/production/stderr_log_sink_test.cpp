// StderrLogSink: the line format, the threshold, and whole lines from concurrent writers.

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <catch2/catch.hpp>

#include <orrery/env/production/stderr_log_sink.hpp>
#include <orrery/env/production/system_clock.hpp>

#include "conformance/production_factories.hpp"

namespace {

using orrery::LogLevel;
using orrery::StderrLogSink;

/// A clock stopped at one wall time.
class FixedClock final : public orrery::Clock {
 public:
  orrery::Instant now() const noexcept override { return orrery::Instant{}; }
  orrery::WallTime wall_now() const noexcept override { return time; }
  orrery::WallTime time{};
};

/// 2024-05-01T12:00:03.141593Z, plus 999 ns that the line does not show.
orrery::WallTime may_day() {
  return orrery::WallTime{std::chrono::seconds(1'714'564'803) +
                          std::chrono::nanoseconds(141'593'999)};
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream file(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);)
    lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("stderr log sink: one ISO-stamped line per write, line breaks escaped",
          "[production][log]") {
  CHECK(StderrLogSink::format_line(may_day(), LogLevel::warning, "remote", "link lost") ==
        "2024-05-01T12:00:03.141593Z warning [remote] link lost\n");
  CHECK(StderrLogSink::format_line(may_day(), LogLevel::error, "a/b", "two\nlines\r") ==
        "2024-05-01T12:00:03.141593Z error [a/b] two\\nlines\\r\n");
  CHECK(StderrLogSink::format_line(orrery::WallTime{}, LogLevel::debug, "", "") ==
        "1970-01-01T00:00:00.000000Z debug [] \n");
}

TEST_CASE("stderr log sink: the threshold drops lower levels", "[production][log]") {
  orrery::conformance::TemporaryDirectory directory;
  const std::string path = directory.path() + "/log";
  const int descriptor = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(descriptor >= 0);
  FixedClock clock;
  clock.time = may_day();
  {
    StderrLogSink sink(clock, LogLevel::warning, descriptor);
    CHECK(sink.threshold() == LogLevel::warning);
    sink.write(LogLevel::debug, "x", "dropped");
    sink.write(LogLevel::info, "x", "dropped");
    sink.write(LogLevel::warning, "x", "kept 1");
    sink.write(LogLevel::error, "x", "kept 2");
  }
  ::close(descriptor);
  CHECK(lines_of(path) == std::vector<std::string>{"2024-05-01T12:00:03.141593Z warning [x] kept 1",
                                                   "2024-05-01T12:00:03.141593Z error [x] kept 2"});
}

TEST_CASE("stderr log sink: lines from many threads never mix", "[production][log]") {
  orrery::conformance::TemporaryDirectory directory;
  const std::string path = directory.path() + "/log";
  const int descriptor = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(descriptor >= 0);
  orrery::SystemClock clock;
  constexpr int threads_count = 4;
  constexpr int lines_per_thread = 500;
  {
    StderrLogSink sink(clock, LogLevel::debug, descriptor);
    // Long lines (above a pipe's 4 KiB atomic write), so that unlocked writes would interleave.
    const std::string payload(6000, 'p');
    std::vector<std::thread> threads;
    for (int thread = 0; thread < threads_count; ++thread) {
      threads.emplace_back([&, thread] {
        for (int line = 0; line < lines_per_thread; ++line) {
          sink.write(LogLevel::info, "thread-" + std::to_string(thread), payload);
        }
      });
    }
    for (auto& thread : threads)
      thread.join();
  }
  ::close(descriptor);
  const auto lines = lines_of(path);
  REQUIRE(lines.size() == threads_count * lines_per_thread);
  // "2024-05-01T12:00:03.141593Z info [thread-N] ppp...": a stamp, the source, the whole payload.
  constexpr std::size_t stamp_size = 27;
  for (const auto& line : lines) {
    REQUIRE(line.size() == stamp_size + std::string(" info [thread-0] ").size() + 6000);
    REQUIRE(line[stamp_size - 1] == 'Z');
    REQUIRE(line.compare(stamp_size, 14, " info [thread-") == 0);
    REQUIRE(line.find_first_not_of('p', line.size() - 6000) == std::string::npos);
  }
}
