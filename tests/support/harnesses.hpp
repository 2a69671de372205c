#pragma once
// The harnesses every runtime test body runs on (see harness.hpp): the manual single-threaded
// env in virtual time, the production thread pool in real time, and the simulator's executor.
#include <support/harness.hpp>
#include <support/production_harness.hpp>
#include <support/sim_harness.hpp>

#define ORRERY_HARNESSES ::orrery::test::ManualHarness, ::orrery::test::ProductionHarness, ::orrery::test::SimHarness
