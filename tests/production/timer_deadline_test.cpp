// TimerService held to its deadline: its clock is driven by hand, so the test decides the instant
// the timer thread reads, and a timer must run exactly when that instant reaches its due time
// (not a nanosecond before, and not a millisecond late). Real waiting only bounds how long the
// test gives the thread; every check is about the hand-set instant, so load cannot flake it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

#include <catch2/catch.hpp>

#include <orrery/env/clock.hpp>
#include <orrery/env/production/timer_service.hpp>

namespace {

using namespace std::chrono_literals;
using orrery::Duration;
using orrery::Instant;
using orrery::TimerService;
using orrery::WallTime;

/// A clock the test moves by hand. The timer thread reads it, so the instant is atomic.
class HandClock final : public orrery::Clock {
 public:
  Instant now() const noexcept override { return Instant{Duration{ns_.load()}}; }
  WallTime wall_now() const noexcept override { return WallTime{Duration{ns_.load()}}; }
  void set(Instant t) { ns_.store(t.time_since_epoch().count()); }

 private:
  std::atomic<std::int64_t> ns_{Duration{1s}.count()};
};

/// When a timer ran, by the hand clock (or -1 while it has not).
struct Firing {
  std::atomic<std::int64_t> at_ns{-1};
  bool fired() const { return at_ns.load() >= 0; }
};

// Real time the thread gets to act on an instant: it rereads the clock at least every
// millisecond here, since the test never leaves it more than 1 ms of hand time to wait.
constexpr auto settle = 30ms;

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;  // the test's own patience
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(100us);
  }
  return true;
}

}  // namespace

TEST_CASE("timer service: a timer fires exactly at its due instant on a hand-driven clock",
          "[production][timers]") {
  HandClock clock;
  const Instant start = clock.now();
  const Instant due = start + 1ms;
  TimerService timers(clock);
  Firing first;
  Firing second;
  timers.schedule_at(due, [&] { first.at_ns.store(clock.now().time_since_epoch().count()); });
  timers.schedule_at(due + 1ms,
                     [&] { second.at_ns.store(clock.now().time_since_epoch().count()); });

  // Before the due instant nothing runs, however long the thread looks.
  for (const Duration before : {Duration{1ms}, Duration{1us}, Duration{1ns}}) {
    clock.set(due - before);
    std::this_thread::sleep_for(settle);
    INFO("hand clock at due - " << before.count() << " ns");
    REQUIRE_FALSE(first.fired());
  }

  // At the due instant it runs, with the clock still there: a timer that waited for a later
  // instant would never run, since the hand clock does not move on by itself.
  clock.set(due);
  REQUIRE(eventually([&] { return first.fired(); }, 10s));
  CHECK(first.at_ns.load() == due.time_since_epoch().count());
  std::this_thread::sleep_for(settle);
  CHECK_FALSE(second.fired());  // due 1 ms later: not yet
  CHECK(timers.pending() == 1);

  clock.set(due + 1ms);
  REQUIRE(eventually([&] { return second.fired(); }, 10s));
  CHECK(second.at_ns.load() == (due + 1ms).time_since_epoch().count());
  CHECK(timers.pending() == 0);
}
