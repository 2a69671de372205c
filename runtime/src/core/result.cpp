// Names for error codes, used in messages and logs.
#include <orrery/core/result.hpp>

namespace orrery {
const char* to_string(Errc code) noexcept {
  switch (code) {
    case Errc::invalid_argument: return "invalid argument";
    case Errc::not_found: return "not found";
    case Errc::already_exists: return "already exists";
    case Errc::io_error: return "I/O error";
    case Errc::corrupt: return "corrupt";
    case Errc::timeout: return "timeout";
    case Errc::overflow: return "overflow";
    case Errc::closed: return "closed";
    case Errc::refused: return "refused";
    case Errc::unsupported: return "unsupported";
  }
  return "unknown error";
}
}  // namespace orrery
