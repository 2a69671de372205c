#pragma once
// LogSink conformance factories. A factory `F`:
//
//   F(LogLevel threshold)             a sink that keeps lines at `threshold` and above
//   LogSink& sink()
//   std::vector<std::string> lines()  what the sink has written so far, one entry per line,
//                                     without the line break
//
// Production: a StderrLogSink writing to a temporary file (as it writes to stderr); the
// simulator: a node's log, whose lines the World keeps.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <orrery/core/assert.hpp>
#include <orrery/env/production/stderr_log_sink.hpp>
#include <orrery/env/production/system_clock.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::conformance {

class StderrLogParts {
 public:
  explicit StderrLogParts(LogLevel threshold)
      : path_((std::filesystem::temp_directory_path() / "orrery-log-XXXXXX").string()),
        descriptor_(::mkstemp(path_.data())),
        sink_(clock_, threshold, descriptor_) {
    ORRERY_ASSERT(descriptor_ >= 0, "mkstemp failed");
  }
  ~StderrLogParts() {
    ::close(descriptor_);
    std::remove(path_.c_str());
  }
  StderrLogParts(const StderrLogParts&) = delete;
  StderrLogParts& operator=(const StderrLogParts&) = delete;
  LogSink& sink() noexcept { return sink_; }
  std::vector<std::string> lines() const {
    std::ifstream in(path_);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    return out;
  }

 private:
  SystemClock clock_;
  std::string path_;
  int descriptor_;
  StderrLogSink sink_;
};

class SimLogParts {
 public:
  explicit SimLogParts(LogLevel threshold)
      : world_(5), node_(world_.add_node("node", {.remoting = false, .log_threshold = threshold})) {
    world_.run_for(std::chrono::milliseconds(1));
    skip_ = world_.log_lines().size();  // what the node logged starting up
  }
  LogSink& sink() noexcept { return node_.env().log; }
  std::vector<std::string> lines() const {
    const auto& kept = world_.log_lines();
    return std::vector<std::string>(kept.begin() + static_cast<std::ptrdiff_t>(skip_), kept.end());
  }

 private:
  sim::World world_;
  sim::Node& node_;
  std::size_t skip_ = 0;
};

}  // namespace orrery::conformance

#define ORRERY_LOG_FACTORIES \
  ::orrery::conformance::StderrLogParts, ::orrery::conformance::SimLogParts
