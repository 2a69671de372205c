// `orrery sim` as a user runs it: list, run with a replay file out, replay, sweep on several
// workers (the same verdicts and hashes as on one), shrink, and the exit status of each.
#include <catch2/catch.hpp>

#ifdef ORRERY_CLI_PATH

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include <fmt/format.h>

namespace {

struct Run {
  int status = -1;
  std::string out;
};

/// `orrery ARGS` with stdout and stderr together.
Run orrery(const std::string& args) {
  const std::string command = fmt::format("{} {} 2>&1", ORRERY_CLI_PATH, args);
  Run run;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
    run.out.append(buffer, n);
  const int status = ::pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::filesystem::path scratch(const char* name) {
  const auto dir = std::filesystem::temp_directory_path() / "orrery-sim-command-test" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("orrery sim list names every scenario with its invariants, as text and JSON", "[tools]") {
  const Run text = orrery("sim list");
  REQUIRE(text.status == 0);
  CHECK(text.out.find("remoting") != std::string::npos);
  CHECK(text.out.find("death watch") != std::string::npos);
  const Run json = orrery("sim list --json");
  REQUIRE(json.status == 0);
  const auto parsed = nlohmann::json::parse(json.out);
  REQUIRE(parsed["scenarios"].size() >= 2);
  for (const auto& scenario : parsed["scenarios"]) {
    CHECK_FALSE(scenario["invariants"].empty());
    CHECK(scenario.contains("bugs"));
  }
  CHECK(orrery("sim list --help").out.find("usage: orrery sim list") == 0);
}

TEST_CASE("a run's replay file replays to the same hash, and a tampered one says what differs",
          "[tools]") {
  const auto dir = scratch("replay");
  const auto file = dir / "remoting-2.json";
  const Run run = orrery(fmt::format("sim run remoting --seed 2 --out {} --json", file.string()));
  REQUIRE(run.status == 0);
  const std::string hash = nlohmann::json::parse(run.out)["trace_hash"];
  const Run replay = orrery(fmt::format("sim replay {} --json", file.string()));
  INFO(replay.out);
  REQUIRE(replay.status == 0);
  const auto replayed = nlohmann::json::parse(replay.out);
  CHECK(replayed["reproduced"] == true);
  CHECK(replayed["actual"]["trace_hash"] == hash);

  // Another commit recorded it, and its hash was different: not reproduced, and why.
  std::string text = slurp(file);
  text.replace(text.find(hash), hash.size(), "0123456789abcdef");
  const auto commit_at = text.find("\"commit\":\"") + 10;
  text.replace(commit_at, text.find('"', commit_at) - commit_at, "0000000deadbeef");
  const auto tampered = dir / "tampered.json";
  std::ofstream(tampered) << text;
  const Run mismatch = orrery(fmt::format("sim replay {}", tampered.string()));
  INFO(mismatch.out);
  CHECK(mismatch.status == 1);
  CHECK(mismatch.out.find("NOT reproduced") != std::string::npos);
  CHECK(mismatch.out.find("differs: commit '0000000deadbeef' recorded") != std::string::npos);

  // Its plan, edited by hand to one crash, runs as a regression test.
  const auto plan = dir / "plan.json";
  std::ofstream(plan)
      << R"({"plan": [{"at": "10s", "kind": "crash", "nodes": ["b"], "duration": "2s"}]})";
  const Run scripted =
      orrery(fmt::format("sim run remoting --seed 2 --plan {} --json", plan.string()));
  INFO(scripted.out);
  REQUIRE(scripted.status == 0);
  CHECK(nlohmann::json::parse(scripted.out)["fault_actions"] == 1);
}

TEST_CASE("a sweep on two workers gives every seed the verdict and hash it has on one", "[tools]") {
  const auto dir = scratch("sweep");
  const Run one = orrery(
      fmt::format("sim sweep remoting --seeds 1..8 --json --no-progress --out {}", dir.string()));
  const Run two = orrery(fmt::format(
      "sim sweep remoting --seeds 1..8 --jobs 2 --json --no-progress --out {}", dir.string()));
  REQUIRE(one.status == 0);
  REQUIRE(two.status == 0);
  const auto a = nlohmann::json::parse(one.out);
  const auto b = nlohmann::json::parse(two.out);
  REQUIRE(a["results"].size() == 8);
  REQUIRE(a["results"] == b["results"]);
  CHECK(b["jobs"] == 2);
  CHECK(a["passed"] == 8);
  const Run text = orrery("sim sweep remoting --seeds 1..3 --jobs 2");
  CHECK(text.status == 0);
  CHECK(text.out.find("progress: 3/3 seeds, 0 failed") != std::string::npos);
  CHECK(text.out.find("simulated time") != std::string::npos);
}

TEST_CASE("a failing sweep writes a replay file per failing seed, and it shrinks", "[tools]") {
  const auto dir = scratch("shrink");
  // Five minutes of a (the client) paused, mixed into seed 4's own faults: liveness fails.
  const auto plan = dir / "pause.json";
  std::ofstream(plan) << R"({"add_generated": true, "plan": [
    {"at": "20s", "kind": "pause", "nodes": ["a"], "duration": "5m"}]})";
  const auto failing = dir / "failing.json";
  const Run run = orrery(
      fmt::format("sim run remoting --seed 4 --plan {} --out {}", plan.string(), failing.string()));
  INFO(run.out);
  REQUIRE(run.status == 1);
  CHECK(run.out.find("FAIL (liveness)") != std::string::npos);
  const Run shrunk = orrery(fmt::format("sim shrink {} --json", failing.string()));
  INFO(shrunk.out);
  REQUIRE(shrunk.status == 0);
  const auto result = nlohmann::json::parse(shrunk.out);
  CHECK(result["fault_actions"]["after"] == 1);
  CHECK(result["fault_actions"]["before"] > 5);
  const Run replay = orrery(fmt::format("sim replay {}", result["shrunk_file"].get<std::string>()));
  INFO(replay.out);
  CHECK(replay.status == 0);
}

TEST_CASE("bad arguments and files get a one-line error and exit status 2", "[tools]") {
  const auto dir = scratch("bad");
  CHECK(orrery("sim run remoting").status == 2);
  CHECK(orrery("sim run nosuch --seed 1").out.find("no scenario named 'nosuch'") !=
        std::string::npos);
  CHECK(orrery("sim run remoting --seed 1 --bug nosuch").status == 2);
  CHECK(orrery("sim sweep remoting --seeds 5..2").status == 2);
  CHECK(orrery("sim run remoting --seed 1 --until soon").out.find("--until needs a duration") !=
        std::string::npos);
  const auto bad = dir / "bad.json";
  std::ofstream(bad)
      << "{\n  \"format\": \"orrery-replay\",\n  \"version\": 1,\n  \"seed\": 1\n}\n";
  const Run replay = orrery(fmt::format("sim replay {}", bad.string()));
  CHECK(replay.status == 2);
  CHECK(replay.out.find("bad.json: scenario: missing") != std::string::npos);
  CHECK(orrery("sim replay /nonexistent/file.json").status == 2);
}

}  // namespace

#endif
