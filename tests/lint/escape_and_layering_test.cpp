// orrery-lint's layering rules, its escape, and what it strips before matching (comments,
// strings, raw strings, character literals), over planted trees.

#include <catch2/catch.hpp>

#include "planted_tree.hpp"

namespace orrery::test {
namespace {

TEST_CASE("lint: production layers must not include the simulator or the testkit", "[lint]") {
  PlantedTree tree;
  tree.plant("runtime/src/a.cpp", "#include <orrery/sim/world.hpp>\n");
  tree.plant("cluster/src/b.cpp",
             "#include <orrery/env/env.hpp>\n#include \"orrery/testkit/test_probe.hpp\"\n");
  tree.plant("persistence/src/c.cpp", "  #  include <orrery/sim/sim_disk.hpp>\n");
  tree.plant("testkit/src/d.cpp", "#include <orrery/sim/world.hpp>\n");  // testkit may
  const LintRun run = tree.lint();
  CHECK(run.output ==
        "cluster/src/b.cpp:2: layer-test-only: cluster must not include "
        "orrery/testkit/test_probe.hpp: the simulator and the testkit are for tests; the "
        "production library links without them\n"
        "persistence/src/c.cpp:1: layer-test-only: persistence must not include "
        "orrery/sim/sim_disk.hpp: the simulator and the testkit are for tests; the production "
        "library links without them\n"
        "runtime/src/a.cpp:1: layer-test-only: runtime must not include orrery/sim/world.hpp: "
        "the simulator and the testkit are for tests; the production library links without "
        "them\n");
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: the runtime must not include the layers above it", "[lint]") {
  PlantedTree tree;
  tree.plant("runtime/src/a.cpp",
             "#include <orrery/actor.hpp>\n#include <orrery/cluster/membership.hpp>\n"
             "#include <orrery/persistence/journal.hpp>\n");
  tree.plant("cluster/src/b.cpp", "#include <orrery/persistence/journal.hpp>\n");
  tree.plant("sim/src/c.cpp", "#include <orrery/testkit/test_probe.hpp>\n");
  tree.plant("persistence/src/d.cpp", "#include <orrery/actor.hpp>\n");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "cluster/src/b.cpp:1: layer-upward\n"
        "runtime/src/a.cpp:2: layer-upward\n"
        "runtime/src/a.cpp:3: layer-upward\n"
        "sim/src/c.cpp:1: layer-upward\n");
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: an escape with a reason silences its rule on its line only", "[lint]") {
  PlantedTree tree;
  tree.plant(
      "runtime/src/a.cpp",
      R"(auto a() { return std::chrono::steady_clock::now(); }  // orrery-lint: allow(clock) calibrating
auto b() { return std::chrono::steady_clock::now(); }
void c() { std::thread t(run); }  // orrery-lint: allow(clock) wrong rule
std::mt19937 d;  // orrery-lint: allow(random, global) a fixture's engine, documented
)");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "runtime/src/a.cpp:2: clock\n"
        "runtime/src/a.cpp:3: lint-escape\n"
        "runtime/src/a.cpp:3: thread\n");
  CHECK(run.output.find("runtime/src/a.cpp:3: lint-escape: allow(clock) silences nothing here; "
                        "remove it\n") != std::string::npos);
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: an escape needs a reason and a known rule", "[lint]") {
  PlantedTree tree;
  tree.plant("runtime/src/a.cpp",
             R"(auto a() { return time(nullptr); }  // orrery-lint: allow(clock)
auto b() { return time(nullptr); }  // orrery-lint: allow(clocks) typo
auto c() { return time(nullptr); }  // orrery-lint: please ignore
)");
  const LintRun run = tree.lint();
  CHECK(run.output ==
        "runtime/src/a.cpp:1: clock: time() reads the machine's clock; use the node's env.clock "
        "(orrery/env/clock.hpp)\n"
        "runtime/src/a.cpp:1: lint-escape: allow(clock) needs a reason after it\n"
        "runtime/src/a.cpp:2: clock: time() reads the machine's clock; use the node's env.clock "
        "(orrery/env/clock.hpp)\n"
        "runtime/src/a.cpp:2: lint-escape: unknown rule 'clocks'\n"
        "runtime/src/a.cpp:3: clock: time() reads the machine's clock; use the node's env.clock "
        "(orrery/env/clock.hpp)\n"
        "runtime/src/a.cpp:3: lint-escape: write the escape as `orrery-lint: allow(rule) "
        "reason`\n");
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: comments and literals are stripped before matching", "[lint]") {
  PlantedTree tree;
  tree.plant("runtime/src/a.cpp",
             R"x(// Never std::thread or sleep(1) here; the seam's clock, not steady_clock.
/* A block comment that mentions
   std::random_device and fopen("x") over lines. */
const char* text = "std::chrono::system_clock, rand() and std::ifstream";
const char* raw = R"(std::thread t; static int n = 0;
sleep(1);)";
const char quote = '"';
const long big = 1'000'000;
const char* after = "the line after the raw string still counts"; static int seen = 0;
auto late = std::chrono::steady_clock::now();
)x");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "runtime/src/a.cpp:9: global\n"
        "runtime/src/a.cpp:10: clock\n"
        "runtime/src/a.cpp:10: global\n");
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: a missing root is a usage error", "[lint]") {
  PlantedTree tree;
  LintRun run;
  const std::string command = std::string(ORRERY_LINT_PATH) + " --root /nonexistent 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr)
    run.output += buffer;
  const int status = pclose(pipe);
  CHECK(WEXITSTATUS(status) == 2);
  CHECK(run.output.find("has no runtime/ folder") != std::string::npos);
}

}  // namespace
}  // namespace orrery::test
