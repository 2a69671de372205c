#pragma once
// SupervisorStrategy: what happens when an actor's handler throws (Akka Typed's strategies).
// A failure is an exception thrown from a handler, from setup, or from a signal handler; the
// strategy wrapped around the behavior with behaviors::supervise decides, by exception type.
// Without one, a failing actor stops (Akka Typed's default). A failure never takes the process
// down.

#include <cstdint>
#include <exception>
#include <orrery/core/assert.hpp>
#include <orrery/core/time.hpp>
#include <string_view>

namespace orrery {

class SupervisorStrategy {
 public:
  enum class Kind : std::uint8_t { resume, restart, stop, escalate, restart_with_backoff };

  /// Keep the current state and go on with the next message.
  static SupervisorStrategy resume() { return SupervisorStrategy(Kind::resume); }
  /// Start over from the supervised behavior (its setup runs again); unlimited unless limited.
  static SupervisorStrategy restart() { return SupervisorStrategy(Kind::restart); }
  /// Stop the actor (PostStop is signalled).
  static SupervisorStrategy stop() { return SupervisorStrategy(Kind::stop); }
  /// Stop the actor and fail its parent with the same exception, so the parent's own strategy
  /// decides.
  static SupervisorStrategy escalate() { return SupervisorStrategy(Kind::escalate); }
  /// Restart after a delay growing from `min` to `max` (doubling per consecutive failure), each
  /// delay multiplied by a random factor in [1, 1 + random_factor] drawn from the Env's Random.
  /// Messages that arrive meanwhile wait in the mailbox.
  static SupervisorStrategy restart_with_backoff(Duration min, Duration max, double random_factor);

  /// At most `max_restarts` restarts within any `within` window; one more stops the actor.
  SupervisorStrategy with_limit(std::uint32_t max_restarts, Duration within) const;
  /// Whether children are stopped on restart (default true). Restart waits until they are.
  SupervisorStrategy with_stop_children(bool stop_children) const;
  /// For backoff: the failure count resets after this long without a failure (default: max).
  SupervisorStrategy with_reset_backoff_after(Duration reset_after) const;
  /// Whether failures are logged (default true).
  SupervisorStrategy with_logging(bool logging) const;

  Kind kind() const noexcept { return kind_; }
  bool limited() const noexcept { return limited_; }
  std::uint32_t max_restarts() const noexcept { return max_restarts_; }
  Duration within() const noexcept { return within_; }
  bool stop_children() const noexcept { return stop_children_; }
  Duration backoff_min() const noexcept { return backoff_min_; }
  Duration backoff_max() const noexcept { return backoff_max_; }
  std::uint32_t random_factor_permille() const noexcept { return random_factor_permille_; }
  Duration reset_backoff_after() const noexcept { return reset_after_; }
  bool logging() const noexcept { return logging_; }

 private:
  explicit SupervisorStrategy(Kind kind) : kind_(kind) {}

  Kind kind_;
  bool limited_ = false;
  bool stop_children_ = true;
  bool logging_ = true;
  std::uint32_t max_restarts_ = 0;
  std::uint32_t random_factor_permille_ = 0;
  Duration within_{0};
  Duration backoff_min_{0};
  Duration backoff_max_{0};
  Duration reset_after_{0};
};

const char* to_string(SupervisorStrategy::Kind kind) noexcept;

/// One `on_failure<E>(strategy)` clause: matches exceptions of type E (or derived).
struct FailureClause {
  bool (*matches)(const std::exception_ptr& error) = nullptr;
  std::string_view exception_type;
  SupervisorStrategy strategy = SupervisorStrategy::stop();
};

template <class E>
bool exception_is(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const E&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace orrery
