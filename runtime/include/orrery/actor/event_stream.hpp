#pragma once
// EventStream: system-wide publish/subscribe of typed events (dead letters, unhandled messages,
// cluster events later). Subscribers are actors; each gets a copy of every event of its type,
// in subscription order. Stopped subscribers are dropped on the next publish.

#include <mutex>
#include <orrery/actor/actor_ref.hpp>
#include <typeindex>
#include <unordered_map>
#include <vector>

namespace orrery {

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

  /// Tells every subscriber of E a copy of `event`; returns how many got it.
  template <class E>
  std::size_t publish(const E& event) {
    std::vector<IntrusivePtr<RecipientBase>> targets;
    {
      std::lock_guard guard(mutex_);
      auto found = channels_.find(std::type_index(typeid(E)));
      if (found == channels_.end()) return 0;
      auto& subscribers = found->second;
      std::erase_if(subscribers,
                    [](const IntrusivePtr<RecipientBase>& s) { return s->terminated(); });
      targets = subscribers;
    }
    for (auto& target : targets) static_cast<Recipient<E>*>(target.get())->tell(E(event));
    return targets.size();
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
  mutable std::mutex mutex_;
  // Looked up by type only, never iterated: its hash order cannot reach behaviour.
  std::unordered_map<std::type_index, std::vector<IntrusivePtr<RecipientBase>>> channels_;
};

}  // namespace orrery
