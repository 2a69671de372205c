// `orrery check linearizable` as a user runs it: exit status 0, 1, 3 and 2, text and --json.
#include <catch2/catch.hpp>

#ifdef ORRERY_CLI_PATH

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>

#include <fmt/format.h>

namespace {

struct Run {
  int status = -1;
  std::string out;
};

/// Runs the CLI with `args` on a history file holding `history`; stdout and stderr together.
Run check(const std::string& history, const std::string& args, const char* name = "h.edn") {
  const auto dir = std::filesystem::temp_directory_path() / "orrery-check-command-test";
  std::filesystem::create_directories(dir);
  const auto file = dir / name;
  std::ofstream(file) << history;
  const std::string command =
      fmt::format("{} check linearizable {} {} 2>&1", ORRERY_CLI_PATH, file.string(), args);
  Run run;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr)
    run.out += buffer;
  const int status = ::pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

const char* stale_read = R"({:process 0, :type :invoke, :f :write, :value 1}
{:process 0, :type :ok, :f :write, :value 1}
{:process 1, :type :invoke, :f :write, :value 2}
{:process 1, :type :ok, :f :write, :value 2}
{:process 2, :type :invoke, :f :read, :value nil}
{:process 2, :type :ok, :f :read, :value 1}
)";

}  // namespace

TEST_CASE("orrery check linearizable: verdicts and exit status", "[check][cli]") {
  auto good = check(R"({"process": 0, "type": "invoke", "f": "write", "value": 1}
{"process": 0, "type": "ok", "f": "write", "value": 1}
{"process": 1, "type": "invoke", "f": "read", "value": null}
{"process": 1, "type": "ok", "f": "read", "value": 1}
)",
                    "--model register", "h.jsonl");
  CHECK(good.status == 0);
  CHECK(good.out.find(": linearizable (2 operations") != std::string::npos);

  auto bad = check(stale_read, "--model register");
  CHECK(bad.status == 1);
  CHECK(bad.out.find("not linearizable") != std::string::npos);
  CHECK(bad.out.find("line 3: process 1 :write 2") != std::string::npos);
  CHECK(bad.out.find("line 5: process 2 :read -> 1") != std::string::npos);

  auto json = check(stale_read, "--model cas-register --json");
  CHECK(json.status == 1);
  CHECK(json.out.find("\"verdict\":\"not linearizable\"") != std::string::npos);
  CHECK(json.out.find("\"failing_minimal\":true") != std::string::npos);
}

TEST_CASE("orrery check linearizable: a time limit answers unknown with status 3", "[check][cli]") {
  // Twenty concurrent writes and an impossible read: the search cannot end at once.
  std::string history;
  for (int p = 0; p < 20; ++p)
    history += fmt::format("{{:process {}, :type :invoke, :f :write, :value {}}}\n", p, p);
  for (int p = 0; p < 20; ++p)
    history += fmt::format("{{:process {}, :type :ok, :f :write, :value {}}}\n", p, p);
  history +=
      "{:process 99, :type :invoke, :f :read}\n{:process 99, :type :ok, :f :read, "
      ":value 5}\n{:process 99, :type :invoke, :f :read}\n{:process 99, :type :ok, :f "
      ":read, :value 77}\n";
  auto run = check(history, "--model register --memory-limit 64KiB");
  CHECK(run.status == 3);
  CHECK(run.out.find("unknown") != std::string::npos);
  CHECK(run.out.find("memory limit") != std::string::npos);
}

TEST_CASE("orrery check linearizable: bad input and usage exit 2 naming what is wrong",
          "[check][cli]") {
  auto malformed = check("{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0 :type\n",
                         "--model register");
  CHECK(malformed.status == 2);
  CHECK(malformed.out.find("h.edn:2: not EDN") != std::string::npos);
  auto no_model = check(stale_read, "");
  CHECK(no_model.status == 2);
  CHECK(no_model.out.find("--model is required") != std::string::npos);
  auto unknown_model = check(stale_read, "--model queue");
  CHECK(unknown_model.status == 2);
  CHECK(unknown_model.out.find("unknown model 'queue'") != std::string::npos);
}

#endif
