#pragma once
// Errors from POSIX calls as Statuses that name the operation, the path and strerror, with an
// Errc a caller can branch on (a missing file is not_found, an existing one already_exists).

#include <string>
#include <string_view>

#include <orrery/core/result.hpp>

namespace orrery::posix {

/// strerror for `error_number`, thread-safe.
std::string error_text(int error_number);

/// "`operation` 'path': <strerror>" with the Errc for `error_number`.
Error make_posix_error(std::string_view operation, std::string_view path, int error_number);

}  // namespace orrery::posix
