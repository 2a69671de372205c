#pragma once
// The harnesses every runtime test body runs on (see harness.hpp).
#include <support/harness.hpp>

#define ORRERY_HARNESSES ::orrery::test::ManualHarness
