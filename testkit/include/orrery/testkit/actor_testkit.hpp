#pragma once
// ActorTestKit: an actor system for a test, over a time driver, with probes and a shutdown that
// reports whether everything stopped (Akka's ActorTestKit).
//
//   ActorTestKit kit;                       // manual (virtual) time, one node
//   auto counter = kit.spawn(counter(0), "counter");
//   auto probe = kit.create_probe<int>();
//   counter.tell(Get{probe.ref()});
//   probe.expect_message(0);
//
// Over the simulator, build it from a World's node (see <orrery/testkit/sim_fixture.hpp>); in
// production, from a ProductionEnv and RealTime (<orrery/testkit/real_time.hpp>).

#include <memory>
#include <orrery/actor.hpp>
#include <orrery/testkit/manual_time.hpp>
#include <orrery/testkit/test_probe.hpp>

namespace orrery {

class ActorTestKit {
 public:
  /// Over its own ManualTime.
  explicit ActorTestKit(ActorSystemConfig config = {}, ManualTime::Options time = {})
      : own_time_(std::make_unique<ManualTime>(time)),
        time_(*own_time_),
        system_(ActorSystem::create(own_time_->env(), std::move(config))) {}
  /// Over an Env and the driver that moves its time.
  ActorTestKit(Env& env, TimeDriver& time, ActorSystemConfig config = {})
      : time_(time), system_(ActorSystem::create(env, std::move(config))) {}
  ~ActorTestKit() {
    if (system_ && !system_->terminated()) shutdown();
  }

  ActorSystem& system() { return *system_; }
  TimeDriver& time() { return time_; }
  /// The ManualTime, when the kit made its own.
  ManualTime* manual_time() { return own_time_.get(); }

  template <class M>
  ActorRef<M> spawn(Behavior<M> behavior, std::string_view name, const Props& props = {}) {
    return system_->spawn(std::move(behavior), name, props);
  }
  template <class M>
  ActorRef<M> spawn(Behavior<M> behavior) {
    return system_->spawn_anonymous(std::move(behavior));
  }
  template <class M>
  TestProbe<M> create_probe(std::string name = "probe") {
    return TestProbe<M>(*system_, time_, std::move(name));
  }
  /// Waits (in the driver's time) until `ready` holds; throws ProbeFailure on timeout.
  void await(const std::function<bool()>& ready, Duration timeout, std::string_view what) {
    if (!time_.await(ready, timeout)) {
      throw ProbeFailure(fmt::format("timeout ({} ms) waiting for {}",
                                     std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count(), what));
    }
  }
  /// Terminates the system and waits for every actor to stop (ProbeFailure if they do not).
  void shutdown(Duration timeout = std::chrono::seconds(10)) {
    system_->terminate();
    await([this] { return system_->terminated(); }, timeout, "the actor system to terminate");
    system_.reset();
  }

 private:
  std::unique_ptr<ManualTime> own_time_;
  TimeDriver& time_;
  ActorSystemPtr system_;
};

}  // namespace orrery
