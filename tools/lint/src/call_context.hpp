#pragma once
// Telling a call of a C library function (time(nullptr), ::open(path, flags)) from a member or a
// declaration of our own that shares its name (clock.time(), Result<File> open(...)), from the
// code just before the name.

#include <cstddef>
#include <string_view>
#include <vector>

namespace orrery::lint {

/// Whether the name at `at` in `code`, followed by the parenthesis at `open`, is called as the
/// library function: unqualified in an expression, `::name`, or (when `std_qualified_too`)
/// `std::name`. Not after `.`, `->`, a class or namespace qualifier, or a return type (a
/// declaration), and not as a member initializer (`: name(...),` or `, name(...) {`).
bool calls_library_function(std::string_view code, std::size_t at, std::size_t open,
                            bool std_qualified_too);

/// Whether the call is qualified as `::name` or `std::name` (then the name alone decides).
bool is_qualified_call(std::string_view code, std::size_t at);

/// The arguments of the call whose parenthesis is at `open`, split at top-level commas and
/// trimmed; empty for `()`.
std::vector<std::string_view> call_arguments(std::string_view code, std::size_t open);

}  // namespace orrery::lint
