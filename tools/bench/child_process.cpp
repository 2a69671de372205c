// Starting, reading and stopping the server process of a remote benchmark.
#include "child_process.hpp"

#include <cstdio>
#include <sys/wait.h>
#include <unistd.h>

#include <orrery/core/assert.hpp>

namespace orrery::bench {
namespace {

/// Reads one line ("port N") from `descriptor`; 0 when the child closed it first.
std::uint16_t read_port_line(int descriptor) {
  std::string line;
  char c = 0;
  while (line.size() < 64) {
    const ssize_t got = read(descriptor, &c, 1);
    if (got <= 0 || c == '\n') break;
    line += c;
  }
  unsigned port = 0;
  if (std::sscanf(line.c_str(), "port %u", &port) != 1 || port == 0 || port > 65535) return 0;
  return static_cast<std::uint16_t>(port);
}

}  // namespace

ChildServer::ChildServer(const std::string& serve_flag) {
  int to_child[2], from_child[2];
  ORRERY_ASSERT(pipe(to_child) == 0 && pipe(from_child) == 0, "orrery-bench could not make pipes");
  pid_ = fork();
  ORRERY_ASSERT(pid_ >= 0, "orrery-bench could not fork its server");
  if (pid_ == 0) {
    dup2(to_child[0], STDIN_FILENO);
    dup2(from_child[1], STDOUT_FILENO);
    for (const int descriptor : {to_child[0], to_child[1], from_child[0], from_child[1]})
      close(descriptor);
    execl("/proc/self/exe", "orrery-bench", serve_flag.c_str(), static_cast<char*>(nullptr));
    // Only async-signal-safe calls between fork and exec: the parent has threads.
    static constexpr char failed[] = "orrery-bench: exec of /proc/self/exe failed\n";
    [[maybe_unused]] const ssize_t written = write(STDERR_FILENO, failed, sizeof failed - 1);
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  stdin_write_ = to_child[1];
  port_ = read_port_line(from_child[0]);
  close(from_child[0]);
  ORRERY_ASSERT(port_ != 0, "the benchmark's server process did not report its port");
}

ChildServer::~ChildServer() {
  close(stdin_write_);
  int status = 0;
  waitpid(pid_, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "orrery-bench: the server process ended badly (status %d)\n", status);
  }
}

void announce_port_and_wait(std::uint16_t port) {
  std::printf("port %u\n", static_cast<unsigned>(port));
  std::fflush(stdout);
  char buffer[64];
  while (read(STDIN_FILENO, buffer, sizeof buffer) > 0) {
  }
}

}  // namespace orrery::bench
