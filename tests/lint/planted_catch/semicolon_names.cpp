// A planted Catch binary for lint.catch-count's own test: one case whose name holds `;`, which
// catch_discover_tests splits into two entries that run nothing, beside a case it keeps whole.
// Never registered with ctest itself; catch_count_planted.cmake discovers it in a folder of its
// own.
#include <catch2/catch.hpp>

TEST_CASE("a planted name; split at the semicolon", "[planted]") {
  CHECK(1 + 1 == 2);
}

TEST_CASE("a planted name, kept whole [with brackets]", "[planted]") {
  CHECK(2 * 2 == 4);
}
