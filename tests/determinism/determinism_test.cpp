// Same seed, same trace hash: in one process, in other processes, and in every build type.
#include <cstdio>
#include <fstream>
#include <registry.hpp>
#include <sstream>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <orrery/testkit/seeds.hpp>

namespace orrery::scenarios {
namespace {

struct Run {
  std::string hash;
  std::uint64_t events = 0;
  std::string verdict;
};

Run in_process(std::uint64_t seed, std::vector<std::string>* lines = nullptr) {
  ScenarioOptions options;
  if (lines != nullptr)
    options.trace_sink = [lines](std::string_view line) {
      lines->emplace_back(line);
    };
  const ScenarioResult result = find_scenario("remoting")->run(seed, options);
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
      const std::string command =
          fmt::format("{} sim run remoting --seed {} --json", ORRERY_CLI_PATH, seed);
      std::FILE* pipe = ::popen(command.c_str(), "r");
      REQUIRE(pipe != nullptr);
      std::string out;
      char buffer[4096];
      while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
        out.append(buffer, n);
      ::pclose(pipe);
      INFO(command << "\n" << out);
      REQUIRE(field(out, "trace_hash") == here.hash);
      REQUIRE(field(out, "events") == std::to_string(here.events));
      REQUIRE(field(out, "verdict") == here.verdict);
    }
  }
}
#endif

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
    REQUIRE(scenario == "remoting");
    const Run run = in_process(seed);
    INFO("seed " << seed << ": golden " << hash << "/" << events << " events, this build "
                 << run.hash << "/" << run.events
                 << " events.\nIf behaviour changed on purpose, regenerate the file with "
                 << "`orrery sim run remoting --seed " << seed << " --json` for each seed in it.");
    REQUIRE(run.hash == hash);
    REQUIRE(run.events == events);
    ++checked;
  }
  REQUIRE(checked >= 3);
}

}  // namespace
}  // namespace orrery::scenarios
