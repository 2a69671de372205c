// The scenario registry and the result's two renderings (text for people, JSON for scripts).

#include <persist/persist_scenario.hpp>
#include <registry.hpp>
#include <remoting/remoting_scenario.hpp>

#include <fmt/format.h>

#include <orrery/sim/trace.hpp>

namespace orrery::scenarios {

std::vector<Scenario> all_scenarios() {
  return {
      {"persist",
       "100 event-sourced counters on three nodes' SQLite stores (SimDisk) under generated "
       "crashes, disk faults, pauses and clock jumps: every acknowledged event survives and "
       "each state is the fold of its journal",
       &run_persist_scenario},
      {"remoting",
       "three nodes talking over remoting (request-reply, remote death watch, a restarted node's "
       "stale "
       "incarnation refused) under a generated fault plan",
       &run_remoting_scenario},
  };
}

std::optional<Scenario> find_scenario(std::string_view name) {
  for (const Scenario& scenario : all_scenarios()) {
    if (scenario.name == name) return scenario;
  }
  return std::nullopt;
}

namespace {

std::string json_escape(std::string_view text) {
  std::string out;
  sim::append_json_escaped(out, text);
  return out;
}

}  // namespace

std::string ScenarioResult::to_json() const {
  return fmt::format(
      R"({{"scenario":"{}","seed":{},"verdict":"{}","invariant":"{}","sim_time_ns":{},"events":{},"trace_hash":"{:016x}","detail":"{}","plan":"{}"}})",
      json_escape(scenario), seed, passed ? "pass" : "fail", json_escape(invariant),
      sim_time.count(), events, trace_hash, json_escape(detail), json_escape(plan));
}

std::string ScenarioResult::to_text() const {
  std::string out = fmt::format("scenario   {}\nseed       {}\nverdict    {}{}\n", scenario, seed,
                                passed ? "PASS" : "FAIL",
                                passed ? " (every invariant held)" : " (" + invariant + ")");
  out += fmt::format("sim time   {:.3f} s\nevents     {}\ntrace hash {:016x}\n",
                     static_cast<double>(sim_time.count()) / 1e9, events, trace_hash);
  if (!passed) {
    out += "\n" + detail + "\n";
    out += "\nfault plan:\n" + (plan.empty() ? std::string("  (none)\n") : plan);
  }
  out += fmt::format("replay:    orrery sim run {} --seed {}\n", scenario, seed);
  return out;
}

}  // namespace orrery::scenarios
