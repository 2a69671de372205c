// The receptionist actor: a listing per service key, kept current by death watch.

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <set>
#include <orrery/actor.hpp>
#include <orrery/actor/receptionist.hpp>

namespace orrery {

namespace {

struct Subscriber {
  UntypedActorRef ref;
  std::shared_ptr<UniqueFunction<void(const std::vector<UntypedActorRef>&)>> reply;
};

struct Service {
  std::type_index message_type = typeid(void);
  std::vector<UntypedActorRef> registered;  // sorted by path: listings are deterministic
  std::vector<Subscriber> subscribers;
};

class Registry {
 public:
  void handle(ActorContext<ReceptionistCommand>& ctx, ReceptionistCommand& command) {
    Service& service = services_[command.key];
    if (service.message_type == typeid(void)) service.message_type = command.message_type;
    if (service.message_type != command.message_type) {
      ctx.log().error("service key '{}' is used with two message types; command dropped", command.key);
      return;
    }
    using Kind = ReceptionistCommand::Kind;
    switch (command.kind) {
      case Kind::register_service:
        if (insert_sorted(service.registered, command.actor)) {
          watch(ctx, command.actor);
          notify(service);
        }
        return;
      case Kind::deregister:
        if (std::erase(service.registered, command.actor) > 0) notify(service);
        return;
      case Kind::subscribe:
        std::erase_if(service.subscribers, [&](const Subscriber& s) { return s.ref == command.actor; });
        service.subscribers.push_back({command.actor, command.reply});
        watch(ctx, command.actor);
        (*command.reply)(service.registered);
        return;
      case Kind::unsubscribe:
        std::erase_if(service.subscribers, [&](const Subscriber& s) { return s.ref == command.actor; });
        return;
      case Kind::find:
        (*command.reply)(service.registered);
        return;
    }
  }

  void terminated(const UntypedActorRef& ref) {
    watched_.erase(ref);
    for (auto& [key, service] : services_) {  // ordered by key: deterministic
      std::erase_if(service.subscribers, [&](const Subscriber& s) { return s.ref == ref; });
      if (std::erase(service.registered, ref) > 0) notify(service);
    }
  }

 private:
  static bool insert_sorted(std::vector<UntypedActorRef>& refs, const UntypedActorRef& ref) {
    auto at = std::lower_bound(refs.begin(), refs.end(), ref);
    if (at != refs.end() && *at == ref) return false;
    refs.insert(at, ref);
    return true;
  }

  void watch(ActorContext<ReceptionistCommand>& ctx, const UntypedActorRef& ref) {
    if (watched_.insert(ref).second) ctx.watch(ref);
  }

  static void notify(const Service& service) {
    for (const Subscriber& subscriber : service.subscribers) (*subscriber.reply)(service.registered);
  }

  std::map<std::string, Service> services_;
  std::set<UntypedActorRef> watched_;
};

}  // namespace

Behavior<ReceptionistCommand> receptionist_behavior() {
  return behaviors::setup<ReceptionistCommand>([](ActorContext<ReceptionistCommand>&) {
    auto registry = std::make_shared<Registry>();
    return behaviors::receive<ReceptionistCommand>(
               [registry](ActorContext<ReceptionistCommand>& ctx, ReceptionistCommand& command) {
                 registry->handle(ctx, command);
               })
        .receive_signal([registry](ActorContext<ReceptionistCommand>&, const Terminated& t) {
          registry->terminated(t.ref);
        });
  });
}

}  // namespace orrery
