// The production library (installed as orrery::runtime) holds no BUGGIFY site: it says so, the
// code that includes its headers compiles every site to false, and an Env that offers a Buggify
// anyway is never asked.

#include <support/buggify_probe.hpp>

#include <catch2/catch.hpp>

#include <orrery/env/buggify.hpp>

TEST_CASE("production library: BUGGIFY is compiled out", "[production][buggify]") {
  STATIC_REQUIRE(ORRERY_BUGGIFY_ENABLED == 0);
  CHECK_FALSE(orrery::buggify_compiled_in());
  const orrery::test::BuggifyProbe probe = orrery::test::probe_buggify_sites(20);
  CHECK(probe.received == 20);
  CHECK(probe.sites.empty());
}
