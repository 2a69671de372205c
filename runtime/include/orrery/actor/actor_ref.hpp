#pragma once
// ActorRef<M>: a typed handle to something that receives M. Behind it is a Recipient: a local
// actor's cell, a remote actor (remoting), an ask's reply slot, or a message adapter. Refs are
// cheap to copy (a counted pointer), compare by the actor they reach, order deterministically
// (by path, then uid), and stay valid after the actor stops: mail to a stopped actor goes to
// dead letters.

#include <atomic>
#include <compare>
#include <cstdint>
#include <string>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <variant>

#include <orrery/core/assert.hpp>
#include <orrery/core/intrusive_ptr.hpp>
#include <orrery/remote/any_message.hpp>

namespace orrery {

class ActorSystem;
class CellBase;
struct ActorAddress;

/// The untyped part of every recipient: identity, path, reference count, death watch.
class RecipientBase {
 public:
  void add_ref() const noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() const noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy();
  }

  /// "/user/orders/o-17" for a local actor; "orrery://system@host:port/user/..." for a remote one.
  virtual std::string path() const = 0;
  /// Distinguishes incarnations of the same path (an actor re-created under the same name).
  virtual std::uint64_t uid() const noexcept = 0;
  /// The local actor system this recipient belongs to or is reached through.
  virtual ActorSystem& core() const noexcept = 0;
  /// True once the recipient can no longer receive (stopped actor, completed ask).
  virtual bool terminated() const noexcept = 0;
  /// The local actor cell behind this recipient, if it is one.
  virtual CellBase* as_cell() noexcept { return nullptr; }
  /// Where the actor lives, if it is on another node.
  virtual const ActorAddress* remote_address() const noexcept { return nullptr; }
  /// Death watch: `watcher` gets a termination notice when this recipient terminates (at once
  /// if it already has). Idempotent per watcher.
  virtual void add_watcher(CellBase& watcher) = 0;
  virtual void remove_watcher(CellBase& watcher) = 0;
  /// Whether this and `other` reach the same actor (remote refs may be distinct objects).
  virtual bool same_actor(const RecipientBase& other) const noexcept { return this == &other; }
  /// The message type it takes (for refs read off the wire: a ref's type must match).
  virtual std::type_index message_type() const noexcept = 0;
  /// Delivers a decoded message if it is of an accepted type; false (and untouched) otherwise.
  virtual bool tell_any(AnyMessage& message) = 0;
  /// Whether it takes messages of `type`: its message type, or an alternative of its variant.
  virtual bool accepts(std::type_index type) const noexcept = 0;

  RecipientBase(const RecipientBase&) = delete;
  RecipientBase& operator=(const RecipientBase&) = delete;

 protected:
  RecipientBase() = default;
  virtual ~RecipientBase() = default;
  /// Called when the last reference goes; frees the object by default.
  virtual void destroy() const noexcept { delete this; }

 private:
  mutable std::atomic<std::uint32_t> refs_{0};
};

template <class M>
struct AlternativesOf {
  static bool contain(std::type_index) noexcept { return false; }
};
template <class... Ts>
struct AlternativesOf<std::variant<Ts...>> {
  static bool contain(std::type_index type) noexcept {
    return ((type == std::type_index(typeid(Ts))) || ...);
  }
};

/// Whether a recipient of M takes a message of `type`.
template <class M>
bool accepts_type(std::type_index type) noexcept {
  return type == std::type_index(typeid(M)) || AlternativesOf<M>::contain(type);
}

/// A recipient of M.
template <class M>
class Recipient : public RecipientBase {
 public:
  /// Enqueues (or forwards) the message. Thread-safe; never blocks for long.
  virtual void tell(M&& message) = 0;
  std::type_index message_type() const noexcept override { return typeid(M); }
  bool accepts(std::type_index type) const noexcept override { return accepts_type<M>(type); }
  bool tell_any(AnyMessage& message) override {
    std::optional<M> taken = take_as<M>(message);
    if (!taken) return false;
    tell(std::move(*taken));
    return true;
  }
};

/// A ref of unknown message type: what Terminated signals and death watch carry.
class UntypedActorRef {
 public:
  UntypedActorRef() = default;
  explicit UntypedActorRef(IntrusivePtr<RecipientBase> recipient)
      : recipient_(std::move(recipient)) {}

  explicit operator bool() const noexcept { return static_cast<bool>(recipient_); }
  RecipientBase* recipient() const noexcept { return recipient_.get(); }
  std::string path() const { return recipient_ ? recipient_->path() : std::string("<null>"); }

  friend bool operator==(const UntypedActorRef& a, const UntypedActorRef& b) noexcept {
    if (a.recipient_ == b.recipient_) return true;
    if (!a.recipient_ || !b.recipient_) return false;
    return a.recipient_->same_actor(*b.recipient_) || b.recipient_->same_actor(*a.recipient_);
  }
  /// Deterministic order: by path, then uid (never by address).
  friend std::strong_ordering operator<=>(const UntypedActorRef& a, const UntypedActorRef& b) {
    if (a == b) return std::strong_ordering::equal;
    if (!a.recipient_) return std::strong_ordering::less;
    if (!b.recipient_) return std::strong_ordering::greater;
    if (auto order = a.path() <=> b.path(); order != 0) return order;
    return a.recipient_->uid() <=> b.recipient_->uid();
  }

 private:
  IntrusivePtr<RecipientBase> recipient_;
};

template <class M>
class ActorRef;

namespace detail {
template <class From, class To>
class NarrowingRecipient;
}

template <class M>
class ActorRef {
 public:
  using message_type = M;

  ActorRef() = default;
  explicit ActorRef(IntrusivePtr<Recipient<M>> recipient) : recipient_(std::move(recipient)) {}

  /// Sends a message: at most once, in order per sender and receiver. Never blocks for long; a
  /// full bounded mailbox applies its overflow policy.
  void tell(M message) const {
    ORRERY_ASSERT(recipient_, "tell() on a null ActorRef");
    recipient_->tell(std::move(message));
  }

  explicit operator bool() const noexcept { return static_cast<bool>(recipient_); }
  Recipient<M>* recipient() const noexcept { return recipient_.get(); }
  std::string path() const { return recipient_ ? recipient_->path() : std::string("<null>"); }

  UntypedActorRef untyped() const {
    return UntypedActorRef(IntrusivePtr<RecipientBase>(recipient_.get()));
  }
  operator UntypedActorRef() const { return untyped(); }  // NOLINT: a typed ref is a ref

  /// A ref accepting a narrower message type N that M can be built from (an alternative of the
  /// variant M, say): Akka's `narrow`, so a client sees only the commands meant for it.
  template <class N>
  requires std::is_constructible_v<M, N&&> ActorRef<N> narrow()
  const;

  friend bool operator==(const ActorRef& a, const ActorRef& b) noexcept {
    return a.untyped() == b.untyped();
  }
  friend std::strong_ordering operator<=>(const ActorRef& a, const ActorRef& b) {
    return a.untyped() <=> b.untyped();
  }

 private:
  IntrusivePtr<Recipient<M>> recipient_;
};

namespace detail {

/// Converts N to M and forwards to the wider recipient; everything else is the target's.
template <class From, class To>
class NarrowingRecipient final : public Recipient<From> {
 public:
  explicit NarrowingRecipient(IntrusivePtr<Recipient<To>> target) : target_(std::move(target)) {}
  void tell(From&& message) override { target_->tell(To(std::move(message))); }
  std::string path() const override { return target_->path(); }
  std::uint64_t uid() const noexcept override { return target_->uid(); }
  ActorSystem& core() const noexcept override { return target_->core(); }
  bool terminated() const noexcept override { return target_->terminated(); }
  CellBase* as_cell() noexcept override { return target_->as_cell(); }
  const ActorAddress* remote_address() const noexcept override { return target_->remote_address(); }
  void add_watcher(CellBase& watcher) override { target_->add_watcher(watcher); }
  void remove_watcher(CellBase& watcher) override { target_->remove_watcher(watcher); }
  bool same_actor(const RecipientBase& other) const noexcept override {
    // Both ways: `other` may be another ref in front of the same target (two narrow() calls).
    return target_->same_actor(other) || other.same_actor(*target_);
  }

 private:
  IntrusivePtr<Recipient<To>> target_;
};

}  // namespace detail

/// A recipient of X in front of one that takes X among other types (a variant of which X is an
/// alternative): how a narrowed ref read back off the wire reaches its actor.
template <class X>
class ForwardingRecipient final : public Recipient<X> {
 public:
  explicit ForwardingRecipient(IntrusivePtr<RecipientBase> target) : target_(std::move(target)) {}
  void tell(X&& message) override {
    AnyMessage any = AnyMessage::of(std::move(message));
    const bool taken = target_->tell_any(any);
    ORRERY_ASSERT(taken, "a forwarding ref is made only for a target that accepts its type");
  }
  std::string path() const override { return target_->path(); }
  std::uint64_t uid() const noexcept override { return target_->uid(); }
  ActorSystem& core() const noexcept override { return target_->core(); }
  bool terminated() const noexcept override { return target_->terminated(); }
  CellBase* as_cell() noexcept override { return target_->as_cell(); }
  const ActorAddress* remote_address() const noexcept override { return target_->remote_address(); }
  void add_watcher(CellBase& watcher) override { target_->add_watcher(watcher); }
  void remove_watcher(CellBase& watcher) override { target_->remove_watcher(watcher); }
  bool same_actor(const RecipientBase& other) const noexcept override {
    return target_->same_actor(other) || other.same_actor(*target_);
  }

 private:
  IntrusivePtr<RecipientBase> target_;
};

/// A typed ref to a recipient that accepts X: the recipient itself when it is a Recipient<X>,
/// else a ForwardingRecipient<X> in front of it.
template <class X>
ActorRef<X> typed_ref(IntrusivePtr<RecipientBase> recipient) {
  ORRERY_ASSERT(recipient && recipient->accepts(typeid(X)),
                "typed_ref of a recipient that does not take X");
  if (recipient->message_type() == std::type_index(typeid(X))) {
    return ActorRef<X>(IntrusivePtr<Recipient<X>>(static_cast<Recipient<X>*>(recipient.get())));
  }
  return ActorRef<X>(IntrusivePtr<Recipient<X>>(new ForwardingRecipient<X>(std::move(recipient))));
}

template <class M>
template <class N>
requires std::is_constructible_v<M, N&&> ActorRef<N> ActorRef<M>::narrow()
const {
  ORRERY_ASSERT(recipient_, "narrow() on a null ActorRef");
  return ActorRef<N>(IntrusivePtr<Recipient<N>>(new detail::NarrowingRecipient<N, M>(recipient_)));
}

}  // namespace orrery
