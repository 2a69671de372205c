#pragma once
// A test harness over one Env, so that one test body runs on several executors: the manual
// single-threaded env (virtual time), the production thread pool (real time), and the simulator.
// Bodies only use env() and run_until(); in virtual time run_until advances the clock, in real
// time it waits.

#include <functional>
#include <orrery/actor/actor_system.hpp>
#include <orrery/env/env.hpp>
#include <support/manual_env.hpp>

namespace orrery::test {

class Harness {
 public:
  virtual ~Harness() = default;
  virtual Env& env() = 0;
  /// Runs (or waits) until `done` holds or `limit` passes; returns whether it held. `done` is
  /// read from the test's thread: in real time it must only read atomics or futures.
  virtual bool run_until(const std::function<bool()>& done, Duration limit) = 0;
  /// Lets `duration` pass (virtual or real) with everything running.
  virtual void pass(Duration duration) = 0;
  /// A name for messages.
  virtual const char* name() const = 0;
  /// Whether Runnables may run in parallel (real threads).
  virtual bool threaded() const = 0;

  /// Terminates the system and waits for it.
  void shutdown(ActorSystemPtr& system) {
    system->terminate();
    const bool stopped = run_until([&] { return system->terminated(); }, std::chrono::seconds(10));
    ORRERY_ASSERT(stopped, "the actor system did not terminate within 10 s");
    system.reset();
  }
};

class ManualHarness final : public Harness {
 public:
  Env& env() override { return env_.env(); }
  bool run_until(const std::function<bool()>& done, Duration limit) override {
    const Instant deadline = env_.now() + limit;
    env_.drain();
    while (!done()) {
      if (env_.now() >= deadline) return false;
      env_.advance(std::chrono::milliseconds(1));
    }
    return true;
  }
  void pass(Duration duration) override { env_.advance(duration); }
  const char* name() const override { return "manual"; }
  bool threaded() const override { return false; }
  ManualEnv& manual() { return env_; }

 private:
  ManualEnv env_;
};

}  // namespace orrery::test
