#pragma once
// The per-line escape: `// orrery-lint: allow(rule[, rule...]) reason` on the offending line
// silences those rules there. The reason is required, and an escape that silences nothing is
// itself reported, so escapes cannot pile up unexplained or outlive their cause
// (rule `lint-escape`).

#include <vector>

#include "violation.hpp"

namespace orrery::lint {

/// The rules an escape may name.
bool is_known_rule(std::string_view rule);

/// Drops the violations in `found` (all of `file`) that an escape of `file` allows, and adds a
/// `lint-escape` violation for each malformed, unexplained, unknown or unused escape.
void apply_escapes(const LintedFile& file, std::vector<Violation>& found);

}  // namespace orrery::lint
