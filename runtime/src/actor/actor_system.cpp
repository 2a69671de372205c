// The actor system: guardians, termination (graceful and abort), dead letters and logging.

#include <fmt/format.h>
#include <orrery/actor.hpp>
#include <orrery/fiber/fiber_host.hpp>
#include <orrery/remote/local_refs.hpp>
#include <orrery/remote/serialization.hpp>

namespace orrery {

namespace {

/// Guardians take no messages; the root reacts to its two children terminating.
struct GuardianMessage {};

Behavior<GuardianMessage> guardian_behavior() {
  return behaviors::receive<GuardianMessage>([](ActorContext<GuardianMessage>&, GuardianMessage&) {});
}

}  // namespace

// ---- ActorSystemPtr ----

ActorSystemPtr& ActorSystemPtr::operator=(ActorSystemPtr&& other) noexcept {
  if (this != &other) {
    reset();
    system_ = std::exchange(other.system_, nullptr);
  }
  return *this;
}

ActorSystemPtr::~ActorSystemPtr() { reset(); }

void ActorSystemPtr::reset() {
  ActorSystem* system = std::exchange(system_, nullptr);
  if (system == nullptr) return;
  if (!system->terminated()) system->terminate_and_wait();
  // From here the Env may go away: the system (kept alive by refs users still hold) only counts.
  system->detached_.store(true, std::memory_order_release);
  system->release();
}

// ---- ActorSystem ----

ActorSystemPtr ActorSystem::create(Env& env, ActorSystemConfig config) {
  auto* system = new ActorSystem(env, std::move(config));
  system->add_ref();
  return ActorSystemPtr(system);
}

ActorSystem::ActorSystem(Env& env, ActorSystemConfig config)
    : env_(env),
      config_(std::move(config)),
      uid_(env.random.next() | 1),
      buggify_(env.buggify),
      blocking_wait_allowed_(env.executor.supports_blocking_wait()),
      terminated_(blocking_wait_allowed_ ? BlockingWait::allowed : BlockingWait::refused),
      serialization_(std::make_unique<Serialization>()),
      roundtrip_(serialization_.get()),
      exported_refs_(std::make_unique<ExportedRefs>()),
      local_refs_(std::make_unique<LocalRefContext>(*this)) {
  ORRERY_ASSERT(config_.throughput > 0, "throughput must be positive");
  auto root_behavior = guardian_behavior().receive_signal(
      [this](ActorContext<GuardianMessage>&, const Terminated& terminated) {
        guardian_terminated(*terminated.ref.recipient()->as_cell());
      });
  auto* root = new TypedCell<GuardianMessage>(*this, nullptr, next_actor_id(), root_behavior, {});
  root_ = root;
  root->recipient().add_ref();  // the system's link to its root, dropped when the root terminates
  ActorRef<GuardianMessage> user =
      detail::spawn_cell(*this, *root_, guardian_behavior(), "user", {});
  ActorRef<GuardianMessage> system_actors =
      detail::spawn_cell(*this, *root_, guardian_behavior(), "system", {});
  user_guardian_ = user.recipient()->as_cell();
  system_guardian_ = system_actors.recipient()->as_cell();
  // The root watches both guardians: /user stopping stops /system, /system stopping stops the
  // root. Nothing runs yet, so touching the root's turn-owned state here is safe.
  root->CellBase::watch(user.untyped());
  root->CellBase::watch(system_actors.untyped());
  coordinated_shutdown_ = std::make_unique<CoordinatedShutdown>(*this);
  receptionist_ = spawn_system_actor(receptionist_behavior(), "receptionist");
}

ActorSystem::~ActorSystem() = default;

void ActorSystem::release() const noexcept {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

void ActorSystem::terminate(std::string reason) {
  if (terminating_.exchange(true)) return;
  coordinated_shutdown_->run(std::move(reason));
}

void ActorSystem::terminate_and_wait() {
  terminate();
  Executor& executor = env_.executor;
  if (executor.supports_blocking_wait()) {
    when_terminated().get();
    return;
  }
  // The simulator's thread cannot block: it runs the world until the termination is done,
  // bounded so that a world with periodic timers cannot run forever: every phase may time out
  // (an hour covers phases given longer timeouts of their own).
  const Duration limit = std::chrono::hours(1) + config_.shutdown_phase_timeout *
                                                     static_cast<std::int64_t>(CoordinatedShutdown::phases.size());
  const bool driven = executor.drive_until([this] { return terminated(); }, limit);
  if (terminated()) return;
  log(LogLevel::error, "actor-system",
      driven ? "dropped while live, and its termination did not finish: aborting it"
             : "dropped while live where its executor can neither block nor be run from here "
               "(inside the simulated world's loop, or a manual executor): aborting it");
  abort();
}

void ActorSystem::stop_guardians() {
  terminating_.store(true);
  user_guardian_->post_stop();
}

void ActorSystem::guardian_terminated(CellBase& guardian) {
  if (&guardian == user_guardian_) {
    system_guardian_->post_stop();
  } else if (&guardian == system_guardian_) {
    root_->post_stop();
  }
}

void ActorSystem::on_root_terminated() {
  terminating_.store(true);
  release_services();
  terminated_.try_complete(Done{});
  root_->recipient().release();  // the system's link; the tree unwinds from here
}

void ActorSystem::release_services() {
  // Refs the system holds on its own actors would keep it alive through them.
  receptionist_ = ActorRef<ReceptionistCommand>();
  event_stream_.clear();
  exported_refs_->clear();
}

RefContext& ActorSystem::ref_context() noexcept {
  RefContext* context = ref_context_.load(std::memory_order_acquire);
  return context != nullptr ? *context : *local_refs_;
}

void ActorSystem::set_ref_context(RefContext* context) noexcept {
  ref_context_.store(context, std::memory_order_release);
}

void ActorSystem::abort() {
  if (aborted_.exchange(true)) return;
  terminating_.store(true);
  // Parked turns first: unwinding them touches their cells, which must still be whole.
  std::vector<CellBase*> parked;
  std::vector<CellBase*> pending{root_};
  while (!pending.empty()) {
    CellBase* cell = pending.back();
    pending.pop_back();
    if (cell->parked_fiber() != nullptr) parked.push_back(cell);
    for (const UntypedActorRef& child : cell->children()) pending.push_back(child.recipient()->as_cell());
  }
  for (CellBase* cell : parked) {
    if (Fiber* fiber = cell->parked_fiber()) cell->host()->cancel(*fiber);
  }
  const bool already_terminated = root_->is_terminated();
  root_->abort_subtree();
  release_services();
  if (!already_terminated) {
    terminated_.try_complete(Done{});
    root_->recipient().release();
  }
  detached_.store(true, std::memory_order_release);
}

CellBase* ActorSystem::resolve(std::string_view path) {
  if (path.empty() || path.front() != '/') return nullptr;
  CellBase* cell = root_;
  std::size_t start = 1;
  while (cell != nullptr && start < path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    cell = cell->find_child(path.substr(start, end - start));
    start = end + 1;
  }
  return cell;
}

// ---- dead letters, unhandled, logging ----

void ActorSystem::dead_letter(std::string recipient, std::string_view message_type,
                              std::string_view reason) {
  const std::uint64_t count = dead_letters_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (detached_.load(std::memory_order_acquire)) return;
  if (count <= config_.dead_letters_logged_max) {
    log(LogLevel::info, "dead-letters",
        fmt::format("{} to {}: {}{}", message_type, recipient, reason,
                    count == config_.dead_letters_logged_max ? " (no more dead letters logged)" : ""));
  }
  if (message_type == type_name<DeadLetter>()) return;  // never a dead letter about a dead letter
  event_stream_.publish(DeadLetter{std::move(recipient), std::string(message_type), std::string(reason)});
}

void ActorSystem::unhandled(std::string recipient, std::string_view message_type) {
  if (detached_.load(std::memory_order_acquire)) return;
  if (logs(LogLevel::debug)) {
    log(LogLevel::debug, recipient, fmt::format("unhandled message {}", message_type));
  }
  event_stream_.publish(UnhandledMessage{std::move(recipient), std::string(message_type)});
}

bool ActorSystem::logs(LogLevel level) const noexcept {
  return level >= config_.log_level && !detached_.load(std::memory_order_acquire) &&
         level >= env_.log.threshold();
}

void ActorSystem::log(LogLevel level, std::string_view source, std::string_view message) {
  if (!logs(level)) return;
  env_.log.write(level, source, message);
}

}  // namespace orrery
