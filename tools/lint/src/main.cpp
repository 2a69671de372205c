// orrery-lint: the house rules that a compiler does not check. Prints `path:line: rule: message`
// per violation and exits 1 when there is any (2 on a usage error).
//
//   orrery-lint [--root DIR]     scan the source tree at DIR (default: the current directory)

#include <cstdio>
#include <filesystem>
#include <string_view>

#include "lint_tree.hpp"

namespace {

constexpr const char* usage =
    "usage: orrery-lint [--root DIR]\n"
    "  Checks the seam rule (no clocks, sleeps, threads, randomness, sockets, files or mutable\n"
    "  globals outside runtime/env's production code) and the layering of includes.\n"
    "  Escape one line with: // orrery-lint: allow(rule) reason\n";

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path root = ".";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--root" && i + 1 < argc) {
      root = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      return 0;
    } else {
      std::fputs(usage, stderr);
      return 2;
    }
  }
  if (!std::filesystem::is_directory(root / "runtime")) {
    std::fprintf(stderr, "orrery-lint: %s has no runtime/ folder; pass the source tree's root\n",
                 root.string().c_str());
    return 2;
  }
  const orrery::lint::TreeReport report = orrery::lint::lint_tree(root);
  for (const orrery::lint::Violation& v : report.violations) {
    std::printf("%s:%d: %s: %s\n", v.path.c_str(), v.line, v.rule.c_str(), v.message.c_str());
  }
  std::fprintf(stderr, "orrery-lint: %zu violation(s) in %d file(s) scanned\n",
               report.violations.size(), report.files_scanned);
  return report.violations.empty() ? 0 : 1;
}
