// The scenario registry, the result's two renderings (text for people, JSON for scripts), and the
// helpers every scenario's run shares.

#include <bank/bank_scenario.hpp>
#include <persist/persist_scenario.hpp>
#include <register/register_scenario.hpp>
#include <registry.hpp>
#include <remoting/remoting_scenario.hpp>

#include <fmt/format.h>

#include <orrery/sim/trace.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::scenarios {

using namespace std::chrono_literals;

std::vector<Scenario> all_scenarios() {
  return {
      bank_scenario(),
      persist_scenario(),
      register_scenario(),
      remoting_scenario(),
  };
}

std::optional<Scenario> find_scenario(std::string_view name) {
  for (Scenario& scenario : all_scenarios()) {
    if (scenario.name == name) return std::move(scenario);
  }
  return std::nullopt;
}

bool Scenario::has_bug(std::string_view bug) const noexcept {
  for (const BugInfo& info : bugs) {
    if (info.name == bug) return true;
  }
  return false;
}

sim::FaultPlan choose_plan(const ScenarioOptions& options, sim::World& world,
                           const std::vector<std::string>& node_names, Duration span,
                           const sim::FaultMix& mix) {
  const auto generated = [&] {
    SeededRandom plan_random(world.derive_seed("fault-plan"));
    return sim::generate(plan_random, node_names, span, mix);
  };
  if (options.plan) {
    if (!options.add_generated) return *options.plan;
    return sim::merge(*options.plan, generated(), node_names);
  }
  if (!options.faults) return {};
  return generated();
}

void finish_result(ScenarioResult& result, sim::World& world, const Status& outcome,
                   const std::string& invariant) {
  result.passed = outcome.ok();
  if (!outcome.ok()) {
    result.invariant = invariant;
    result.detail = outcome.error().message;
    result.detail += "\nlast log lines:\n";
    const auto& lines = world.log_lines();
    const std::size_t from = lines.size() > 30 ? lines.size() - 30 : 0;
    for (std::size_t i = from; i < lines.size(); ++i)
      result.detail += "  " + lines[i] + "\n";
  }
  result.plan = result.realized_plan.describe();
  result.sim_time = world.now().time_since_epoch();
  result.events = world.trace().events();
  result.trace_hash = world.trace().hash();
}

namespace {

std::string json_escape(std::string_view text) {
  std::string out;
  sim::append_json_escaped(out, text);
  return out;
}

}  // namespace

std::string ScenarioResult::replay_command() const {
  std::string command = fmt::format("orrery sim run {} --seed {}", scenario, seed);
  if (!bug.empty()) command += " --bug " + bug;
  return command;
}

std::string ScenarioResult::to_json() const {
  return fmt::format(
      R"({{"scenario":"{}","seed":{},"bug":"{}","verdict":"{}","invariant":"{}","sim_time_ns":{},"events":{},"trace_hash":"{:016x}","until_ns":{},"operations":{},"fault_actions":{},"detail":"{}","plan":"{}"}})",
      json_escape(scenario), seed, json_escape(bug), passed ? "pass" : "fail",
      json_escape(invariant), sim_time.count(), events, trace_hash, until.count(), operations,
      realized_plan.actions.size(), json_escape(detail), json_escape(plan));
}

std::string ScenarioResult::to_text() const {
  std::string out = fmt::format("scenario   {}\nseed       {}\n", scenario, seed);
  if (!bug.empty()) out += fmt::format("bug        {} (planted)\n", bug);
  out += fmt::format("verdict    {}{}\n", passed ? "PASS" : "FAIL",
                     passed ? " (every invariant held)" : " (" + invariant + ")");
  out += fmt::format("sim time   {:.3f} s\nevents     {}\ntrace hash {:016x}\n",
                     static_cast<double>(sim_time.count()) / 1e9, events, trace_hash);
  out += fmt::format("workload   {} operations over {:.1f} s, {} fault actions\n", operations,
                     static_cast<double>(until.count()) / 1e9, realized_plan.actions.size());
  if (!passed) {
    out += "\n" + detail + "\n";
    out += "\nfault plan:\n" + (plan.empty() ? std::string("  (none)\n") : plan);
  }
  out += fmt::format("replay:    {}\n", replay_command());
  return out;
}

}  // namespace orrery::scenarios
