// Conformance of Clock and Timers: the same bodies run against every implementation in
// ORRERY_CONFORMANCE_FACTORIES (factories.hpp says what a factory provides).

#include <algorithm>
#include <memory>
#include <mutex>
#include <numeric>
#include <vector>

#include <catch2/catch.hpp>

#include <orrery/env/clock.hpp>
#include <orrery/env/timers.hpp>

#include "factories.hpp"

namespace {

using namespace std::chrono_literals;
using orrery::Duration;
using orrery::Instant;
using orrery::TimerId;

/// What timer tasks did, in the order they did it; tasks run on the implementation's thread.
class Fired {
 public:
  void add(int value) {
    std::lock_guard guard(mutex_);
    values_.push_back(value);
  }
  std::vector<int> values() const {
    std::lock_guard guard(mutex_);
    return values_;
  }
  std::size_t count() const {
    std::lock_guard guard(mutex_);
    return values_.size();
  }
  auto has(std::size_t n) const {
    return [this, n] {
      return count() >= n;
    };
  }

 private:
  mutable std::mutex mutex_;
  std::vector<int> values_;
};

}  // namespace

TEMPLATE_TEST_CASE("conformance: clock now() never goes back", "[conformance][clock]",
                   ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  orrery::Clock& clock = parts.clock();
  Instant previous = clock.now();
  for (int read = 0; read < 10'000; ++read) {
    const Instant current = clock.now();
    REQUIRE(current >= previous);
    previous = current;
  }
  const Instant before = clock.now();
  parts.pass(5ms);
  CHECK(clock.now() - before >= 5ms);
}

TEMPLATE_TEST_CASE("conformance: timers fire in due order", "[conformance][timers]",
                   ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  Fired fired;
  const std::vector<int> offsets_ms = {7, 3, 9, 1, 5, 0, 8, 2, 6, 4};
  // Far enough ahead that every timer is scheduled before the first is due.
  const Instant base = parts.clock().now() + 50ms;
  for (const int offset : offsets_ms) {
    parts.timers().schedule_at(base + std::chrono::milliseconds(offset),
                               [&fired, offset] { fired.add(offset); });
  }
  REQUIRE(parts.run_until(fired.has(offsets_ms.size()), 5s));
  std::vector<int> sorted = offsets_ms;
  std::sort(sorted.begin(), sorted.end());
  CHECK(fired.values() == sorted);
}

TEMPLATE_TEST_CASE("conformance: timers due at the same instant fire in scheduling order",
                   "[conformance][timers]", ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  Fired fired;
  constexpr int timers_count = 200;
  const Instant due = parts.clock().now() + 30ms;
  for (int index = 0; index < timers_count; ++index) {
    parts.timers().schedule_at(due, [&fired, index] { fired.add(index); });
  }
  REQUIRE(parts.run_until(fired.has(timers_count), 5s));
  std::vector<int> expected(timers_count);
  std::iota(expected.begin(), expected.end(), 0);
  CHECK(fired.values() == expected);
  CHECK(parts.clock().now() >= due);
}

TEMPLATE_TEST_CASE("conformance: cancel before the timer fires destroys its task unrun",
                   "[conformance][timers]", ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  Fired fired;
  auto captured = std::make_shared<int>(0);
  std::weak_ptr<int> watch = captured;
  const Instant now = parts.clock().now();
  const TimerId cancelled =
      parts.timers().schedule_at(now + 20ms, [&fired, captured] { fired.add(1); });
  captured.reset();
  REQUIRE(cancelled);
  parts.timers().schedule_at(now + 40ms, [&fired] { fired.add(2); });

  CHECK(parts.timers().cancel(cancelled));
  CHECK(watch.expired());  // the task (and what it captured) is gone when cancel returns
  CHECK_FALSE(parts.timers().cancel(cancelled));  // a second cancel finds nothing

  REQUIRE(parts.run_until(fired.has(1), 5s));
  parts.pass(10ms);
  CHECK(fired.values() == std::vector<int>{2});
}

TEMPLATE_TEST_CASE("conformance: cancel after the timer fired returns false",
                   "[conformance][timers]", ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  Fired fired;
  const TimerId id =
      parts.timers().schedule_at(parts.clock().now() + 1ms, [&fired] { fired.add(1); });
  REQUIRE(parts.run_until(fired.has(1), 5s));
  CHECK_FALSE(parts.timers().cancel(id));
  CHECK(fired.values() == std::vector<int>{1});
}

TEMPLATE_TEST_CASE("conformance: cancel of an id never issued returns false",
                   "[conformance][timers]", ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  CHECK_FALSE(parts.timers().cancel(TimerId{}));
  CHECK_FALSE(parts.timers().cancel(TimerId{UINT64_MAX}));
}

TEMPLATE_TEST_CASE("conformance: a timer due in the past fires soon", "[conformance][timers]",
                   ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  Fired fired;
  const Instant scheduled = parts.clock().now();
  parts.timers().schedule_at(scheduled - 1s, [&fired] { fired.add(1); });
  REQUIRE(parts.run_until(fired.has(1), 1s));
  // "Soon": well within a second (production runs it at once; the simulator without delay).
  CHECK(parts.clock().now() - scheduled < 500ms);
}

TEMPLATE_TEST_CASE("conformance: a timer task may schedule and cancel timers",
                   "[conformance][timers]", ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  Fired fired;
  orrery::Timers& timers = parts.timers();
  orrery::Clock& clock = parts.clock();
  const TimerId doomed = timers.schedule_at(clock.now() + 30ms, [&fired] { fired.add(99); });
  timers.schedule_at(clock.now() + 1ms, [&] {
    fired.add(1);
    fired.add(timers.cancel(doomed) ? 10 : -10);
    timers.schedule_at(clock.now() + 1ms, [&fired] { fired.add(2); });
  });
  REQUIRE(parts.run_until(fired.has(3), 5s));
  parts.pass(40ms);
  CHECK(fired.values() == std::vector<int>{1, 10, 2});
}
