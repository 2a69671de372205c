#pragma once
// CoordinatedShutdown: ordered phases of tasks run when the system terminates (Akka's
// CoordinatedShutdown), so that services unbind before requests drain, clusters are left before
// actors stop, and so on. Each phase runs its tasks at once and waits for all of them (or its
// timeout) before the next starts; then /user stops, then /system.
//
//   system->coordinated_shutdown().add_task(phase::service_unbind, "close-listener",
//                                           [&] { return listener.close(); });

#include <array>
#include <mutex>
#include <optional>
#include <orrery/actor/future.hpp>
#include <orrery/core/result.hpp>
#include <orrery/core/time.hpp>
#include <orrery/core/unique_function.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace orrery {

class ActorSystem;

namespace phase {
inline constexpr std::string_view before_service_unbind = "before-service-unbind";
inline constexpr std::string_view service_unbind = "service-unbind";
inline constexpr std::string_view service_requests_done = "service-requests-done";
inline constexpr std::string_view service_stop = "service-stop";
inline constexpr std::string_view before_cluster_shutdown = "before-cluster-shutdown";
inline constexpr std::string_view cluster_sharding_shutdown_region = "cluster-sharding-shutdown-region";
inline constexpr std::string_view cluster_leave = "cluster-leave";
inline constexpr std::string_view cluster_exiting = "cluster-exiting";
inline constexpr std::string_view cluster_exiting_done = "cluster-exiting-done";
inline constexpr std::string_view cluster_shutdown = "cluster-shutdown";
inline constexpr std::string_view before_actor_system_terminate = "before-actor-system-terminate";
inline constexpr std::string_view actor_system_terminate = "actor-system-terminate";
}  // namespace phase

class CoordinatedShutdown {
 public:
  static constexpr std::array<std::string_view, 12> phases = {
      phase::before_service_unbind,       phase::service_unbind,
      phase::service_requests_done,       phase::service_stop,
      phase::before_cluster_shutdown,     phase::cluster_sharding_shutdown_region,
      phase::cluster_leave,               phase::cluster_exiting,
      phase::cluster_exiting_done,        phase::cluster_shutdown,
      phase::before_actor_system_terminate, phase::actor_system_terminate};

  using Task = UniqueFunction<Future<Done>()>;

  explicit CoordinatedShutdown(ActorSystem& system) : system_(system) {}

  /// Adds a task to a phase. Errors: an unknown phase, or a shutdown already running.
  Status add_task(std::string_view phase, std::string name, Task task);
  /// Overrides one phase's timeout (default: the system's shutdown_phase_timeout).
  Status set_phase_timeout(std::string_view phase, Duration timeout);
  /// Starts the shutdown (idempotent): the phases run, then the actor system stops. The reason
  /// is kept for whoever asks.
  void run(std::string reason);
  std::optional<std::string> reason() const;

 private:
  friend struct CoordinatedShutdownRunner;
  struct PhaseTasks {
    std::vector<std::pair<std::string, Task>> tasks;
    std::optional<Duration> timeout;
  };
  static std::optional<std::size_t> phase_index(std::string_view phase);

  ActorSystem& system_;
  mutable std::mutex mutex_;
  std::array<PhaseTasks, phases.size()> tasks_;
  std::optional<std::string> reason_;
};

}  // namespace orrery
