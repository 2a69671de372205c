// orrery: the command-line face of the simulator.
//
//   orrery sim list
//   orrery sim run NAME --seed S [--json] [--trace FILE] [--no-faults] [--log]
//   orrery sim sweep NAME [--seeds N] [--from S] [--json]
//   orrery check linearizable HISTORY --model register|cas-register|kv [--json]

#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "check_command.hpp"
#include "sim_command.hpp"

namespace {

void usage() {
  fmt::print(stderr,
             "usage: orrery sim list\n"
             "       orrery sim run NAME --seed S [--json] [--trace FILE] [--no-faults] [--log]\n"
             "       orrery sim sweep NAME [--seeds N] [--from S] [--json]\n"
             "       orrery check linearizable HISTORY --model register|cas-register|kv "
             "[--json]\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    usage();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "sim") return orrery::cli::sim_command(std::span(args).subspan(1));
  if (args[0] == "check") return orrery::cli::check_command(std::span(args).subspan(1));
  fmt::print(stderr, "orrery: unknown command '{}'\n", args[0]);
  usage();
  return 2;
}
