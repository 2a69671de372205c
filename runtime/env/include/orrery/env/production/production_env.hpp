#pragma once
// ProductionEnv: a production node's Env and the parts behind it, owned in one place and torn
// down in a safe order (the transport first, so no frame arrives during shutdown; then the
// timer thread, so no timer schedules work; then the executor's workers).
//
//   auto document = read_config_file("/etc/orders/node.conf");
//   auto config = load_production_config(*document);
//   auto production = ProductionEnv::create(std::move(*config));   // Result
//   ActorSystemPtr system = ActorSystem::create((*production)->env(), system_config);
//
// The ActorSystem (and everything else using the Env) must be gone before the ProductionEnv.

#include <memory>
#include <optional>

#include <orrery/core/result.hpp>
#include <orrery/env/env.hpp>
#include <orrery/env/production/os_random.hpp>
#include <orrery/env/production/posix_storage.hpp>
#include <orrery/env/production/production_config.hpp>
#include <orrery/env/production/stderr_log_sink.hpp>
#include <orrery/env/production/system_clock.hpp>
#include <orrery/env/production/thread_pool_executor.hpp>
#include <orrery/env/production/timer_service.hpp>

namespace orrery {

class ProductionEnv {
 public:
  /// Validates the config, opens the storage root, starts the workers and the timer thread, and
  /// starts the transport (a used port or bad certificates are errors).
  static Result<std::unique_ptr<ProductionEnv>> create(ProductionConfig config);
  ~ProductionEnv();
  ProductionEnv(const ProductionEnv&) = delete;
  ProductionEnv& operator=(const ProductionEnv&) = delete;

  Env& env() noexcept { return *env_; }

  SystemClock& clock() noexcept { return clock_; }
  TimerService& timers() noexcept { return timers_; }
  ThreadPoolExecutor& executor() noexcept { return executor_; }
  OsRandom& random() noexcept { return random_; }
  PosixStorage& storage() noexcept { return *storage_; }
  StderrLogSink& log() noexcept { return log_; }
  Transport& transport() noexcept { return *transport_; }
  /// The gRPC transport when one was configured (for its stats), else null.
  GrpcTransport* grpc_transport() noexcept { return grpc_; }

 private:
  ProductionEnv(const ProductionConfig& config, std::unique_ptr<PosixStorage> storage);

  // Declaration order is construction order; destruction runs backwards (see the top).
  SystemClock clock_;
  StderrLogSink log_;
  OsRandom random_;
  std::unique_ptr<PosixStorage> storage_;
  ThreadPoolExecutor executor_;
  TimerService timers_;
  std::unique_ptr<Transport> transport_;
  GrpcTransport* grpc_ = nullptr;
  std::optional<Env> env_;
};

}  // namespace orrery
