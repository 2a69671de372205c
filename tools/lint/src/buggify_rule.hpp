#pragma once
// BUGGIFY sites outside the runtime's variant sources (rule `buggify`): persistence is compiled
// once, against the production headers, and linked beside either runtime variant, so a site
// there would never fire in the simulator. A folder that needs one must be built per variant,
// as the runtime is (runtime/CMakeLists.txt).

#include <vector>

#include "violation.hpp"

namespace orrery::lint {

void check_buggify_free(const LintedFile& file, std::vector<Violation>& out);

}  // namespace orrery::lint
