// The replay line printed with a failing seed.

#include <fmt/format.h>

#include <orrery/testkit/seeds.hpp>

namespace orrery {

std::string replay_command(std::uint64_t seed, const std::string& test_name) {
  return fmt::format(
      "seed {0}; replay: ORRERY_SEED={0} <test binary> \"{1}\"  (from the build dir: ctest -R "
      "\"{1}\" with ORRERY_SEED={0} set)",
      seed, test_name);
}

}  // namespace orrery
