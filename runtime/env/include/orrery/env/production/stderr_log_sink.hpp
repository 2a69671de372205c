#pragma once
// StderrLogSink: the production LogSink. One line per write, stamped with the wall time in UTC:
//
//   2024-05-01T12:00:03.141593Z warning [remote] link to orders@10.0.0.7:2552 lost
//
// Each line goes out in a single write(2) under a mutex, so lines from different threads never
// mix. Line breaks inside a message are escaped ("\n") so that one write stays one line.

#include <mutex>
#include <string>
#include <string_view>
#include <unistd.h>

#include <orrery/env/clock.hpp>
#include <orrery/env/log_sink.hpp>

namespace orrery {

class StderrLogSink final : public LogSink {
 public:
  /// Lines below `threshold` are dropped. `clock` stamps them and must outlive the sink;
  /// `descriptor` is where they go (stderr unless a test or a tool says otherwise; not owned).
  StderrLogSink(const Clock& clock, LogLevel threshold, int descriptor = STDERR_FILENO) noexcept;

  void write(LogLevel level, std::string_view source, std::string_view message) override;
  LogLevel threshold() const noexcept override { return threshold_; }

  /// The line write() emits, newline included (exposed for tests and tools).
  static std::string format_line(WallTime time, LogLevel level, std::string_view source,
                                 std::string_view message);

 private:
  const Clock& clock_;
  const LogLevel threshold_;
  const int descriptor_;
  std::mutex mutex_;
};

}  // namespace orrery
