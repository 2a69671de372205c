#pragma once
// Parking the running fiber until a Future completes or a timer passes: what an actor's await
// and a driver's await and sleep share. The wake-up is armed only once the fiber is parked, and
// disarmed if the fiber is cancelled instead, so a cancelled fiber is never scheduled.

#include <orrery/actor/future.hpp>
#include <orrery/env/clock.hpp>
#include <orrery/env/executor.hpp>
#include <orrery/env/timers.hpp>
#include <orrery/fiber/fiber_host.hpp>
#include <string_view>

namespace orrery {

/// Parks the running fiber of `host` until `future` is ready (returns at once if it is).
/// `on_park(fiber)` runs once parked and `on_park(nullptr)` when it resumes or unwinds.
template <class T, class OnPark>
void park_until_ready(FiberHost& host, Executor& executor, const Future<T>& future,
                      std::string_view waiting_for, OnPark on_park) {
  if (future.ready()) return;
  detail::FutureState<T>* state = future.state();
  std::uint64_t token = 0;
  try {
    host.suspend(waiting_for, [&](Fiber& fiber) {
      on_park(&fiber);
      token = state->on_complete([&executor, &fiber](const Result<T>&) {
        executor.schedule(FiberHost::runnable(fiber));
      });
    });
  } catch (const FiberCancelled&) {
    if (token != 0) state->remove_callback(token);
    on_park(nullptr);
    throw;
  }
  on_park(nullptr);
}

/// Parks the running fiber of `host` until `clock` reaches `until`.
inline void park_until(FiberHost& host, Executor& executor, Timers& timers, Instant until,
                       std::string_view waiting_for) {
  TimerId timer;
  try {
    host.suspend(waiting_for, [&](Fiber& fiber) {
      timer = timers.schedule_at(until, [&executor, &fiber] {
        executor.schedule(FiberHost::runnable(fiber));
      });
    });
  } catch (const FiberCancelled&) {
    timers.cancel(timer);
    throw;
  }
}

}  // namespace orrery
