#pragma once
// The harnesses every runtime test body runs on (see harness.hpp): the manual single-threaded
// env in virtual time, and the production thread pool in real time.
#include <support/harness.hpp>
#include <support/production_harness.hpp>

#define ORRERY_HARNESSES ::orrery::test::ManualHarness, ::orrery::test::ProductionHarness
