#pragma once
// The layering check: a library includes only the layers below it (docs/architecture.md).
//  - layer-test-only: runtime/, cluster/, persistence/ never include orrery/sim/... or
//    orrery/testkit/... (the production library links without them).
//  - layer-upward: runtime/ never includes orrery/cluster/... or orrery/persistence/...;
//    cluster/ and persistence/ not each other; sim/ not orrery/testkit/..., cluster or
//    persistence.

#include <vector>

#include "violation.hpp"

namespace orrery::lint {

void check_layering(const LintedFile& file, std::vector<Violation>& out);

}  // namespace orrery::lint
