// Starting, reading, signalling and reaping orrery-test-node child processes (tests may use the
// OS).
#include "node_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace orrery::test {

namespace {

using Clock = std::chrono::steady_clock;

/// The ready line is short; anything longer is not one.
constexpr std::size_t ready_line_bytes_max = 256;

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with status " + std::to_string(status);
}

}  // namespace

Result<std::unique_ptr<NodeProcess>> NodeProcess::start(const std::string& program,
                                                        const std::vector<std::string>& arguments,
                                                        std::chrono::milliseconds ready_timeout) {
  // Everything the child needs is prepared before fork: the parent has threads, so between fork
  // and exec the child may only make async-signal-safe calls.
  std::vector<std::string> words{program};
  words.insert(words.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& word : words)
    argv.push_back(word.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();

  int from_child[2];
  // Close-on-exec, so that later children do not inherit this child's pipe.
  if (pipe2(from_child, O_CLOEXEC) != 0) {
    return make_error(Errc::io_error, "pipe2 failed: errno " + std::to_string(errno));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(from_child[0]);
    close(from_child[1]);
    return make_error(Errc::io_error, "fork failed: errno " + std::to_string(errno));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);  // the test is already gone
    dup2(from_child[1], STDOUT_FILENO);   // dup2 clears close-on-exec on the copy
    execv(argv[0], argv.data());
    static constexpr char failed[] = "orrery-test-node: exec failed\n";
    [[maybe_unused]] const ssize_t written = write(STDERR_FILENO, failed, sizeof failed - 1);
    _exit(127);
  }
  close(from_child[1]);
  std::unique_ptr<NodeProcess> process(new NodeProcess(pid, from_child[0]));
  if (Status ready = process->read_ready(ready_timeout); !ready.ok()) {
    return make_error(ready.error().code, program + ": " + ready.error().message);
  }
  return process;
}

Status NodeProcess::read_ready(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string line;
  while (line.find('\n') == std::string::npos) {
    if (line.size() > ready_line_bytes_max) {
      return make_error(Errc::corrupt, "no ready line; it printed '" + line + "'");
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      return make_error(Errc::timeout, "no ready line within " + std::to_string(timeout.count()) +
                                           " ms; it printed '" + line + "'");
    }
    pollfd wanted{stdout_read_, POLLIN, 0};
    const int polled = poll(&wanted, 1, static_cast<int>(left));
    if (polled < 0 && errno == EINTR) continue;
    if (polled <= 0) continue;  // the deadline check above reports it
    char buffer[64];
    const ssize_t got = read(stdout_read_, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      int status = 0;
      waitpid(pid_, &status, 0);
      reaped(status);
      return make_error(Errc::closed, "closed its stdout without a ready line (" +
                                          describe_status(status) + "); it printed '" + line + "'");
    }
    line.append(buffer, static_cast<std::size_t>(got));
  }
  unsigned port = 0;
  unsigned long long server_uid = 0, system_uid = 0;
  if (std::sscanf(line.c_str(), "ready %u %llu %llu", &port, &server_uid, &system_uid) != 3 ||
      port == 0 || port > 65535 || server_uid == 0 || system_uid == 0) {
    return make_error(Errc::corrupt, "a malformed ready line: '" + line + "'");
  }
  ready_ = NodeReady{static_cast<std::uint16_t>(port), server_uid, system_uid};
  return {};
}

NodeProcess::~NodeProcess() {
  kill_now();
  close(stdout_read_);
}

bool NodeProcess::running() {
  if (reaped_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) reaped(status);
  return !reaped_;
}

void NodeProcess::kill_now() {
  if (reaped_) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped(status);
}

Result<int> NodeProcess::terminate(std::chrono::milliseconds timeout) {
  if (!running())
    return make_error(Errc::closed, "it had ended already: " + describe_status(wait_status_));
  kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + timeout;
  while (running()) {
    if (Clock::now() >= deadline) {
      kill_now();
      return make_error(Errc::timeout, "it did not exit within " + std::to_string(timeout.count()) +
                                           " ms of SIGTERM (killed)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!WIFEXITED(wait_status_)) return make_error(Errc::closed, describe_status(wait_status_));
  return WEXITSTATUS(wait_status_);
}

void NodeProcess::reaped(int status) {
  reaped_ = true;
  wait_status_ = status;
}

}  // namespace orrery::test
