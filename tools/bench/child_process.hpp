#pragma once
// A server for a remote benchmark: orrery-bench itself, re-executed (/proc/self/exe) with a
// hidden --serve-... flag. The child listens on 127.0.0.1 port 0, prints "port N" on stdout,
// and serves until its stdin closes, so that it never outlives the benchmark that started it.

#include <cstdint>
#include <string>
#include <sys/types.h>

namespace orrery::bench {

class ChildServer {
 public:
  /// Starts `/proc/self/exe <serve_flag>` and waits for its port line.
  explicit ChildServer(const std::string& serve_flag);
  /// Closes the child's stdin and waits for it to exit.
  ~ChildServer();
  ChildServer(const ChildServer&) = delete;
  ChildServer& operator=(const ChildServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }

 private:
  pid_t pid_ = -1;
  int stdin_write_ = -1;
  std::uint16_t port_ = 0;
};

/// The child's side: prints the port line, then blocks until stdin reaches end of file.
void announce_port_and_wait(std::uint16_t port);

}  // namespace orrery::bench
