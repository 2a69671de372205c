// Rule scopes and the walk over the tree; see lint_tree.hpp.

#include "lint_tree.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

#include "buggify_rule.hpp"
#include "escapes.hpp"
#include "globals_rule.hpp"
#include "layering_rule.hpp"
#include "seam_rules.hpp"
#include "unordered_rule.hpp"

namespace orrery::lint {
namespace {

// scenarios/ is a library too: its worlds run in the simulator, one process holding many.
constexpr std::array seam_folders{"runtime/", "cluster/", "persistence/", "testkit/", "scenarios/"};
constexpr std::array seam_exempt{"runtime/env/src/production/", "runtime/env/src/grpc/",
                                 "runtime/env/include/orrery/env/production/"};
// The one folder of the libraries where libpq may be used: the PostgreSQL store, which is
// production only (its sockets are libpq's, not the Env's) and never runs in the simulator.
// Every other seam rule still holds there.
constexpr std::array libpq_folders{"persistence/src/postgres/"};
// Built once for both runtime variants (persistence/CMakeLists.txt): no BUGGIFY site may hide
// there.
constexpr std::array buggify_free_folders{"persistence/"};
constexpr std::array layered_folders{"runtime/", "cluster/", "persistence/", "sim/"};
// The determinism rules (the clock and random families, unordered iteration) hold in the
// libraries and in sim/, production code included: hash order leaks from a thread pool too.
constexpr std::array determinism_folders{"runtime/", "cluster/", "persistence/",
                                         "testkit/", "sim/",     "scenarios/"};
constexpr std::array source_extensions{".hpp", ".h", ".hh", ".cpp", ".cc", ".cxx", ".ipp", ".inl"};

template <std::size_t N>
bool under_any(std::string_view path, const std::array<const char*, N>& folders) {
  return std::any_of(folders.begin(), folders.end(),
                     [&](const char* folder) { return path.starts_with(folder); });
}

bool seam_rules_hold(std::string_view path) {
  return under_any(path, seam_folders) && !under_any(path, seam_exempt);
}

bool is_source(const std::filesystem::path& path) {
  const std::string extension = path.extension().string();
  return std::find(source_extensions.begin(), source_extensions.end(), extension) !=
         source_extensions.end();
}

// A folder the walk skips: hidden ones (editor and tool state).
bool skipped_folder(const std::filesystem::path& path) {
  return path.filename().string().starts_with(".");
}

std::vector<Violation> lint_with(const SeamChecker& seam, const std::string& path,
                                 std::string_view text) {
  const LintedFile file{path, split_source(text)};
  std::vector<Violation> found;
  if (seam_rules_hold(path)) {
    seam.check(file, SeamFamilies::all, found);
    if (under_any(path, libpq_folders))
      std::erase_if(found, [](const Violation& v) { return v.rule == "libpq"; });
    check_globals(file, found);
  } else if (path.starts_with("sim/")) {
    seam.check(file, SeamFamilies::determinism, found);
  }
  if (under_any(path, determinism_folders)) check_unordered_iteration(file, found);
  if (under_any(path, layered_folders)) check_layering(file, found);
  if (under_any(path, buggify_free_folders)) check_buggify_free(file, found);
  apply_escapes(file, found);
  return found;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void sort_report(std::vector<Violation>& violations) {
  std::sort(violations.begin(), violations.end(), [](const Violation& a, const Violation& b) {
    if (a.path != b.path) return a.path < b.path;
    if (a.line != b.line) return a.line < b.line;
    return a.rule < b.rule;
  });
}

}  // namespace

TreeReport lint_tree(const std::filesystem::path& root) {
  const SeamChecker seam;
  TreeReport report;
  for (const char* folder : {"runtime", "cluster", "persistence", "testkit", "sim", "scenarios"}) {
    const std::filesystem::path top = root / folder;
    if (!std::filesystem::is_directory(top)) continue;
    for (auto it = std::filesystem::recursive_directory_iterator(top);
         it != std::filesystem::recursive_directory_iterator(); ++it) {
      if (it->is_directory() && skipped_folder(it->path())) {
        it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file() || !is_source(it->path())) continue;
      const std::string relative = it->path().lexically_relative(root).generic_string();
      std::vector<Violation> found = lint_with(seam, relative, read_file(it->path()));
      report.violations.insert(report.violations.end(), found.begin(), found.end());
      ++report.files_scanned;
    }
  }
  sort_report(report.violations);
  return report;
}

}  // namespace orrery::lint
