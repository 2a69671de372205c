// Conformance of Executor and Random: the same bodies run against every implementation in
// ORRERY_CONFORMANCE_FACTORIES (factories.hpp says what a factory provides).

#include <atomic>
#include <memory>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include <orrery/env/executor.hpp>
#include <orrery/env/random.hpp>

#include "factories.hpp"

namespace {

using namespace std::chrono_literals;

/// Counts its runs; optionally schedules a follow-up from inside its turn.
class CountingRunnable final : public orrery::Runnable {
 public:
  void run(orrery::FiberHost&) override {
    runs.fetch_add(1, std::memory_order_relaxed);
    if (follow_up != nullptr) executor->schedule(*follow_up);
  }
  void discard() noexcept override { discards.fetch_add(1, std::memory_order_relaxed); }

  std::atomic<int> runs{0};
  std::atomic<int> discards{0};
  CountingRunnable* follow_up = nullptr;
  orrery::Executor* executor = nullptr;
};

}  // namespace

TEMPLATE_TEST_CASE("conformance: the executor runs each scheduled runnable exactly once",
                   "[conformance][executor]", ORRERY_CONFORMANCE_FACTORIES) {
  constexpr int runnables_count = 200;
  // Declared before the parts, so that they outlive the executor's workers.
  std::vector<std::unique_ptr<CountingRunnable>> runnables;
  TestType parts;
  for (int index = 0; index < runnables_count; ++index) {
    runnables.push_back(std::make_unique<CountingRunnable>());
  }
  // Every even one schedules the next odd one from inside its own turn.
  for (int index = 0; index + 1 < runnables_count; index += 2) {
    runnables[index]->follow_up = runnables[index + 1].get();
    runnables[index]->executor = &parts.executor();
  }
  for (int index = 0; index < runnables_count; index += 2) {
    parts.executor().schedule(*runnables[index]);
  }
  auto all_ran = [&] {
    for (const auto& runnable : runnables) {
      if (runnable->runs.load() == 0) return false;
    }
    return true;
  };
  REQUIRE(parts.run_until(all_ran, 5s));
  parts.pass(10ms);
  for (const auto& runnable : runnables) {
    CHECK(runnable->runs.load() == 1);
    CHECK(runnable->discards.load() == 0);
  }
  CHECK(parts.executor().concurrency() >= 1);
}

TEMPLATE_TEST_CASE("conformance: two Random instances give different streams",
                   "[conformance][random]", ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  auto first = parts.make_random();
  auto second = parts.make_random();
  std::vector<std::uint64_t> first_words;
  std::vector<std::uint64_t> second_words;
  for (int word = 0; word < 4; ++word) {
    first_words.push_back(first->next());
    second_words.push_back(second->next());
  }
  CHECK(first_words != second_words);
  // Nor does one stream repeat itself at once.
  CHECK(std::set<std::uint64_t>(first_words.begin(), first_words.end()).size() == 4);
}

TEMPLATE_TEST_CASE("conformance: uniform_below stays in range and reaches every value",
                   "[conformance][random]", ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  auto random = parts.make_random();
  const std::uint64_t bounds[] = {1, 2, 3, 7, 10, 1000, (1ULL << 63) + 1, UINT64_MAX};
  for (const std::uint64_t bound : bounds) {
    for (int draw = 0; draw < 2000; ++draw) {
      const std::uint64_t value = orrery::uniform_below(*random, bound);
      INFO("bound " << bound);
      REQUIRE(value < bound);
    }
  }
  // Seven values in 2000 draws: missing one has probability about 7 * (6/7)^2000, nil.
  std::set<std::uint64_t> seen;
  for (int draw = 0; draw < 2000; ++draw)
    seen.insert(orrery::uniform_below(*random, 7));
  CHECK(seen.size() == 7);
  for (int draw = 0; draw < 2000; ++draw) {
    const std::int64_t value = orrery::uniform_int(*random, -3, 3);
    REQUIRE(value >= -3);
    REQUIRE(value <= 3);
  }
}
