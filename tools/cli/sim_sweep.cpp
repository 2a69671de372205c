// Sweeps: the seeds are dealt one at a time to whichever worker is free, so a slow seed does not
// hold the others back; results are gathered by seed, so the output does not depend on --jobs.

#include "sim_sweep.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <poll.h>
#include <registry.hpp>
#include <replay_file.hpp>
#include <signal.h>
#include <spawn.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "build_info.hpp"
#include "sim_files.hpp"
#include "sim_manual.hpp"
#include "sim_options.hpp"

extern char** environ;

namespace orrery::cli {

namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

/// One seed's outcome, as the summary needs it (from a run here or a worker's line).
struct SeedOutcome {
  std::uint64_t seed = 0;
  bool passed = false;
  std::string invariant;
  std::int64_t sim_time_ns = 0;
  std::uint64_t events = 0;
  std::string trace_hash;
  std::string result_json;  // the scenario's own JSON of the result
  std::string replay;       // the replay file's text, for a failing seed
};

scenarios::ScenarioOptions run_options_of(const SimOptions& options) {
  scenarios::ScenarioOptions run_options;
  run_options.faults = options.faults;
  run_options.bug = options.bug;
  run_options.until = options.until;
  return run_options;
}

/// A worker's answer line: the result's JSON with the replay file's text added.
std::string worker_line(const scenarios::ScenarioResult& result) {
  Json line = Json::parse(result.to_json());
  if (!result.passed)
    line["replay"] = scenarios::to_json(scenarios::replay_file_of(result, this_build()));
  return line.dump();
}

Result<SeedOutcome> outcome_of_line(std::string_view text) {
  Json line = Json::parse(text, nullptr, false);
  if (line.is_discarded() || !line.is_object() || !line.contains("seed"))
    return make_error(Errc::corrupt, fmt::format("a worker answered a malformed line: {}", text));
  SeedOutcome out;
  out.seed = line["seed"].get<std::uint64_t>();
  out.passed = line["verdict"] == "pass";
  out.invariant = line["invariant"].get<std::string>();
  out.sim_time_ns = line["sim_time_ns"].get<std::int64_t>();
  out.events = line["events"].get<std::uint64_t>();
  out.trace_hash = line["trace_hash"].get<std::string>();
  if (line.contains("replay")) {
    out.replay = line["replay"].get<std::string>();
    line.erase("replay");
  }
  out.result_json = line.dump();
  return out;
}

SeedOutcome outcome_of(const scenarios::ScenarioResult& result) {
  auto out = outcome_of_line(worker_line(result));
  ORRERY_ASSERT(out.ok(), "our own result line parses");
  return std::move(*out);
}

/// Progress on stderr: a bar redrawn in place on a terminal, a plain line per tenth otherwise.
class Progress {
 public:
  Progress(bool enabled, std::uint64_t total)
      : enabled_(enabled),
        terminal_(isatty(STDERR_FILENO) == 1),
        total_(total),
        started_(Clock::now()) {}

  void update(std::uint64_t done, std::uint64_t failed) {
    if (!enabled_) return;
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - started_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
    if (terminal_) {
      if (done != total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
      last_draw_ = now;
      constexpr int width = 30;
      const int filled = static_cast<int>(width * done / std::max<std::uint64_t>(total_, 1));
      fmt::print(stderr, "\r[{}{}] {}/{} seeds, {} failed, {:.1f} seeds/s, ETA {:.0f}s   ",
                 std::string(static_cast<std::size_t>(filled), '#'),
                 std::string(static_cast<std::size_t>(width - filled), '.'), done, total_, failed,
                 rate, eta);
      if (done == total_) fmt::print(stderr, "\n");
      return;
    }
    const std::uint64_t step = std::max<std::uint64_t>(1, total_ / 10);
    if (done % step != 0 && done != total_) return;
    fmt::print(stderr, "progress: {}/{} seeds, {} failed, {:.1f} seeds/s, ETA {:.0f}s\n", done,
               total_, failed, rate, eta);
  }

 private:
  bool enabled_;
  bool terminal_;
  std::uint64_t total_;
  Clock::time_point started_;
  Clock::time_point last_draw_{};
};

/// A child `orrery sim sweep-worker`: its pid and the pipes to and from it.
struct Worker {
  pid_t pid = -1;
  int to = -1;
  int from = -1;
  std::string buffer;
  std::optional<std::uint64_t> busy_with;
};

Result<Worker> start_worker(const SimOptions& options) {
  std::vector<std::string> argv{"/proc/self/exe", "sim", "sweep-worker", options.target};
  if (!options.bug.empty()) argv.insert(argv.end(), {"--bug", options.bug});
  if (options.until)
    argv.insert(argv.end(), {"--until", scenarios::format_duration(*options.until)});
  if (!options.faults) argv.emplace_back("--no-faults");
  int in[2];
  int out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
    return make_error(Errc::io_error, fmt::format("pipe: {}", std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  std::vector<char*> raw;
  for (std::string& arg : argv)
    raw.push_back(arg.data());
  raw.push_back(nullptr);
  pid_t pid = -1;
  const int failed = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, raw.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  if (failed != 0) {
    close(in[1]);
    close(out[0]);
    return make_error(Errc::io_error,
                      fmt::format("cannot start a worker: {}", std::strerror(failed)));
  }
  return Worker{.pid = pid, .to = in[1], .from = out[0]};
}

bool send_seed(Worker& worker, std::uint64_t seed) {
  const std::string line = fmt::format("{}\n", seed);
  worker.busy_with = seed;
  return ::write(worker.to, line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

void stop_worker(Worker& worker) {
  if (worker.to >= 0) close(worker.to);
  if (worker.from >= 0) close(worker.from);
  worker.to = worker.from = -1;
  if (worker.pid > 0) {
    int status = 0;
    waitpid(worker.pid, &status, 0);
    worker.pid = -1;
  }
}

/// Runs `seeds` over `jobs` workers; `done` is told each outcome as it arrives.
Status run_in_workers(const SimOptions& options, const std::vector<std::uint64_t>& seeds,
                      const std::function<void(SeedOutcome)>& done) {
  signal(SIGPIPE, SIG_IGN);
  std::vector<Worker> workers;
  const auto stop_all = [&] {
    for (Worker& worker : workers)
      stop_worker(worker);
  };
  std::size_t next = 0;
  for (std::uint32_t j = 0; j < options.jobs && j < seeds.size(); ++j) {
    auto worker = start_worker(options);
    if (!worker.ok()) {
      stop_all();
      return worker.error();
    }
    workers.push_back(std::move(*worker));
    if (!send_seed(workers.back(), seeds[next++])) {
      stop_all();
      return make_error(Errc::io_error, "a worker refused its first seed");
    }
  }
  std::size_t outstanding = workers.size();
  while (outstanding > 0) {
    std::vector<pollfd> fds;
    for (const Worker& worker : workers)
      fds.push_back({.fd = worker.from, .events = POLLIN, .revents = 0});
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      stop_all();
      return make_error(Errc::io_error, fmt::format("poll: {}", std::strerror(errno)));
    }
    for (std::size_t w = 0; w < workers.size(); ++w) {
      if (fds[w].fd < 0 || (fds[w].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      Worker& worker = workers[w];
      char chunk[65536];
      const ssize_t n = ::read(worker.from, chunk, sizeof chunk);
      if (n <= 0) {
        const auto seed = worker.busy_with;
        stop_all();
        return make_error(Errc::io_error,
                          seed ? fmt::format("a worker died while running seed {} (rerun it "
                                             "alone: orrery sim run {} --seed {})",
                                             *seed, options.target, *seed)
                               : std::string("a worker died"));
      }
      worker.buffer.append(chunk, static_cast<std::size_t>(n));
      std::size_t end;
      while ((end = worker.buffer.find('\n')) != std::string::npos) {
        auto outcome = outcome_of_line(std::string_view(worker.buffer).substr(0, end));
        worker.buffer.erase(0, end + 1);
        if (!outcome.ok()) {
          stop_all();
          return outcome.error();
        }
        done(std::move(*outcome));
        worker.busy_with.reset();
        if (next < seeds.size()) {
          if (!send_seed(worker, seeds[next++])) {
            stop_all();
            return make_error(Errc::io_error, "a worker stopped taking seeds");
          }
        } else {
          --outstanding;
        }
      }
    }
  }
  stop_all();
  return {};
}

std::string replay_file_name(const SimOptions& options, std::uint64_t seed) {
  std::string name = fmt::format("{}-seed-{}", options.target, seed);
  if (!options.bug.empty()) name += "-" + options.bug;
  return name + ".json";
}

}  // namespace

int sweep_worker(std::span<const std::string_view> args) {
  static constexpr std::string_view flags[] = {"--bug", "--until", "--no-faults"};
  auto options = parse_sim_options("sweep-worker", args, {.flags = flags});
  if (!options.ok()) {
    fmt::print(stderr, "{}\n", options.error().message);
    return 2;
  }
  auto scenario = scenarios::find_scenario(options->target);
  if (!scenario) return 2;
  char line[64];
  while (std::fgets(line, sizeof line, stdin) != nullptr) {
    std::string_view text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
      text.remove_suffix(1);
    auto seed = parse_number(text);
    if (!seed) return 2;
    const auto result = scenario->run(*seed, run_options_of(*options));
    fmt::print("{}\n", worker_line(result));
    std::fflush(stdout);
  }
  return 0;
}

int sweep_command(std::span<const std::string_view> args) {
  static constexpr std::string_view flags[] = {"--seeds", "--from", "--seed",        "--jobs",
                                               "-j",      "--bug",  "--until",       "--no-faults",
                                               "--out",   "-o",     "--no-progress", "--json"};
  auto parsed = parse_sim_options("sweep", args, {.flags = flags});
  if (!parsed.ok()) {
    fmt::print(stderr, "{}\n", parsed.error().message);
    return 2;
  }
  const SimOptions& options = *parsed;
  if (options.help) {
    fmt::print("{}", manual::sweep);
    return 0;
  }
  auto scenario = scenarios::find_scenario(options.target);
  if (!scenario) {
    fmt::print(stderr, "orrery sim sweep: no scenario named '{}' (orrery sim list)\n",
               options.target);
    return 2;
  }
  if (!options.bug.empty() && !scenario->has_bug(options.bug)) {
    fmt::print(stderr,
               "orrery sim sweep: scenario '{}' has no planted bug '{}' (orrery sim list)\n",
               options.target, options.bug);
    return 2;
  }
  const std::string out_dir = options.out.empty() ? std::string("orrery-replays") : options.out;
  std::vector<std::uint64_t> seeds;
  for (std::uint64_t i = 0; i < options.seed_count; ++i)
    seeds.push_back(options.seed + i);

  std::map<std::uint64_t, SeedOutcome> outcomes;
  std::vector<std::string> replay_files;
  std::uint64_t failed = 0;
  std::optional<Error> write_error;
  Progress progress(options.progress, seeds.size());
  const auto started = Clock::now();
  const auto record = [&](SeedOutcome outcome) {
    if (!outcome.passed) {
      ++failed;
      std::error_code ignored;
      std::filesystem::create_directories(out_dir, ignored);
      const std::string path =
          (std::filesystem::path(out_dir) / replay_file_name(options, outcome.seed)).string();
      if (Status written = write_text_file(path, outcome.replay); !written.ok()) {
        write_error = written.error();
      } else {
        replay_files.push_back(path);
      }
    }
    const std::uint64_t seed = outcome.seed;
    outcomes.emplace(seed, std::move(outcome));
    progress.update(outcomes.size(), failed);
  };
  if (options.jobs <= 1) {
    for (const std::uint64_t seed : seeds)
      record(outcome_of(scenario->run(seed, run_options_of(options))));
  } else if (Status ran = run_in_workers(options, seeds, record); !ran.ok()) {
    fmt::print(stderr, "orrery sim sweep: {}\n", ran.error().message);
    return 2;
  }
  if (write_error) {
    fmt::print(stderr, "orrery sim sweep: {}\n", write_error->message);
    return 2;
  }
  const double wall = std::chrono::duration<double>(Clock::now() - started).count();

  std::map<std::string, std::uint64_t> by_invariant;
  std::int64_t sim_ns = 0;
  std::uint64_t events = 0;
  for (const auto& [seed, outcome] : outcomes) {
    if (!outcome.passed) ++by_invariant[outcome.invariant];
    sim_ns += outcome.sim_time_ns;
    events += outcome.events;
  }
  std::sort(replay_files.begin(), replay_files.end());
  const double sim_seconds = static_cast<double>(sim_ns) / 1e9;
  const double seeds_per_s = wall > 0 ? static_cast<double>(seeds.size()) / wall : 0;
  const double events_per_s = wall > 0 ? static_cast<double>(events) / wall : 0;
  if (options.json) {
    Json out;
    out["scenario"] = options.target;
    out["bug"] = options.bug;
    out["seeds"] = {{"first", seeds.front()}, {"last", seeds.back()}, {"count", seeds.size()}};
    out["jobs"] = options.jobs;
    out["passed"] = seeds.size() - failed;
    out["failed"] = failed;
    out["failures_by_invariant"] = by_invariant;
    out["sim_time_ns"] = sim_ns;
    out["events"] = events;
    out["wall_s"] = wall;
    out["seeds_per_s"] = seeds_per_s;
    out["events_per_s"] = events_per_s;
    out["replay_files"] = replay_files;
    out["results"] = Json::array();
    for (const auto& [seed, outcome] : outcomes)
      out["results"].push_back(Json::parse(outcome.result_json));
    fmt::print("{}\n", out.dump());
    return failed == 0 ? 0 : 1;
  }
  fmt::print("{}{}: {} seeds ({}..{}) on {} job{} in {:.1f} s\n\n", options.target,
             options.bug.empty() ? "" : " with bug " + options.bug, seeds.size(), seeds.front(),
             seeds.back(), options.jobs, options.jobs == 1 ? "" : "s", wall);
  fmt::print("  {:<28} {:>10}\n", "verdict", "seeds");
  fmt::print("  {:<28} {:>10}\n", "pass", seeds.size() - failed);
  fmt::print("  {:<28} {:>10}\n", "fail", failed);
  if (!by_invariant.empty()) {
    fmt::print("\n  {:<28} {:>10}\n", "failures by invariant", "seeds");
    for (const auto& [invariant, count] : by_invariant)
      fmt::print("  {:<28} {:>10}\n", invariant, count);
  }
  fmt::print("\n  {:<28} {:>10.1f} s ({:.1f} s a seed, {:.0f}x real time)\n", "simulated time",
             sim_seconds, sim_seconds / static_cast<double>(seeds.size()),
             wall > 0 ? sim_seconds / wall : 0.0);
  fmt::print("  {:<28} {:>10} ({:.0f} events/s)\n", "trace events", events, events_per_s);
  fmt::print("  {:<28} {:>10.1f}\n", "seeds/s", seeds_per_s);
  if (failed > 0) {
    fmt::print("\nfailing seeds (replay files in {}):\n", out_dir);
    std::size_t shown = 0;
    for (const auto& [seed, outcome] : outcomes) {
      if (outcome.passed) continue;
      if (shown++ == 10) {
        fmt::print("  ... and {} more\n", failed - 10);
        break;
      }
      fmt::print("  seed {:<8} {:<20} orrery sim replay {}\n", seed, outcome.invariant,
                 (std::filesystem::path(out_dir) / replay_file_name(options, seed)).string());
    }
    fmt::print("shrink one: orrery sim shrink {}\n", replay_files.front());
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace orrery::cli
