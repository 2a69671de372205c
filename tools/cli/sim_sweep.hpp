#pragma once
// `orrery sim sweep`: many seeds of a scenario, in this process or in worker processes (each
// a `orrery sim sweep-worker` child fed one seed at a time over a pipe), a progress display, the
// summary, and a replay file per failing seed.
#include <span>
#include <string_view>

namespace orrery::cli {

int sweep_command(std::span<const std::string_view> args);

/// The worker side: reads seeds (one a line) from stdin, answers each with one JSON line.
int sweep_worker(std::span<const std::string_view> args);

}  // namespace orrery::cli
