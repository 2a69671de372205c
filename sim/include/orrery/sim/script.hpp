#pragma once
// Script: a scenario that reads top to bottom, on a fiber of the world. Sleeping, asking and
// waiting park only the script; the world runs on, in virtual time.
//
//   world.run_script("failover", [&](Script& s) {
//     s.sleep(10s);
//     s.partition({{"a"}, {"b", "c"}});
//     auto r = s.ask<Balance>(account, [](ActorRef<Balance> to) { return Get{to}; });
//     s.eventually([&] { return leader_of(c) == "b"; }, 30s);
//     s.heal();
//   });
//
// A failed step (an unknown node, a contradictory partition, require()) throws ScriptError,
// which ends the script; World::run_script returns its text with the seed and virtual time.
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <orrery/actor/ask.hpp>
#include <orrery/fiber/await.hpp>
#include <orrery/fiber/driver.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::sim {

class Node;

struct ScriptError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Script {
 public:
  using Group = std::vector<std::string>;

  Script(World& world, Driver& driver) : world_(world), driver_(driver) {}

  World& world() const noexcept { return world_; }
  Instant now() const noexcept { return world_.now(); }
  /// A node by name; ScriptError when there is none.
  Node& node(std::string_view name) const;

  // ---- time ----
  void sleep(Duration duration) { driver_.sleep(duration); }
  /// Polls `condition` every `poll` until it holds (true) or `timeout` passes (false).
  bool eventually(const std::function<bool()>& condition, Duration timeout,
                  Duration poll = std::chrono::milliseconds(10));
  /// Like eventually, but a ScriptError naming `what` when it never holds.
  void require_eventually(const std::function<bool()>& condition, Duration timeout,
                          std::string_view what);
  /// ScriptError with `what` unless `condition`.
  void require(bool condition, std::string_view what) const;

  // ---- talking to actors ----
  /// Waits for `future` at most `timeout` (virtual time); a timeout error otherwise (also when
  /// the answer can never come, e.g. the asked node crashed).
  template <class T>
  Result<T> await(Future<T> future, Duration timeout = std::chrono::seconds(30));
  /// Asks `target` (see orrery::ask) and waits for the answer.
  template <class R, class M, class MakeRequest>
  Result<R> ask(const ActorRef<M>& target, MakeRequest make_request,
                Duration timeout = std::chrono::seconds(5)) {
    return await(orrery::ask<R>(target, std::move(make_request), timeout),
                 timeout + std::chrono::seconds(1));
  }

  // ---- faults ----
  void partition(std::initializer_list<std::initializer_list<std::string_view>> groups);
  void partition(const std::vector<Group>& groups);
  /// Cuts links from each of `from` to each of `to`, one way.
  void cut_one_way(const Group& from, const Group& to);
  void isolate(std::string_view node);
  /// Restores the links cut by hand (by scripts, or by tests through world.network()); the cuts
  /// of an applied fault plan stay until the plan's own actions end them.
  void heal();
  /// Restores every cut link, those of fault plans too (the end of a scenario's fault phase).
  void heal_all();
  void crash(std::string_view node);
  void restart(std::string_view node);
  void pause(std::string_view node, Duration duration);
  void jump_wall_clock(std::string_view node, Duration delta);
  void set_clock_drift(std::string_view node, std::int32_t ppm);
  /// A mark of the script's own in the trace (and its JSON lines).
  void note(std::string_view text);

 private:
  std::vector<std::uint32_t> indices(const Group& names) const;

  World& world_;
  Driver& driver_;
};

template <class T>
Result<T> Script::await(Future<T> future, Duration timeout) {
  if (!future.ready()) {
    FiberHost& host = world_.host();
    Env& env = world_.control_env();
    detail::FutureState<T>* state = future.state();
    bool woken = false;
    std::uint64_t token = 0;
    TimerId timer;
    try {
      host.suspend("script await", [&](Fiber& fiber) {
        auto wake = [&woken, &env, &fiber] {
          if (woken) return;
          woken = true;
          env.executor.schedule(FiberHost::runnable(fiber));
        };
        token = state->on_complete([wake](const Result<T>&) { wake(); });
        if (!woken) timer = env.timers.schedule_at(env.clock.now() + timeout, wake);
      });
    } catch (const FiberCancelled&) {
      if (!future.ready()) state->remove_callback(token);
      env.timers.cancel(timer);
      throw;
    }
    if (!future.ready()) {
      state->remove_callback(token);
      return make_error(Errc::timeout, "the script's wait timed out");
    }
    env.timers.cancel(timer);
  }
  return future.take();
}

}  // namespace orrery::sim
