// The persistence crash property (rapidcheck over the simulator): ledger entities on a
// SqliteStore over SimDisk, random commands, injected write and sync errors, crashes inside a
// storage operation or at a random instant, restarts. After every restart each entity's journal
// holds every acknowledged event, in ack order, once, with no gap in sequence numbers; unacked
// events may be there, whole; nothing recovered vanishes later; the state is the fold of the
// journal. The case is a function of one seed, which a failure prints with its replay command.
#include <cstdlib>
#include <sstream>

#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <orrery/testkit/seeds.hpp>

#include "crash_rig.hpp"

namespace orrery::persistence::test {
namespace {

constexpr const char* property_test = "persistence crash property - acked events survive crashes";
// Cases per CI run (RC_PARAMS="max_success=N seed=S" asks for others); each is a few simulated
// seconds.
constexpr int ci_cases = 100;

std::string run_case(std::uint64_t seed, RigStats* stats = nullptr) {
  CrashRig rig(seed);
  std::string problem = rig.run();
  if (stats != nullptr) *stats = rig.stats();
  if (problem.empty()) return {};
  return fmt::format("{}\n{}", problem, replay_command(seed, property_test));
}

TEST_CASE("persistence crash property - acked events survive crashes",
          "[persistence][crash][property][sim]") {
  std::uint64_t seed = 0;
  if (seed_from_environment(seed)) {  // replay one case exactly, without rapidcheck
    const std::string problem = run_case(seed);
    INFO(problem);
    REQUIRE(problem.empty());
    return;
  }
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  if (std::getenv("RC_PARAMS") == nullptr) {
    params.maxSuccess = ci_cases;
    params.seed = 20261202;  // the same cases in every CI run; RC_PARAMS="seed=..." explores
    params.disableShrinking = true;  // a smaller seed is another case, not a simpler one
  }
  RigStats total;
  const auto result =
      rc::detail::checkProperty(rc::detail::toProperty([&] {
                                  const auto case_seed = *rc::gen::arbitrary<std::uint64_t>();
                                  RigStats stats;
                                  const std::string problem = run_case(case_seed, &stats);
                                  total.crashes_in_operation += stats.crashes_in_operation;
                                  total.crashes_at_instant += stats.crashes_at_instant;
                                  total.acks += stats.acks;
                                  total.unacked_recovered += stats.unacked_recovered;
                                  total.reopens += stats.reopens;
                                  total.batches_failed += stats.batches_failed;
                                  total.injected_errors += stats.injected_errors;
                                  total.writes_torn += stats.writes_torn;
                                  if (!problem.empty()) RC_FAIL(problem);
                                }),
                                rc::detail::TestMetadata{property_test, property_test}, params);
  std::ostringstream report;
  rc::detail::printResultMessage(result, report);
  INFO(report.str());
  REQUIRE(result.template is<rc::detail::SuccessResult>());
  // The cases reach what the property is about: crashes of both kinds, torn writes, injected
  // errors, acks, and unacked events that were recovered anyway.
  INFO(fmt::format(
      "crashes in an operation {}, at an instant {}, acks {}, unacked recovered {}, "
      "reopens {}, failed batches {}, injected errors {}, torn writes {}",
      total.crashes_in_operation, total.crashes_at_instant, total.acks, total.unacked_recovered,
      total.reopens, total.batches_failed, total.injected_errors, total.writes_torn));
  CHECK(total.crashes_in_operation > 0);
  CHECK(total.crashes_at_instant > 0);
  CHECK(total.acks > 100);
  CHECK(total.injected_errors > 0);
  CHECK(total.batches_failed > 0);     // entities failed with PersistFailedError and restarted
  CHECK(total.unacked_recovered > 0);  // events never acked that recovery found anyway
  CHECK(total.writes_torn > 0);
}

}  // namespace
}  // namespace orrery::persistence::test
