#pragma once
// RemoteRecipient<M>: the recipient behind a ref to an actor on another node. tell() serializes
// the message with the system's Serialization and hands it to remoting; watching it is remote
// death watch.

#include <orrery/actor/actor_system.hpp>
#include <orrery/remote/actor_address.hpp>
#include <orrery/remote/local_refs.hpp>
#include <orrery/remote/remoting.hpp>
#include <orrery/remote/serialization.hpp>

namespace orrery {

template <class M>
class RemoteRecipient final : public Recipient<M> {
 public:
  RemoteRecipient(Remoting& remoting, ActorAddress target)
      : remoting_(&remoting), target_(std::move(target)) {}

  void tell(M&& message) override {
    ActorSystem& system = remoting_->system();
    auto encoded = system.serialization().encode(message, *remoting_);
    if (!encoded.ok()) {
      system.log(LogLevel::error, "remote", "cannot send to " + target_.to_string() + ": " +
                                                encoded.error().message);
      system.dead_letter(target_.to_string(), message_type_name(message), "not serializable");
      return;
    }
    remoting_->send_user(target_, std::move(encoded->manifest), std::move(encoded->payload),
                         message_type_name(message));
  }
  std::string path() const override { return ActorAddress{target_.node, target_.path, 0}.to_string(); }
  std::uint64_t uid() const noexcept override { return target_.uid; }
  ActorSystem& core() const noexcept override { return remoting_->system(); }
  bool terminated() const noexcept override { return false; }
  const ActorAddress* remote_address() const noexcept override { return &target_; }
  void add_watcher(CellBase& watcher) override { remoting_->watch_remote(*this, target_, watcher); }
  void remove_watcher(CellBase& watcher) override { remoting_->unwatch_remote(target_, watcher); }
  bool same_actor(const RecipientBase& other) const noexcept override {
    const ActorAddress* address = other.remote_address();
    return address != nullptr && address->node == target_.node && address->path == target_.path &&
           (address->uid == target_.uid || address->uid == 0 || target_.uid == 0);
  }

 private:
  IntrusivePtr<Remoting> remoting_;
  ActorAddress target_;
};

template <class X>
IntrusivePtr<RecipientBase> make_remote_recipient(RefContext& context, std::string_view text) {
  auto* remoting = dynamic_cast<Remoting*>(&context);
  ORRERY_ASSERT(remoting != nullptr, "remote refs are made by remoting");
  auto address = ActorAddress::parse(text);
  ORRERY_ASSERT(address.ok(), "the ref text was parsed before");
  return IntrusivePtr<RecipientBase>(new RemoteRecipient<X>(*remoting, std::move(address).value()));
}

template <class M>
Result<ActorRef<M>> Remoting::ref(const ActorAddress& address) {
  if (address.node == address_) {
    auto local = resolve_local(system_, address.path, address.uid, typeid(M));
    if (!local.ok()) return local.error();
    return typed_ref<M>(std::move(local).value());
  }
  return ActorRef<M>(IntrusivePtr<Recipient<M>>(new RemoteRecipient<M>(*this, address)));
}

}  // namespace orrery
