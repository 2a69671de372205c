#pragma once
// Env: everything a node may use of the outside world and the passage of time. An ActorSystem is
// built over one; production and the simulator each provide every part. Nothing else in the
// libraries reads a clock, sleeps, starts a thread, draws randomness, opens a socket or a file.

#include <orrery/env/buggify.hpp>
#include <orrery/env/clock.hpp>
#include <orrery/env/executor.hpp>
#include <orrery/env/log_sink.hpp>
#include <orrery/env/random.hpp>
#include <orrery/env/storage.hpp>
#include <orrery/env/timers.hpp>
#include <orrery/env/transport.hpp>

namespace orrery {

/// References to the parts; whoever builds the Env owns them and outlives every user.
struct Env {
  Clock& clock;
  Timers& timers;
  Executor& executor;
  Random& random;
  Transport& transport;
  Storage& storage;
  LogSink& log;
  /// Fault points for the simulator; null in production.
  Buggify* buggify = nullptr;
};

}  // namespace orrery
