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
//
// Once per subscriber (Akka's subchannel classification): one publish reaches each subscriber
// at most once, however many of the types it reaches the subscriber holds subscriptions for
// (an actor subscribed, through narrowed refs or adapters, to both E and its supertype S, or to
// two supertypes of a diamond). It gets the event as the first of those types in delivery
// order: the most specific. Subscribing the same actor to the same type again (another
// narrow() of it, say) is one subscription, not two.

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
  /// `event`, each subscriber once; returns how many got it.
  template <class E>
  std::size_t publish(const E& event) {
    if constexpr (std::tuple_size_v<typename EventSupertypes<E>::type> == 0) {
      return deliver<E>(event, nullptr);  // one channel: its subscribers are distinct already
    } else {
      Reached reached;
      return publish_as<E>(event, reached);
    }
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
  /// What one publish has reached so far: the types, and the subscribers that got the event.
  struct Reached {
    std::vector<std::type_index> types;
    std::vector<UntypedActorRef> subscribers;
    bool got_it(const UntypedActorRef& subscriber) const {
      for (const auto& seen : subscribers) {
        if (seen == subscriber) return true;
      }
      return false;
    }
  };

  /// Delivers `event` as an As to As's subscribers, then recurses into As's supertypes.
  template <class As, class E>
  std::size_t publish_as(const E& event, Reached& reached) {
    static_assert(std::is_constructible_v<As, const E&>,
                  "an event's supertype must be constructible from the event");
    const std::type_index type(typeid(As));
    for (const auto& seen : reached.types) {
      if (seen == type) return 0;  // a supertype declared twice along two paths: once only
    }
    reached.types.push_back(type);
    std::size_t delivered = deliver<As>(event, &reached);
    using Supertypes = typename EventSupertypes<As>::type;
    [&]<class... S>(std::tuple<S...>*) {
      ((delivered += publish_as<S>(event, reached)), ...);
    }(static_cast<Supertypes*>(nullptr));
    return delivered;
  }

  /// Tells As's subscribers; with `reached`, only those no earlier channel of this publish told.
  template <class As, class E>
  std::size_t deliver(const E& event, Reached* reached) {
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
    std::size_t delivered = 0;
    for (auto& target : targets) {
      if (reached != nullptr) {
        UntypedActorRef subscriber(target);
        if (reached->got_it(subscriber)) continue;  // through a more specific subscription
        reached->subscribers.push_back(std::move(subscriber));
      }
      static_cast<Recipient<As>*>(target.get())->tell(As(event));
      ++delivered;
    }
    ORRERY_ASSERT(delivered <= targets.size());
    return delivered;
  }

  mutable std::mutex mutex_;
  // Looked up by type only, never iterated: its hash order cannot reach behaviour.
  std::unordered_map<std::type_index, std::vector<IntrusivePtr<RecipientBase>>> channels_;
};

}  // namespace orrery
