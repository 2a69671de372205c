#pragma once
// The `unordered-iteration` rule: iterating a std::unordered_map or unordered_set visits its
// elements in hash order, which differs between standard libraries and, for pointer keys, between
// runs; when that order reaches behaviour (messages sent, a trace, a reply), a seed no longer
// means one run. Lookup (find, count, contains, at, [], insert, erase by key) stays allowed.
//
// A heuristic, not a parser: it tracks the names a file declares with an unordered type (or an
// alias of one declared in the same file) and flags a range-for over such a name and `.begin()`,
// `.cbegin()`, `std::begin(...)` on it. A container declared in another file (a header's member
// used in its .cpp) is not seen; put the loop where the declaration is, or sort first.

#include <vector>

#include "violation.hpp"

namespace orrery::lint {

/// Appends every iteration over a container the file declares as unordered.
void check_unordered_iteration(const LintedFile& file, std::vector<Violation>& out);

}  // namespace orrery::lint
