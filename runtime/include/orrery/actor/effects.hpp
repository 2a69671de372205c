#pragma once
// Effects: what an actor did besides handling a message, reported to an EffectObserver when one
// is installed on its system (the testkit's BehaviorTestKit installs one). Without an observer
// the cost is one pointer check in each of these (rare) operations.

#include <orrery/core/time.hpp>
#include <string>
#include <variant>

namespace orrery {

class CellBase;

namespace effect {
struct Spawned {
  std::string name;  // "$..." for anonymous children
  std::string path;
  friend bool operator==(const Spawned&, const Spawned&) = default;
};
struct Stopped {
  std::string name;  // the child asked to stop
  friend bool operator==(const Stopped&, const Stopped&) = default;
};
struct Watched {
  std::string path;
  friend bool operator==(const Watched&, const Watched&) = default;
};
struct Unwatched {
  std::string path;
  friend bool operator==(const Unwatched&, const Unwatched&) = default;
};
struct TimerStarted {
  std::string key;
  Duration delay{0};
  bool repeating = false;
  friend bool operator==(const TimerStarted&, const TimerStarted&) = default;
};
struct TimerCancelled {
  std::string key;
  friend bool operator==(const TimerCancelled&, const TimerCancelled&) = default;
};
struct Scheduled {
  Duration delay{0};
  std::string target;
  friend bool operator==(const Scheduled&, const Scheduled&) = default;
};
}  // namespace effect

using Effect = std::variant<effect::Spawned, effect::Stopped, effect::Watched, effect::Unwatched,
                            effect::TimerStarted, effect::TimerCancelled, effect::Scheduled>;

class EffectObserver {
 public:
  virtual ~EffectObserver() = default;
  /// Called on the actor's own turn.
  virtual void on_effect(const CellBase& actor, const Effect& effect) = 0;
};

}  // namespace orrery
