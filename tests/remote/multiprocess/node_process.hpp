#pragma once
// NodeProcess: an orrery-test-node child process, owned. start() forks and execs it and waits (with
// a timeout) for its "ready <port> <server uid> <system uid>" line; the destructor kills and reaps
// it whatever happened, so a failing test never leaves nodes behind. The child also gets SIGKILL
// if the thread that started it ends first (PR_SET_PDEATHSIG), so a test that crashes or is
// killed leaves none either: start nodes from the test's own thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

#include <orrery/core/result.hpp>

namespace orrery::test {

/// What a node announced on its ready line.
struct NodeReady {
  std::uint16_t port = 0;
  std::uint64_t server_uid = 0;  // its /user/server actor
  std::uint64_t system_uid = 0;  // its actor system's incarnation
};

class NodeProcess {
 public:
  /// Runs `program` with `arguments`; stdout is read for the ready line, stderr is inherited (the
  /// node's log lines show up in the test's output). An error says what the child printed or how
  /// it ended when no ready line came within `ready_timeout`.
  static Result<std::unique_ptr<NodeProcess>> start(const std::string& program,
                                                    const std::vector<std::string>& arguments,
                                                    std::chrono::milliseconds ready_timeout);
  /// SIGKILL and reap, unless it was reaped already.
  ~NodeProcess();
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  const NodeReady& ready() const noexcept { return ready_; }
  pid_t pid() const noexcept { return pid_; }

  /// True while the child has not exited (reaps it if it has).
  bool running();
  /// A crash: SIGKILL, then reaped.
  void kill_now();
  /// SIGTERM, then waits up to `timeout` for it to exit; its exit code, or an error when it was
  /// killed by a signal or did not exit in time (it is then killed).
  Result<int> terminate(std::chrono::milliseconds timeout);

 private:
  NodeProcess(pid_t pid, int stdout_read) : pid_(pid), stdout_read_(stdout_read) {}
  /// Reads the ready line; an error with what was read (or why nothing was).
  Status read_ready(std::chrono::milliseconds timeout);
  /// Records the child's end; `status` is waitpid's.
  void reaped(int status);

  pid_t pid_ = -1;
  int stdout_read_ = -1;  // kept open while the child lives: a late write must not hit SIGPIPE
  bool reaped_ = false;
  int wait_status_ = 0;
  NodeReady ready_;
};

}  // namespace orrery::test
