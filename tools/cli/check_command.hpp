#pragma once
// `orrery check`: history checkers over recorded files.
#include <span>
#include <string_view>

namespace orrery::cli {

/// `args` after "check"; returns the process's exit status.
int check_command(std::span<const std::string_view> args);

}  // namespace orrery::cli
