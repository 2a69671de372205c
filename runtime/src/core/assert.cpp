// Reports a failed assertion on stderr and aborts; the only output the runtime writes itself.
#include <cstdio>
#include <cstdlib>
#include <orrery/core/assert.hpp>

namespace orrery::detail {
void assert_fail(const char* expression, const char* file, int line,
                 const char* message) noexcept {
  if (message != nullptr && message[0] != '\0') {
    std::fprintf(stderr, "orrery: assertion failed at %s:%d: %s (%s)\n", file, line, expression,
                 message);
  } else {
    std::fprintf(stderr, "orrery: assertion failed at %s:%d: %s\n", file, line, expression);
  }
  std::fflush(stderr);
  std::abort();
}
}  // namespace orrery::detail
