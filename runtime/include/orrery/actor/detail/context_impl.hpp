#pragma once
// Definitions of ActorContext<M>, TimerScheduler<M>, StashBuffer<M>, ActorLogger and the
// ActorSystem spawn templates: they need TypedCell<M> complete.

#include <orrery/actor/ask.hpp>
#include <orrery/actor/detail/typed_cell.hpp>
#include <orrery/fiber/await.hpp>

namespace orrery {

// ---- ActorLogger ----

template <class... Args>
void ActorLogger::write(LogLevel level, fmt::format_string<Args...> format, Args&&... args) const {
  if (!system_.logs(level)) return;
  system_.log(level, source_, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void ActorLogger::debug(fmt::format_string<Args...> format, Args&&... args) const {
  write(LogLevel::debug, format, std::forward<Args>(args)...);
}
template <class... Args>
void ActorLogger::info(fmt::format_string<Args...> format, Args&&... args) const {
  write(LogLevel::info, format, std::forward<Args>(args)...);
}
template <class... Args>
void ActorLogger::warning(fmt::format_string<Args...> format, Args&&... args) const {
  write(LogLevel::warning, format, std::forward<Args>(args)...);
}
template <class... Args>
void ActorLogger::error(fmt::format_string<Args...> format, Args&&... args) const {
  write(LogLevel::error, format, std::forward<Args>(args)...);
}

// ---- ActorContext ----

template <class M>
ActorRef<M> ActorContext<M>::self() {
  return ActorRef<M>(IntrusivePtr<Recipient<M>>(&cell()));
}
template <class M>
std::string ActorContext<M>::path() const {
  return cell().CellBase::path();
}
template <class M>
ActorSystem& ActorContext<M>::system() const {
  return cell().CellBase::system();
}
template <class M>
Env& ActorContext<M>::env() const {
  return system().env();
}
template <class M>
template <class N>
ActorRef<N> ActorContext<M>::spawn(Behavior<N> behavior, std::string_view name,
                                   const Props& props) {
  ORRERY_ASSERT(!name.empty(), "spawn() needs a name; use spawn_anonymous()");
  return detail::spawn_cell(system(), cell(), std::move(behavior), name, props);
}
template <class M>
template <class N>
ActorRef<N> ActorContext<M>::spawn_anonymous(Behavior<N> behavior, const Props& props) {
  return detail::spawn_cell(system(), cell(), std::move(behavior), std::string_view(), props);
}
template <class M>
void ActorContext<M>::stop(const UntypedActorRef& child) {
  ORRERY_ASSERT(child, "stop() of a null ref");
  CellBase* child_cell = child.recipient()->as_cell();
  if (child_cell == nullptr) {
    throw std::invalid_argument(child.path() + " is not a local child of " + path());
  }
  cell().stop_child(*child_cell);
}
template <class M>
std::vector<UntypedActorRef> ActorContext<M>::children() const {
  return const_cast<TypedCell<M>&>(cell()).CellBase::children();
}
template <class M>
std::optional<UntypedActorRef> ActorContext<M>::child(std::string_view name) const {
  CellBase* found = const_cast<TypedCell<M>&>(cell()).find_child(name);
  if (found == nullptr || found->is_terminated()) return std::nullopt;
  return found->self_untyped();
}
template <class M>
void ActorContext<M>::watch(const UntypedActorRef& target) {
  cell().CellBase::watch(target);
}
template <class M>
void ActorContext<M>::watch_with(const UntypedActorRef& target, M message) {
  cell().add_watch_message(target, std::move(message));
  cell().CellBase::watch(target);
}
template <class M>
void ActorContext<M>::unwatch(const UntypedActorRef& target) {
  cell().remove_watch_message(target);
  cell().CellBase::unwatch(target);
}
template <class M>
template <class N, class F>
ActorRef<N> ActorContext<M>::message_adapter(F adapt) {
  static_assert(std::is_invocable_r_v<M, F&, N&&>, "an adapter turns N into M");
  using Adapter = detail::AdapterRecipient<N, M>;
  // Keyed by the type itself: two types may share a printed name (anonymous namespaces), and
  // the cast below must never meet another type's adapter. Only looked up, never iterated.
  auto& adapters = cell().typed().adapters;
  const std::type_index key(typeid(N));
  if (auto found = adapters.find(key); found != adapters.end()) {
    auto* adapter = static_cast<Adapter*>(found->second.get());
    adapter->replace(std::move(adapt));
    return ActorRef<N>(IntrusivePtr<Recipient<N>>(adapter));
  }
  IntrusivePtr<Adapter> adapter(new Adapter(cell(), std::move(adapt)));
  adapters.emplace(key, adapter);
  return ActorRef<N>(IntrusivePtr<Recipient<N>>(std::move(adapter)));
}
template <class M>
template <class T, class F>
void ActorContext<M>::pipe_to_self(Future<T> future, F adapt) {
  static_assert(std::is_invocable_r_v<M, F&, const Result<T>&>,
                "pipe_to_self's adapter turns const Result<T>& into M");
  ORRERY_ASSERT(future.valid(), "pipe_to_self of an empty future");
  IntrusivePtr<TypedCell<M>> self(&cell());
  // The completing thread (a timer, a gRPC or a sender thread) only queues; `adapt` runs in the
  // actor's turn, reading the result the shared state keeps (no copy of it). The callback
  // takes its reference to the state only when it runs (the state is alive then): held from
  // registration, the state would hold itself, and a future never completed would never be freed.
  detail::FutureState<T>* raw_state = future.state();
  future.on_complete([self, raw_state, adapt = std::move(adapt)](const Result<T>&) mutable {
    IntrusivePtr<detail::FutureState<T>> state(raw_state);
    self->tell_adaptation(
        type_name<Result<T>>(),
        [state = std::move(state), adapt = std::move(adapt)](TypedCell<M>& cell) mutable {
          cell.deliver_adapted([&] { return M(adapt(state->result())); },
                               TypedCell<M>::AdaptFailure::fails_actor);
        },
        TypedCell<M>::WhenFull::drop_newest);
  });
}
template <class M>
template <class T, class F>
void ActorContext<M>::on_complete_in_turn(Future<T> future, F on_result) {
  ORRERY_ASSERT(future.valid(), "on_complete_in_turn of an empty future");
  IntrusivePtr<TypedCell<M>> self(&cell());
  // As pipe_to_self: the completing thread only queues, and the state is referenced from then.
  detail::FutureState<T>* raw_state = future.state();
  future.on_complete([self, raw_state, on_result = std::move(on_result)](const Result<T>&) mutable {
    IntrusivePtr<detail::FutureState<T>> state(raw_state);
    self->tell_adaptation(
        type_name<Result<T>>(),
        [state = std::move(state), on_result = std::move(on_result)](TypedCell<M>& cell) mutable {
          cell.run_in_turn([&]() -> Behavior<M> { return on_result(state->result()); });
        },
        TypedCell<M>::WhenFull::drop_newest);
  });
}
template <class M>
template <class Res, class Req, class MakeRequest, class F>
void ActorContext<M>::ask(const ActorRef<Req>& target, MakeRequest make_request, Duration timeout,
                          F adapt) {
  pipe_to_self(orrery::ask<Res>(target, std::move(make_request), timeout), std::move(adapt));
}
template <class M>
bool ActorContext<M>::in_turn() const noexcept {
  return cell().host() != nullptr;
}
template <class M>
template <class T>
Result<T> ActorContext<M>::await(Future<T> future) {
  ORRERY_ASSERT(future.valid(), "await() of an empty future");
  TypedCell<M>& self = cell();
  FiberHost* host = self.host();
  ORRERY_ASSERT(host != nullptr, "await() only inside this actor's own turn");
  park_until_ready(*host, system().env().executor, future, "await in " + path(),
                   [&self](Fiber* fiber) { self.set_parked_fiber(fiber); });
  return future.take();
}
template <class M>
TimerScheduler<M>& ActorContext<M>::timers() {
  auto& extras = cell().typed();
  if (!extras.scheduler) extras.scheduler.emplace(cell());
  return *extras.scheduler;
}
template <class M>
StashBuffer<M>& ActorContext<M>::stash(std::uint32_t capacity) {
  ORRERY_ASSERT(capacity > 0, "a stash needs a capacity");
  auto& extras = cell().typed();
  if (!extras.stash) extras.stash.emplace(cell(), capacity);
  return *extras.stash;
}
template <class M>
template <class N>
Cancellable ActorContext<M>::schedule_once(Duration delay, ActorRef<N> target, N message) {
  Env& node = env();
  if (system().observing_effects())
    system().report_effect(cell(), effect::Scheduled{delay, target.path()});
  const TimerId id =
      node.timers.schedule_at(node.clock.now() + delay,
                              [target = std::move(target), message = std::move(message)]() mutable {
                                target.tell(std::move(message));
                              });
  return Cancellable(&node.timers, id);
}
template <class M>
void ActorContext<M>::set_receive_timeout(Duration timeout, M message) {
  cell().set_receive_timeout(timeout, std::move(message));
}
template <class M>
void ActorContext<M>::cancel_receive_timeout() {
  cell().cancel_receive_timeout();
}
template <class M>
ActorLogger ActorContext<M>::log() const {
  return ActorLogger(system(), path());
}

// ---- TimerScheduler ----

template <class M>
void TimerScheduler<M>::start_single_timer(std::string key, M message, Duration delay) {
  cell_.start_timer(std::move(key), std::move(message), TypedCell<M>::Timer::Mode::single, delay,
                    Duration{0});
}
template <class M>
void TimerScheduler<M>::start_timer_with_fixed_delay(std::string key, M message, Duration delay) {
  start_timer_with_fixed_delay(std::move(key), std::move(message), delay, delay);
}
template <class M>
void TimerScheduler<M>::start_timer_with_fixed_delay(std::string key, M message,
                                                     Duration initial_delay, Duration delay) {
  static_assert(std::is_copy_constructible_v<M>, "periodic timers need a copyable message");
  ORRERY_ASSERT(delay.count() > 0, "a periodic timer needs a positive delay");
  cell_.start_timer(std::move(key), std::move(message), TypedCell<M>::Timer::Mode::fixed_delay,
                    initial_delay, delay);
}
template <class M>
void TimerScheduler<M>::start_timer_at_fixed_rate(std::string key, M message, Duration interval) {
  start_timer_at_fixed_rate(std::move(key), std::move(message), interval, interval);
}
template <class M>
void TimerScheduler<M>::start_timer_at_fixed_rate(std::string key, M message,
                                                  Duration initial_delay, Duration interval) {
  static_assert(std::is_copy_constructible_v<M>, "periodic timers need a copyable message");
  ORRERY_ASSERT(interval.count() > 0, "a periodic timer needs a positive interval");
  cell_.start_timer(std::move(key), std::move(message), TypedCell<M>::Timer::Mode::fixed_rate,
                    initial_delay, interval);
}
template <class M>
bool TimerScheduler<M>::is_timer_active(std::string_view key) const {
  const auto* timers = cell_.timer_list();
  if (timers == nullptr) return false;
  return std::any_of(timers->begin(), timers->end(), [&](const auto& t) { return t.key == key; });
}
template <class M>
void TimerScheduler<M>::cancel(std::string_view key) {
  cell_.cancel_timer(key);
}
template <class M>
void TimerScheduler<M>::cancel_all() {
  const auto* timers = cell_.timer_list();
  while (timers != nullptr && !timers->empty())
    cell_.cancel_timer(timers->front().key);
}
template <class M>
std::size_t TimerScheduler<M>::active_count() const {
  const auto* timers = cell_.timer_list();
  return timers == nullptr ? 0 : timers->size();
}

// ---- StashBuffer ----

template <class M>
void StashBuffer<M>::stash(M message) {
  if (full()) {
    throw StashOverflowError("the stash of " + cell_.CellBase::path() + " is full (capacity " +
                             std::to_string(capacity_) + ")");
  }
  buffer_.push_back(std::move(message));
}
template <class M>
Behavior<M> StashBuffer<M>::unstash_all(Behavior<M> next) {
  return unstash(std::move(next), static_cast<std::uint32_t>(buffer_.size()));
}
template <class M>
Behavior<M> StashBuffer<M>::unstash(Behavior<M> next, std::uint32_t count) {
  auto& unstashed = cell_.typed().unstashed;
  // In front of anything unstashed earlier and not yet handled, in stash order.
  const std::uint32_t n = std::min<std::uint32_t>(count, size());
  for (std::uint32_t i = n; i > 0; --i)
    unstashed.push_front(std::move(buffer_[i - 1]));
  buffer_.erase(buffer_.begin(), buffer_.begin() + n);
  return next;
}

// ---- ActorSystem ----

template <class M>
ActorRef<M> ActorSystem::spawn(Behavior<M> behavior, std::string_view name, const Props& props) {
  ORRERY_ASSERT(!name.empty(), "spawn() needs a name; use spawn_anonymous()");
  return detail::spawn_cell(*this, *user_guardian_, std::move(behavior), name, props);
}
template <class M>
ActorRef<M> ActorSystem::spawn_anonymous(Behavior<M> behavior, const Props& props) {
  return detail::spawn_cell(*this, *user_guardian_, std::move(behavior), std::string_view(), props);
}
template <class M>
ActorRef<M> ActorSystem::spawn_system_actor(Behavior<M> behavior, std::string_view name,
                                            const Props& props) {
  return detail::spawn_cell(*this, *system_guardian_, std::move(behavior), name, props);
}

}  // namespace orrery
