#pragma once
// Driver: code outside any actor that wants to read top to bottom (a client session, a test
// scenario, a startup sequence) on a fiber scheduled by the node's executor:
//
//   start_driver(env, "warm-up", [&](Driver& d) {
//     auto ready = d.await(ask<Status>(service, [](auto r) { return GetStatus{r}; }, 5s));
//     d.sleep(1s);
//     ...
//   });
//
// sleep() and await() park only this fiber; the executor's worker goes on. In the simulator the
// same code runs in virtual time.

#include <orrery/actor/future.hpp>
#include <orrery/core/unique_function.hpp>
#include <orrery/env/env.hpp>
#include <orrery/fiber/await.hpp>
#include <string>

namespace orrery {

class Driver {
 public:
  Driver(Env& env, FiberHost& host, std::string name)
      : env_(env), host_(host), name_(std::move(name)) {}

  Env& env() const noexcept { return env_; }
  Instant now() const noexcept { return env_.clock.now(); }
  const std::string& name() const noexcept { return name_; }

  /// Parks until the node's clock has advanced by `duration`.
  void sleep(Duration duration) {
    park_until(host_, env_.executor, env_.timers, env_.clock.now() + duration, "sleep in " + name_);
  }

  /// Parks until `future` is ready, then takes its result.
  template <class T>
  Result<T> await(Future<T> future) {
    park_until_ready(host_, env_.executor, future, "await in " + name_, [](Fiber*) {});
    return future.take();
  }

 private:
  Env& env_;
  FiberHost& host_;
  std::string name_;
};

/// Runs `body` on a new driver fiber of `env`'s executor. The future completes when it returns,
/// or fails with the exception's text when it throws.
Future<Done> start_driver(Env& env, std::string name, UniqueFunction<void(Driver&)> body);

}  // namespace orrery
