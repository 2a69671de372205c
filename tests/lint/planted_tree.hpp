#pragma once
// PlantedTree: a throwaway source tree in a temp folder, with files planted to break (or keep)
// one rule, and a run of orrery-lint over it.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>

namespace orrery::test {

struct LintRun {
  std::string output;  // stdout: one `path:line: rule: message` per violation
  int exit_code = -1;
};

class PlantedTree {
 public:
  PlantedTree() {
    std::string pattern = (std::filesystem::temp_directory_path() / "orrery-lint-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = pattern;
    std::filesystem::create_directories(root_ / "runtime");
  }
  ~PlantedTree() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  PlantedTree(const PlantedTree&) = delete;
  PlantedTree& operator=(const PlantedTree&) = delete;

  void plant(const std::string& path, const std::string& text) {
    const std::filesystem::path file = root_ / path;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
  }

  LintRun lint() const {
    const std::string command =
        std::string(ORRERY_LINT_PATH) + " --root '" + root_.string() + "' 2>/dev/null";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
    LintRun run;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
      run.output.append(buffer, n);
    const int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
  }

 private:
  std::filesystem::path root_;
};

/// The `path:line: rule` heads of a run's output, one per line (messages cut off).
inline std::string heads(const std::string& output) {
  std::string out;
  std::size_t start = 0;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    const std::string line = output.substr(start, end - start);
    const std::size_t rule_end = line.find(": ", line.find(": ") + 2);
    out += line.substr(0, rule_end) + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace orrery::test
