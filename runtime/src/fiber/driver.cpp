// Starting a driver fiber: a one-shot Runnable gets onto one of the executor's threads, spawns
// the fiber on that thread's host, and schedules it.

#include <orrery/fiber/driver.hpp>

namespace orrery {

namespace {

class DriverStart final : public Runnable {
 public:
  DriverStart(Env& env, std::string name, UniqueFunction<void(Driver&)> body, Promise<Done> done)
      : env_(env), name_(std::move(name)), body_(std::move(body)), done_(std::move(done)) {}

  void run(FiberHost& host) override {
    Fiber& fiber = host.spawn(name_, [&env = env_, &host, name = name_, body = std::move(body_),
                                      done = done_]() mutable {
      Driver driver(env, host, name);
      try {
        body(driver);
        done.complete(Done{});
      } catch (const FiberCancelled&) {
        done.fail(make_error(Errc::closed, "driver '" + name + "' was cancelled"));
        throw;
      } catch (...) {
        done.fail(make_error(Errc::refused, "driver '" + name + "' threw: " + describe_current()));
      }
    });
    env_.executor.schedule(FiberHost::runnable(fiber));
    delete this;
  }

  void discard() noexcept override {
    done_.fail(make_error(Errc::closed, "driver '" + name_ + "' was never started"));
    delete this;
  }

 private:
  static std::string describe_current() {
    try {
      throw;
    } catch (const std::exception& error) {
      return error.what();
    } catch (...) {
      return "a non-standard exception";
    }
  }

  Env& env_;
  std::string name_;
  UniqueFunction<void(Driver&)> body_;
  Promise<Done> done_;
};

}  // namespace

Future<Done> start_driver(Env& env, std::string name, UniqueFunction<void(Driver&)> body) {
  Promise<Done> done(env);
  Future<Done> future = done.future();
  env.executor.schedule(*new DriverStart(env, std::move(name), std::move(body), std::move(done)));
  return future;
}

}  // namespace orrery
