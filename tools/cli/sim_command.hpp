#pragma once
// `orrery sim ...`: list, run and sweep the built-in scenarios.
#include <span>
#include <string_view>

namespace orrery::cli {

/// Runs `orrery sim <args>`; returns the process exit code (0 pass, 1 fail, 2 usage).
int sim_command(std::span<const std::string_view> args);

}  // namespace orrery::cli
