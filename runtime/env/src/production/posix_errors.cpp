// errno into Errors for the production storage.

#include "posix_errors.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace orrery::posix {

namespace {

// strerror_r is the GNU variant (returns the text) under glibc with _GNU_SOURCE, the XSI one
// (fills the buffer) elsewhere; overloading on its result takes whichever the platform gives.
[[maybe_unused]] const char* chosen_text(const char* gnu_result, const char*) {
  return gnu_result;
}
[[maybe_unused]] const char* chosen_text(int xsi_result, const char* buffer) {
  return xsi_result == 0 ? buffer : "unknown error";
}

Errc errc_for(int error_number) {
  switch (error_number) {
    case ENOENT:
      return Errc::not_found;
    case EEXIST:
      return Errc::already_exists;
    case EINVAL:
    case ENAMETOOLONG:
    case ENOTDIR:
    case EISDIR:
      return Errc::invalid_argument;
    case EACCES:
    case EPERM:
    case EROFS:
      return Errc::refused;
    default:
      return Errc::io_error;
  }
}

}  // namespace

std::string error_text(int error_number) {
  char buffer[256] = {};
  return chosen_text(::strerror_r(error_number, buffer, sizeof(buffer)), buffer);
}

Error make_posix_error(std::string_view operation, std::string_view path, int error_number) {
  return make_error(errc_for(error_number),
                    fmt::format("{} '{}': {}", operation, path, error_text(error_number)));
}

}  // namespace orrery::posix
