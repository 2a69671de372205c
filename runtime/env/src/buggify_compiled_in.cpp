// Which runtime variant this is: compiled once into each (runtime/CMakeLists.txt), with that
// variant's ORRERY_BUGGIFY_ENABLED, so a program can ask the library it actually links.

#include <orrery/env/buggify.hpp>

namespace orrery {

bool buggify_compiled_in() noexcept {
  return ORRERY_BUGGIFY_ENABLED != 0;
}

}  // namespace orrery
