#pragma once
// The build this binary came from, stamped into replay files and compared on replay.
#include <replay_file.hpp>

namespace orrery::cli {

scenarios::BuildInfo this_build();

}  // namespace orrery::cli
