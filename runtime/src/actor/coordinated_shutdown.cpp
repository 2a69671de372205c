// Coordinated shutdown: the phases run by an actor under /system, one phase at a time, each
// waiting for its tasks or its timeout; then the actor system's guardians stop.

#include <fmt/format.h>

#include <orrery/actor.hpp>
#include <orrery/actor/coordinated_shutdown.hpp>

namespace orrery {

namespace {

struct RunPhase {
  std::size_t index = 0;
};
struct TaskFinished {
  std::size_t index = 0;
  std::string task;
  std::optional<Error> error;
};
struct PhaseTimedOut {
  std::size_t index = 0;
};
using RunnerMessage = std::variant<RunPhase, TaskFinished, PhaseTimedOut>;

}  // namespace

/// Runs the phases; a friend of CoordinatedShutdown and ActorSystem.
struct CoordinatedShutdownRunner {
  static Behavior<RunnerMessage> behavior(CoordinatedShutdown& shutdown) {
    struct State {
      std::size_t current = 0;
      std::size_t pending = 0;
      Cancellable timeout;
    };
    auto state = std::make_shared<State>();
    return behaviors::receive<RunnerMessage>(
        [&shutdown, state](ActorContext<RunnerMessage>& ctx, RunPhase& run) {
          start_phase(shutdown, ctx, *state, run.index);
        },
        [&shutdown, state](ActorContext<RunnerMessage>& ctx, TaskFinished& done) {
          if (done.error) {
            ctx.log().warning("task '{}' of phase {} failed: {}", done.task,
                              CoordinatedShutdown::phases[done.index], done.error->message);
          }
          if (done.index != state->current || state->pending == 0) return;
          if (--state->pending == 0) {
            state->timeout.cancel();
            start_phase(shutdown, ctx, *state, done.index + 1);
          }
        },
        [&shutdown, state](ActorContext<RunnerMessage>& ctx, PhaseTimedOut& timed_out) {
          if (timed_out.index != state->current || state->pending == 0) return;
          ctx.log().warning("phase {} timed out with {} task(s) unfinished",
                            CoordinatedShutdown::phases[timed_out.index], state->pending);
          state->pending = 0;
          start_phase(shutdown, ctx, *state, timed_out.index + 1);
        });
  }

  template <class State>
  static void start_phase(CoordinatedShutdown& shutdown, ActorContext<RunnerMessage>& ctx,
                          State& state, std::size_t index) {
    state.current = index;
    if (index == CoordinatedShutdown::phases.size()) {
      shutdown.system_.stop_guardians();
      return;
    }
    std::vector<std::pair<std::string, CoordinatedShutdown::Task>> tasks;
    Duration timeout = shutdown.system_.config().shutdown_phase_timeout;
    {
      std::lock_guard guard(shutdown.mutex_);
      tasks.swap(shutdown.tasks_[index].tasks);
      if (shutdown.tasks_[index].timeout) timeout = *shutdown.tasks_[index].timeout;
    }
    state.pending = tasks.size();
    if (tasks.empty()) {
      ctx.self().tell(RunPhase{index + 1});
      return;
    }
    state.timeout = ctx.schedule_once(timeout, ctx.self(), RunnerMessage(PhaseTimedOut{index}));
    for (auto& [name, task] : tasks) {
      Future<Done> future;
      try {
        future = task();
      } catch (...) {
        future = ready_future<Done>(make_error(Errc::refused, describe(std::current_exception())));
      }
      ctx.pipe_to_self(std::move(future), [index, name = name](const Result<Done>& result) {
        TaskFinished done{index, name, std::nullopt};
        if (!result.ok()) done.error = result.error();
        return RunnerMessage(std::move(done));
      });
    }
  }
};

std::optional<std::size_t> CoordinatedShutdown::phase_index(std::string_view phase) {
  for (std::size_t i = 0; i < phases.size(); ++i) {
    if (phases[i] == phase) return i;
  }
  return std::nullopt;
}

Status CoordinatedShutdown::add_task(std::string_view phase, std::string name, Task task) {
  const auto index = phase_index(phase);
  if (!index) {
    return make_error(Errc::invalid_argument, fmt::format("no shutdown phase named '{}'", phase));
  }
  std::lock_guard guard(mutex_);
  if (reason_) {
    return make_error(Errc::closed,
                      fmt::format("shutdown already running; task '{}' not added", name));
  }
  tasks_[*index].tasks.emplace_back(std::move(name), std::move(task));
  return {};
}

Status CoordinatedShutdown::set_phase_timeout(std::string_view phase, Duration timeout) {
  const auto index = phase_index(phase);
  if (!index) {
    return make_error(Errc::invalid_argument, fmt::format("no shutdown phase named '{}'", phase));
  }
  if (timeout.count() <= 0) {
    return make_error(Errc::invalid_argument,
                      fmt::format("timeout of phase '{}' must be positive", phase));
  }
  std::lock_guard guard(mutex_);
  tasks_[*index].timeout = timeout;
  return {};
}

void CoordinatedShutdown::run(std::string reason) {
  {
    std::lock_guard guard(mutex_);
    if (reason_) return;
    reason_ = std::move(reason);
  }
  auto runner = system_.spawn_system_actor(CoordinatedShutdownRunner::behavior(*this),
                                           "coordinated-shutdown");
  runner.tell(RunPhase{0});
}

std::optional<std::string> CoordinatedShutdown::reason() const {
  std::lock_guard guard(mutex_);
  return reason_;
}

}  // namespace orrery
