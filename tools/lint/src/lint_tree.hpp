#pragma once
// Which rules hold where, and the scan of a source tree.
//  - Seam rules and mutable globals: runtime/, cluster/, persistence/, testkit/, except the
//    production implementations of the seam (runtime/env/src/production, runtime/env/src/grpc,
//    runtime/env/include/orrery/env/production), which are where the OS is used.
//  - The determinism families (clock, random) also in sim/, which implements the seam over
//    virtual time and the world's seed; unordered iteration in all of the above and sim/.
//  - Layering: runtime/, cluster/, persistence/, sim/.
// tools/, tests/ and scenarios/ may use the OS and include anything.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "violation.hpp"

namespace orrery::lint {

struct TreeReport {
  std::vector<Violation> violations;  // sorted by path, then line
  int files_scanned = 0;
};

/// Lints every C++ source under the rules' folders of `root`.
TreeReport lint_tree(const std::filesystem::path& root);

}  // namespace orrery::lint
