// Building a production node's Env: storage first (the likeliest error), then threads, then the
// transport (which needs the log sink), then the Env over all of them.

#include <utility>

#include <orrery/env/production/grpc_transport.hpp>
#include <orrery/env/production/null_transport.hpp>
#include <orrery/env/production/production_env.hpp>

namespace orrery {

Result<std::unique_ptr<ProductionEnv>> ProductionEnv::create(ProductionConfig config) {
  if (auto valid = validate(config); !valid) return valid.error();
  auto storage = PosixStorage::open_root(config.storage_root);
  if (!storage) return storage.error();
  std::unique_ptr<ProductionEnv> production(new ProductionEnv(config, std::move(storage).value()));
  if (config.transport) {
    GrpcTransportConfig transport_config = std::move(*config.transport);
    if (transport_config.log == nullptr) transport_config.log = &production->log_;
    auto transport = GrpcTransport::create(std::move(transport_config));
    if (!transport) return transport.error();  // the half-built env stops its threads
    production->grpc_ = transport->get();
    production->transport_ = std::move(transport).value();
  } else {
    production->transport_ = std::make_unique<NullTransport>();
  }
  ProductionEnv& parts = *production;
  parts.env_.emplace(Env{parts.clock_, parts.timers_, parts.executor_, parts.random_,
                         *parts.transport_, *parts.storage_, parts.log_});
  return production;
}

ProductionEnv::ProductionEnv(const ProductionConfig& config, std::unique_ptr<PosixStorage> storage)
    : log_(clock_, config.log_threshold),
      storage_(std::move(storage)),
      executor_(config.executor),
      timers_(clock_) {
  ORRERY_ASSERT(storage_ != nullptr);
}

ProductionEnv::~ProductionEnv() {
  env_.reset();
  // The transport goes first, explicitly (its callbacks schedule work onto the executor); the
  // members after it are then destroyed in reverse declaration order: timers, executor, storage.
  grpc_ = nullptr;
  transport_.reset();
}

}  // namespace orrery
