#pragma once
// EventStream: system-wide publish/subscribe of typed events (dead letters, unhandled messages,
// cluster events later). Subscribers are actors; each gets a copy of every event of its type,
// in subscription order. Stopped subscribers are dropped on the next publish.
//
// Subscribing to a supertype (Akka's subscribe to a superclass): an event type declares its
// supertypes with EventSupertypes, and publishing it also reaches the subscribers of each of
// them, and of theirs (each type once):
//
//   struct OrderEvent { std::string order; };
//   struct OrderShipped : OrderEvent {};
//   template <> struct orrery::EventSupertypes<OrderShipped> { using type = std::tuple<OrderEvent>;
//   };
//
//   stream.subscribe(ActorRef<OrderEvent>(...));   // gets OrderShipped's OrderEvent part too
//
// A subscriber of supertype S receives S(event): for a base class that is the base part (a
// copy, sliced); to keep every field, make S a std::variant of the events, which is built from
// any of its alternatives. Delivery order: the event type's subscribers first, then each
// supertype's, depth-first in declaration order.

#include <mutex>
#include <tuple>
#include <type_traits>
#include <typeindex>
#include <unordered_map>
#include <vector>

#include <orrery/actor/actor_ref.hpp>

namespace orrery {

/// The supertypes of event type E whose subscribers also receive E: specialize it with
/// `using type = std::tuple<S...>;`. Each S must be constructible from `const E&`.
template <class E>
struct EventSupertypes {
  using type = std::tuple<>;
};

class EventStream {
 public:
  template <class E>
  void subscribe(const ActorRef<E>& subscriber) {
    ORRERY_ASSERT(subscriber, "subscribing a null ref");
    std::lock_guard guard(mutex_);
    auto& subscribers = channels_[std::type_index(typeid(E))];
    for (const auto& existing : subscribers) {
      if (UntypedActorRef(existing) == subscriber.untyped()) return;
    }
    subscribers.emplace_back(subscriber.recipient());
  }

  template <class E>
  void unsubscribe(const ActorRef<E>& subscriber) {
    std::lock_guard guard(mutex_);
    auto found = channels_.find(std::type_index(typeid(E)));
    if (found == channels_.end()) return;
    auto& subscribers = found->second;
    std::erase_if(subscribers, [&](const IntrusivePtr<RecipientBase>& existing) {
      return UntypedActorRef(existing) == subscriber.untyped();
    });
  }

  /// Tells every subscriber of E, and of each of E's supertypes (EventSupertypes), a copy of
  /// `event`; returns how many got it.
  template <class E>
  std::size_t publish(const E& event) {
    std::vector<std::type_index> reached;
    return publish_as<E>(event, reached);
  }

  /// Drops every subscription (the system does, when it terminates).
  void clear() {
    std::unordered_map<std::type_index, std::vector<IntrusivePtr<RecipientBase>>> dropped;
    {
      std::lock_guard guard(mutex_);
      dropped.swap(channels_);
    }
  }

  template <class E>
  std::size_t subscriber_count() const {
    std::lock_guard guard(mutex_);
    auto found = channels_.find(std::type_index(typeid(E)));
    return found == channels_.end() ? 0 : found->second.size();
  }

 private:
  /// Delivers `event` as an As to As's subscribers, then recurses into As's supertypes.
  template <class As, class E>
  std::size_t publish_as(const E& event, std::vector<std::type_index>& reached) {
    static_assert(std::is_constructible_v<As, const E&>,
                  "an event's supertype must be constructible from the event");
    const std::type_index type(typeid(As));
    for (const auto& seen : reached) {
      if (seen == type) return 0;  // a supertype declared twice along two paths: once only
    }
    reached.push_back(type);
    std::size_t delivered = deliver<As>(event);
    using Supertypes = typename EventSupertypes<As>::type;
    [&]<class... S>(std::tuple<S...>*) {
      ((delivered += publish_as<S>(event, reached)), ...);
    }(static_cast<Supertypes*>(nullptr));
    return delivered;
  }

  template <class As, class E>
  std::size_t deliver(const E& event) {
    std::vector<IntrusivePtr<RecipientBase>> targets;
    {
      std::lock_guard guard(mutex_);
      auto found = channels_.find(std::type_index(typeid(As)));
      if (found == channels_.end()) return 0;
      auto& subscribers = found->second;
      std::erase_if(subscribers,
                    [](const IntrusivePtr<RecipientBase>& s) { return s->terminated(); });
      targets = subscribers;
    }
    for (auto& target : targets)
      static_cast<Recipient<As>*>(target.get())->tell(As(event));
    return targets.size();
  }

  mutable std::mutex mutex_;
  // Looked up by type only, never iterated: its hash order cannot reach behaviour.
  std::unordered_map<std::type_index, std::vector<IntrusivePtr<RecipientBase>>> channels_;
};

}  // namespace orrery
