#pragma once
// Routers (Akka Typed's Routers): one ref in front of several actors that take the same messages.
//
//   // A pool: the router spawns 4 workers as its children and spreads messages over them.
//   auto pool = system->spawn<Job>(Routers::pool(4, worker()), "workers");
//   auto random = system->spawn<Job>(Routers::pool(4, worker()).with_random_routing(), "any");
//
//   // A group: the actors registered under a ServiceKey with the receptionist, as they come and
//   go. auto group = system->spawn<Job>(Routers::group(ServiceKey<Job>{"jobs"}), "jobs");
//
// Routing is round-robin by default; random routing draws from the node's Env random, so a
// simulated run routes the same way for the same seed.
//
// A pool's routees are its children, watched: a routee that stops leaves the pool, and when the
// last one has gone the router stops. A routee restarts (or resumes, or backs off) as the
// routee behavior's own supervision says; the router does not supervise it further.
//
// A group follows the receptionist's listing for its key. A message that arrives while nobody is
// registered goes to dead letters. The receptionist is local to the node today, so a group
// routes to the node's own actors; once the cluster receptionist exists it will route
// cluster-wide with no change to this API.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <orrery/actor/actor_context.hpp>
#include <orrery/actor/behaviors.hpp>
#include <orrery/actor/receptionist.hpp>
#include <orrery/env/random.hpp>

namespace orrery {

/// How a router picks the routee for each message.
enum class RoutingLogic : std::uint8_t {
  round_robin,  // each routee in turn
  random,       // uniformly, from the node's Env random
};

namespace detail {

/// Picks a routee index in [0, count): the next in turn, or one drawn from the Env's random.
inline std::size_t pick_routee(RoutingLogic logic, std::uint64_t& turn, Random& random,
                               std::size_t count) {
  ORRERY_ASSERT(count > 0, "picking from no routees");
  if (logic == RoutingLogic::random) return static_cast<std::size_t>(uniform_below(random, count));
  return static_cast<std::size_t>(turn++ % count);
}

/// Receives a group router's listings (on the receptionist's turn) and keeps the latest for the
/// router's own turns. It stands for the router towards the receptionist, like a message
/// adapter: same identity, watched through the router's cell, so the receptionist drops the
/// subscription when the router stops.
template <class M>
class ListingHolder final : public Recipient<Listing<M>> {
 public:
  explicit ListingHolder(IntrusivePtr<RecipientBase> router)
      : router_(std::move(router)), id_(router_->core().next_actor_id()) {}

  void tell(Listing<M>&& listing) override {
    std::lock_guard guard(mutex_);
    routees_ = std::move(listing.services);
  }
  std::vector<ActorRef<M>> routees() const {
    std::lock_guard guard(mutex_);
    return routees_;
  }
  std::string path() const override {
    return router_->path() + "/$$listing-" + std::to_string(id_);
  }
  std::uint64_t uid() const noexcept override { return id_; }
  ActorSystem& core() const noexcept override { return router_->core(); }
  bool terminated() const noexcept override { return router_->terminated(); }
  CellBase* as_cell() noexcept override { return router_->as_cell(); }
  void add_watcher(CellBase& watcher) override { router_->add_watcher(watcher); }
  void remove_watcher(CellBase& watcher) override { router_->remove_watcher(watcher); }
  bool same_actor(const RecipientBase& other) const noexcept override {
    return router_->same_actor(other);
  }

 private:
  IntrusivePtr<RecipientBase> router_;
  std::uint64_t id_;
  mutable std::mutex mutex_;
  std::vector<ActorRef<M>> routees_;  // sorted by path, as the receptionist lists them
};

template <class M>
struct PoolState {
  std::vector<ActorRef<M>> routees;  // in spawn order
  std::uint64_t turn = 0;
};

template <class M>
Behavior<M> pool_behavior(std::uint32_t size, Behavior<M> routee, RoutingLogic logic, Props props) {
  return behaviors::setup<M>([size, routee, logic, props](ActorContext<M>& context) {
    auto state = std::make_shared<PoolState<M>>();
    state->routees.reserve(size);
    for (std::uint32_t i = 0; i < size; ++i) {
      ActorRef<M> child = context.spawn_anonymous(routee, props);
      context.watch(child);
      state->routees.push_back(std::move(child));
    }
    // A routee that stopped, or failed and stopped, leaves; the last one out stops the router.
    auto remove = [state](const UntypedActorRef& gone) -> Behavior<M> {
      std::erase_if(state->routees, [&](const ActorRef<M>& r) { return r.untyped() == gone; });
      if (state->routees.empty()) return behaviors::stopped();
      return behaviors::same();
    };
    return behaviors::receive<M>([state, logic](ActorContext<M>& ctx, M& message) {
             ORRERY_ASSERT(!state->routees.empty(), "a pool router runs only while it has routees");
             const std::size_t index =
                 pick_routee(logic, state->turn, ctx.env().random, state->routees.size());
             state->routees[index].tell(std::move(message));
           })
        .receive_signal([remove](ActorContext<M>&, const Terminated& t) { return remove(t.ref); },
                        [remove](ActorContext<M>&, const ChildFailed& f) { return remove(f.ref); });
  });
}

template <class M>
Behavior<M> group_behavior(ServiceKey<M> key, RoutingLogic logic) {
  return behaviors::setup<M>([key, logic](ActorContext<M>& context) {
    IntrusivePtr<ListingHolder<M>> holder(
        new ListingHolder<M>(IntrusivePtr<RecipientBase>(context.self().recipient())));
    ActorRef<Listing<M>> listings(IntrusivePtr<Recipient<Listing<M>>>(holder.get()));
    context.system().receptionist().tell(receptionist::subscribe(key, listings));
    // The receptionist watches the subscriber (the holder stands for this router), so the
    // subscription ends when the router stops.
    auto turn = std::make_shared<std::uint64_t>(0);
    return behaviors::receive<M>([holder, key, logic, turn](ActorContext<M>& ctx, M& message) {
      std::vector<ActorRef<M>> routees = holder->routees();
      if (routees.empty()) {
        ctx.system().dead_letter(ctx.path(), message_type_name(message),
                                 "no routee registered for service key '" + key.id + "'");
        return;
      }
      routees[pick_routee(logic, *turn, ctx.env().random, routees.size())].tell(std::move(message));
    });
  });
}

}  // namespace detail

/// A pool router: `size` children spawned from `routee`, messages spread over them.
template <class M>
class PoolRouter {
 public:
  PoolRouter(std::uint32_t size, Behavior<M> routee) : size_(size), routee_(std::move(routee)) {
    ORRERY_ASSERT(size_ > 0, "a pool router needs at least one routee");
  }
  /// Each routee in turn (the default).
  PoolRouter with_round_robin_routing() const { return with_logic(RoutingLogic::round_robin); }
  /// A routee drawn uniformly from the node's Env random for each message.
  PoolRouter with_random_routing() const { return with_logic(RoutingLogic::random); }
  /// Props for spawning the routees (a mailbox bound, say).
  PoolRouter with_routee_props(Props props) const {
    PoolRouter copy = *this;
    copy.props_ = std::move(props);
    return copy;
  }
  RoutingLogic logic() const noexcept { return logic_; }

  operator Behavior<M>() const {  // NOLINT: a router is a behavior
    return detail::pool_behavior<M>(size_, routee_, logic_, props_);
  }

 private:
  PoolRouter with_logic(RoutingLogic logic) const {
    PoolRouter copy = *this;
    copy.logic_ = logic;
    return copy;
  }
  std::uint32_t size_;
  Behavior<M> routee_;
  RoutingLogic logic_ = RoutingLogic::round_robin;
  Props props_;
};

/// A group router over the actors registered with the receptionist under a key.
template <class M>
class GroupRouter {
 public:
  explicit GroupRouter(ServiceKey<M> key) : key_(std::move(key)) {
    ORRERY_ASSERT(!key_.id.empty(), "a group router needs a service key");
  }
  GroupRouter with_round_robin_routing() const { return with_logic(RoutingLogic::round_robin); }
  GroupRouter with_random_routing() const { return with_logic(RoutingLogic::random); }
  RoutingLogic logic() const noexcept { return logic_; }

  operator Behavior<M>() const {  // NOLINT: a router is a behavior
    return detail::group_behavior<M>(key_, logic_);
  }

 private:
  GroupRouter with_logic(RoutingLogic logic) const {
    GroupRouter copy = *this;
    copy.logic_ = logic;
    return copy;
  }
  ServiceKey<M> key_;
  RoutingLogic logic_ = RoutingLogic::round_robin;
};

/// The router factories (Akka's Routers.pool and Routers.group).
struct Routers {
  template <class M>
  static PoolRouter<M> pool(std::uint32_t size, Behavior<M> routee) {
    return PoolRouter<M>(size, std::move(routee));
  }
  template <class M>
  static GroupRouter<M> group(ServiceKey<M> key) {
    return GroupRouter<M>(std::move(key));
  }
};

}  // namespace orrery
