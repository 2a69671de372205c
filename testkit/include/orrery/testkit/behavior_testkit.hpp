#pragma once
// BehaviorTestKit<M>: runs one behavior synchronously and lets the test look at what it did
// (Akka's BehaviorTestKit). The actor lives in a real actor system over ManualTime, so run()
// handles the message, and everything it set off, before returning; effects (children spawned
// and stopped, watches, timers, scheduled sends) are recorded in order; TestInbox refs collect
// what it sends.
//
//   BehaviorTestKit<Command> kit(counter(0));
//   TestInbox<int> replies(kit);
//   kit.run(Get{replies.ref()});
//   REQUIRE(replies.receive_message() == 0);
//   REQUIRE(kit.retrieve_effects().empty());

#include <deque>
#include <orrery/actor.hpp>
#include <orrery/testkit/manual_time.hpp>
#include <orrery/testkit/test_probe.hpp>
#include <vector>

namespace orrery {

template <class M>
class BehaviorTestKit final : private EffectObserver {
 public:
  explicit BehaviorTestKit(Behavior<M> behavior, std::string name = "testee")
      : system_(ActorSystem::create(time_.env())) {
    system_->set_effect_observer(this);
    ref_ = system_->spawn(std::move(behavior), name);
    actor_ = ref_.recipient()->as_cell();
    time_.run_ready();  // setup runs now
  }
  ~BehaviorTestKit() override {
    system_->set_effect_observer(nullptr);
    system_->abort();
  }
  BehaviorTestKit(const BehaviorTestKit&) = delete;
  BehaviorTestKit& operator=(const BehaviorTestKit&) = delete;

  /// Handles `message` and everything it sets off (no time passes).
  void run(M message) {
    ref_.tell(std::move(message));
    time_.run_ready();
  }
  /// Lets virtual time pass: timers fire, scheduled sends arrive.
  void advance(Duration duration) { time_.advance(duration); }

  ActorRef<M> ref() const { return ref_; }
  bool is_alive() const { return !actor_->is_terminated(); }
  ActorSystem& system() { return *system_; }
  ManualTime& time() { return time_; }
  std::vector<UntypedActorRef> children() const { return actor_->children(); }

  /// The effects recorded since the last call, in order.
  std::vector<Effect> retrieve_effects() {
    std::vector<Effect> effects(effects_.begin(), effects_.end());
    effects_.clear();
    return effects;
  }
  /// The oldest recorded effect, which must be of type E.
  template <class E>
  E expect_effect() {
    if (effects_.empty()) throw ProbeFailure(fmt::format("expected a {} effect, there was none", type_name<E>()));
    Effect next = std::move(effects_.front());
    effects_.pop_front();
    if (E* found = std::get_if<E>(&next)) return *found;
    throw ProbeFailure(fmt::format("expected a {} effect, got a {}", type_name<E>(),
                                   std::visit([](const auto& e) { return type_name<std::decay_t<decltype(e)>>(); }, next)));
  }

 private:
  void on_effect(const CellBase& actor, const Effect& effect) override {
    if (&actor == actor_) effects_.push_back(effect);
  }

  ManualTime time_;
  ActorSystemPtr system_;
  ActorRef<M> ref_;
  CellBase* actor_ = nullptr;
  std::deque<Effect> effects_;
};

/// A ref whose messages a test reads back synchronously (Akka's TestInbox).
template <class T>
class TestInbox {
 public:
  template <class M>
  explicit TestInbox(BehaviorTestKit<M>& kit) : probe_(kit.system(), kit.time(), "inbox") {}
  ActorRef<T> ref() const { return probe_.ref(); }
  bool has_messages() const { return probe_.queued() > 0; }
  T receive_message() { return probe_.receive_message(Duration{0}); }
  void expect_message(const T& expected) { probe_.expect_message(expected, Duration{0}); }
  std::vector<T> receive_all() { return probe_.receive_messages(probe_.queued(), Duration{0}); }

 private:
  TestProbe<T> probe_;
};

}  // namespace orrery
