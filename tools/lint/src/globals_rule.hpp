#pragma once
// Mutable globals (rule `global`): the simulator runs many nodes in one process, so state that
// outlives a call belongs to an actor or an ActorSystem, never to the process. Flags non-const
// variables at namespace scope (static or not), non-const static data members, non-const
// function-local statics, and every thread_local. const and constexpr pass; constinit does not.
//
// Found by a scan of the braces: each `{` opens a namespace, class, enum or block scope, judged
// from the statement before it. A heuristic, not a parser: a declaration it cannot read passes.

#include <vector>

#include "violation.hpp"

namespace orrery::lint {

void check_globals(const LintedFile& file, std::vector<Violation>& out);

}  // namespace orrery::lint
