// The runtime the simulator and the test suite link (orrery::runtime in the tree) has its BUGGIFY
// sites, unless the build asked for none (ORRERY_BUGGIFY=OFF): an actor's turn asks the Env's
// Buggify. Its counterpart, tests/production/buggify_compiled_out_test.cpp, holds the production
// library to having none.

#include <algorithm>
#include <support/buggify_probe.hpp>

#include <catch2/catch.hpp>

#include <orrery/env/buggify.hpp>

TEST_CASE("simulator's runtime: BUGGIFY sites are compiled in unless ORRERY_BUGGIFY is off",
          "[buggify]") {
  CHECK(orrery::buggify_compiled_in() == (ORRERY_BUGGIFY_ENABLED != 0));
  const orrery::test::BuggifyProbe probe = orrery::test::probe_buggify_sites(20);
  CHECK(probe.received == 20);
#if ORRERY_BUGGIFY_ENABLED
  CHECK(std::count(probe.sites.begin(), probe.sites.end(), "actor.turn.short") > 0);
#else
  CHECK(probe.sites.empty());
#endif
}
