#pragma once
// The receptionist: actors register under a ServiceKey<M>; others find them or subscribe to the
// listing (Akka Typed's Receptionist). It is an actor at /system/receptionist; registered
// actors are watched and leave the listing when they stop. Local to one node here; the cluster
// makes it cluster-wide.
//
//   system->receptionist().tell(receptionist::register_service(worker_key, self));
//   system->receptionist().tell(receptionist::subscribe(worker_key, listing_adapter));

#include <orrery/actor/actor_ref.hpp>
#include <orrery/core/unique_function.hpp>
#include <string>
#include <typeindex>
#include <vector>

namespace orrery {

/// Names a service whose actors take M. Two keys are the same service when their ids are equal;
/// using one id with two message types is refused (logged, and the command dropped).
template <class M>
struct ServiceKey {
  std::string id;
  friend bool operator==(const ServiceKey&, const ServiceKey&) = default;
};

/// The actors registered under a key, sorted by path.
template <class M>
struct Listing {
  ServiceKey<M> key;
  std::vector<ActorRef<M>> services;
};

/// A command to the receptionist, type-erased so that one actor serves every key. Build it with
/// the functions in namespace receptionist.
struct ReceptionistCommand {
  enum class Kind : std::uint8_t { register_service, deregister, subscribe, unsubscribe, find };
  Kind kind = Kind::find;
  std::string key;
  std::type_index message_type = typeid(void);
  UntypedActorRef actor;  // the service, or the subscriber / asker
  /// Sends a Listing<M> built from the registered refs to `actor` (subscribe, find).
  std::shared_ptr<UniqueFunction<void(const std::vector<UntypedActorRef>&)>> reply;
};

namespace receptionist {

template <class M>
ReceptionistCommand register_service(const ServiceKey<M>& key, const ActorRef<M>& service) {
  return {ReceptionistCommand::Kind::register_service, key.id, typeid(M), service.untyped(), nullptr};
}

template <class M>
ReceptionistCommand deregister(const ServiceKey<M>& key, const ActorRef<M>& service) {
  return {ReceptionistCommand::Kind::deregister, key.id, typeid(M), service.untyped(), nullptr};
}

namespace detail {
template <class M>
std::shared_ptr<UniqueFunction<void(const std::vector<UntypedActorRef>&)>> listing_sender(
    ServiceKey<M> key, ActorRef<Listing<M>> to) {
  return std::make_shared<UniqueFunction<void(const std::vector<UntypedActorRef>&)>>(
      [key = std::move(key), to = std::move(to)](const std::vector<UntypedActorRef>& refs) {
        Listing<M> listing{key, {}};
        listing.services.reserve(refs.size());
        // Registration checked the message type, so each ref is a Recipient<M>.
        for (const auto& ref : refs) {
          listing.services.emplace_back(IntrusivePtr<Recipient<M>>(static_cast<Recipient<M>*>(ref.recipient())));
        }
        to.tell(std::move(listing));
      });
}
}  // namespace detail

/// The listing now, and again on every change, until the subscriber stops or unsubscribes.
template <class M>
ReceptionistCommand subscribe(const ServiceKey<M>& key, const ActorRef<Listing<M>>& subscriber) {
  return {ReceptionistCommand::Kind::subscribe, key.id, typeid(M), subscriber.untyped(),
          detail::listing_sender(key, subscriber)};
}

template <class M>
ReceptionistCommand unsubscribe(const ServiceKey<M>& key, const ActorRef<Listing<M>>& subscriber) {
  return {ReceptionistCommand::Kind::unsubscribe, key.id, typeid(M), subscriber.untyped(), nullptr};
}

/// The listing once.
template <class M>
ReceptionistCommand find(const ServiceKey<M>& key, const ActorRef<Listing<M>>& reply_to) {
  return {ReceptionistCommand::Kind::find, key.id, typeid(M), reply_to.untyped(),
          detail::listing_sender(key, reply_to)};
}

}  // namespace receptionist

class ActorSystem;
template <class M>
class Behavior;

/// The receptionist actor's behavior (the system spawns it at /system/receptionist).
Behavior<ReceptionistCommand> receptionist_behavior();

}  // namespace orrery
