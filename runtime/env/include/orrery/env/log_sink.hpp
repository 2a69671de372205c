#pragma once
// LogSink: where the framework's log lines go (stderr with wall time in production, a buffer
// stamped with virtual time in the simulator). Writing to stderr is I/O, so it is part of the seam.

#include <cstdint>
#include <string_view>

namespace orrery {

enum class LogLevel : std::uint8_t { debug, info, warning, error };

const char* to_string(LogLevel level) noexcept;

class LogSink {
 public:
  virtual ~LogSink() = default;
  /// `source` names who logs (an actor path, "remote", ...). Thread-safe in production.
  virtual void write(LogLevel level, std::string_view source, std::string_view message) = 0;
  /// Lines below this level may be skipped before they are formatted.
  virtual LogLevel threshold() const noexcept = 0;
};

}  // namespace orrery
