// Same seed, same trace hash: in one process, in other processes, and in every build type.
#include <cstdio>
#include <fstream>
#include <registry.hpp>
#include <sstream>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <sqlite3.h>

#include <orrery/persistence/sqlite_store.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/world.hpp>
#include <orrery/testkit/seeds.hpp>

namespace orrery::scenarios {
namespace {

struct Run {
  std::string hash;
  std::uint64_t events = 0;
  std::string verdict;
};

Run in_process(std::uint64_t seed, std::vector<std::string>* lines = nullptr,
               std::string_view scenario = "remoting") {
  ScenarioOptions options;
  if (lines != nullptr)
    options.trace_sink = [lines](std::string_view line) {
      lines->emplace_back(line);
    };
  const ScenarioResult result = find_scenario(scenario)->run(seed, options);
  return {fmt::format("{:016x}", result.trace_hash), result.events,
          result.passed ? "pass" : "fail"};
}

std::string field(const std::string& json, const std::string& name) {
  const std::string key = "\"" + name + "\":";
  const auto at = json.find(key);
  if (at == std::string::npos) return {};
  auto begin = at + key.size();
  if (json[begin] == '"') {
    ++begin;
    return json.substr(begin, json.find('"', begin) - begin);
  }
  return json.substr(begin, json.find_first_of(",}", begin) - begin);
}

#ifdef ORRERY_CLI_PATH
/// `orrery sim run SCENARIO --seed S --json` in a fresh process: its JSON verdict.
std::string fresh_process(std::string_view scenario, std::uint64_t seed, std::string& command) {
  command = fmt::format("{} sim run {} --seed {} --json", ORRERY_CLI_PATH, scenario, seed);
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
    out.append(buffer, n);
  ::pclose(pipe);
  return out;
}
#endif

TEST_CASE("the same seed gives the same trace, event for event, within a process",
          "[determinism]") {
  for (std::uint64_t seed : test_seeds(3, 11)) {
    ORRERY_SEED_INFO(seed);
    std::vector<std::string> first;
    std::vector<std::string> second;
    const Run a = in_process(seed, &first);
    const Run b = in_process(seed, &second);
    REQUIRE(a.hash == b.hash);
    REQUIRE(a.events == b.events);
    REQUIRE(first.size() == a.events);
    REQUIRE(first == second);
  }
  REQUIRE(in_process(1).hash != in_process(2).hash);
}

#ifdef ORRERY_CLI_PATH
TEST_CASE("the same seed gives the same trace hash in other processes", "[determinism]") {
  for (std::uint64_t seed : test_seeds(2, 21)) {
    ORRERY_SEED_INFO(seed);
    const Run here = in_process(seed);
    for (int process = 0; process < 2; ++process) {
      std::string command;
      const std::string out = fresh_process("remoting", seed, command);
      INFO(command << "\n" << out);
      REQUIRE(field(out, "trace_hash") == here.hash);
      REQUIRE(field(out, "events") == std::to_string(here.events));
      REQUIRE(field(out, "verdict") == here.verdict);
    }
  }
}
#endif

/// What an earlier run, or another library in the process, may leave in SQLite's process-wide
/// state: another store's work on another world, and SQLite's PRNG stirred by hand.
void disturb_sqlite() {
  using namespace std::chrono_literals;
  sim::World world(999);
  sim::Node& node = world.add_node("other", {.remoting = false});
  {
    auto store = persistence::SqliteStore::open(node.env(), {.path = "other.db", .owner = "other"});
    REQUIRE(store.ok());
    persistence::PersistentEvent event;
    event.persistence_id = "Other|1";
    event.sequence_nr = 1;
    event.manifest = "other.Event";
    event.payload = "noise";
    auto written = (*store)->write(persistence::AtomicWrite{"Other|1", {event}});
    REQUIRE(world.await([&] { return written.ready(); }, 10s));
    REQUIRE(written.take().ok());
  }
  unsigned char noise[97];
  sqlite3_randomness(sizeof noise, noise);
}

// SQLite keeps process-wide state (its PRNG above all, which picks WAL salts and so the bytes
// written): a run must not depend on what an earlier one left behind.
TEST_CASE(
    "the persist scenario gives one trace twice in a process, after another store, and "
    "in a fresh process",
    "[determinism][persistence]") {
  for (std::uint64_t seed : test_seeds(2, 31)) {
    ORRERY_SEED_INFO(seed);
    std::vector<std::string> first_lines;
    std::vector<std::string> second_lines;
    const Run first = in_process(seed, &first_lines, "persist");
    disturb_sqlite();
    const Run second = in_process(seed, &second_lines, "persist");
    REQUIRE(first.verdict == "pass");
    REQUIRE(first.hash == second.hash);
    REQUIRE(first.events == second.events);
    REQUIRE(first_lines == second_lines);
#ifdef ORRERY_CLI_PATH
    std::string command;
    const std::string out = fresh_process("persist", seed, command);
    INFO(command << "\n" << out);
    REQUIRE(field(out, "trace_hash") == first.hash);
    REQUIRE(field(out, "events") == std::to_string(first.events));
#endif
  }
}

// tests/determinism/golden_hashes.txt holds `scenario seed trace_hash events` lines. Release and
// Debug (with sanitizers) builds both check them, so the two build types agree with each other.
TEST_CASE("trace hashes match the golden file in every build type", "[determinism]") {
  std::ifstream golden(ORRERY_GOLDEN_FILE);
  REQUIRE(golden.good());
  std::string line;
  int checked = 0;
  while (std::getline(golden, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string scenario;
    std::uint64_t seed = 0;
    std::string hash;
    std::uint64_t events = 0;
    fields >> scenario >> seed >> hash >> events;
    REQUIRE(find_scenario(scenario));
    const Run run = in_process(seed, nullptr, scenario);
    INFO("seed " << seed << ": golden " << hash << "/" << events << " events, this build "
                 << run.hash << "/" << run.events
                 << " events.\nIf behaviour changed on purpose, regenerate the file with "
                 << "`orrery sim run " << scenario << " --seed " << seed
                 << " --json` for each line in it.");
    REQUIRE(run.hash == hash);
    REQUIRE(run.events == events);
    ++checked;
  }
  REQUIRE(checked >= 5);
}

}  // namespace
}  // namespace orrery::scenarios
