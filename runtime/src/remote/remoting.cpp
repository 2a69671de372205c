// Remoting's lifetime, peers and outbound frames: handshakes, sequence numbers, the buffer of
// messages waiting for a handshake, and refs on the wire. (Inbound frames are inbound.cpp's;
// heartbeats, handshake retries, quarantine and idle peers are associations.cpp's.)

#include <fmt/format.h>

#include <orrery/remote/local_refs.hpp>
#include <orrery/remote/serialization.hpp>

#include "remoting_impl.hpp"

namespace orrery {

// ---- lifetime ----

RemotingPtr& RemotingPtr::operator=(RemotingPtr&& other) noexcept {
  if (this != &other) {
    reset();
    remoting_ = std::exchange(other.remoting_, nullptr);
  }
  return *this;
}

RemotingPtr::~RemotingPtr() {
  reset();
}

void RemotingPtr::reset() {
  Remoting* remoting = std::exchange(remoting_, nullptr);
  if (remoting == nullptr) return;
  remoting->shutdown();
  remoting->release();
}

RemotingPtr Remoting::start(ActorSystem& system, Transport& transport, RemoteConfig config) {
  const NodeAddress& address = transport.local_address();
  ORRERY_ASSERT(address.system == system.name(),
                "the transport's address must carry the actor system's name");
  ORRERY_ASSERT(
      config.heartbeat_interval.count() > 0 && config.unreachable_after > config.heartbeat_interval,
      "unreachable_after must be longer than the heartbeat interval");
  system.exported_refs().set_limit(config.exported_refs_max);
  auto* remoting = new Remoting(system, transport, config);
  remoting->impl_->started_at = system.env().clock.now();
  remoting->add_ref();
  transport.attach(*remoting);
  system.set_ref_context(remoting);
  remoting->impl_->start_remote_watcher();
  remoting->impl_->schedule_tick();
  return RemotingPtr(remoting);
}

Remoting::Remoting(ActorSystem& system, Transport& transport, RemoteConfig config)
    : system_(system),
      transport_(transport),
      config_(config),
      address_(transport.local_address()),
      impl_(std::make_unique<Impl>(*this)) {
  system_.add_ref();
}

Remoting::~Remoting() {
  system_.release();
}

void Remoting::release() const noexcept {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

void Remoting::shutdown() {
  if (impl_->stopped.exchange(true)) return;
  transport_.detach();
  if (&system_.ref_context() == this) system_.set_ref_context(nullptr);
  {
    std::lock_guard guard(impl_->timer_mutex);
    system_.env().timers.cancel(impl_->tick_timer);
  }
  if (impl_->remote_watcher) {
    if (CellBase* cell = impl_->remote_watcher.recipient()->as_cell()) cell->post_stop();
    impl_->remote_watcher = ActorRef<RemoteWatchCommand>();
  }
  std::vector<PendingEnvelope> undelivered;
  {
    std::lock_guard guard(impl_->peers_mutex);  // ordered by address
    for (auto& [node, peer] : impl_->peers) {
      std::lock_guard peer_guard(peer->mutex);
      for (auto& pending : peer->pending)
        undelivered.push_back(std::move(pending));
      peer->pending.clear();
    }
  }
  for (auto& pending : undelivered) {
    impl_->dead_letter(pending.recipient, pending.type_name, "remoting shut down");
  }
  std::lock_guard guard(impl_->cache_mutex);
  impl_->recipients.clear();
  std::lock_guard watch_guard(impl_->watches_mutex);
  impl_->watches.clear();
}

RemoteStats Remoting::stats() const {
  const RemoteCounters& c = impl_->counters;
  auto get = [](const std::atomic<std::uint64_t>& v) {
    return v.load(std::memory_order_relaxed);
  };
  return RemoteStats{get(c.frames_sent),
                     get(c.frames_received),
                     get(c.messages_sent),
                     get(c.messages_delivered),
                     get(c.malformed_frames),
                     get(c.unknown_manifests),
                     get(c.undeliverable),
                     get(c.refused_wrong_system),
                     get(c.refused_quarantined),
                     get(c.refused_stale),
                     get(c.duplicates_dropped),
                     get(c.send_failures),
                     get(c.handshakes),
                     get(c.quarantines),
                     get(c.unreachable),
                     get(c.handshake_attempts),
                     get(c.handshake_timeouts),
                     get(c.pending_expired),
                     get(c.pending_overflow),
                     get(c.quarantine_notices_sent),
                     get(c.quarantined_by_peer),
                     get(c.peers_removed),
                     system_.exported_refs().evicted(),
                     get(c.inbox_overflow),
                     get(c.delivery_exceptions),
                     get(c.messages_refused_overflow),
                     get(c.messages_refused_too_large),
                     get(c.messages_refused_closed),
                     get(c.refusing_unreachable),
                     get(c.system_delivery_gave_up),
                     get(c.refused_unproven),
                     get(c.quarantined_unproven)};
}

std::uint64_t Remoting::peer_uid(const NodeAddress& peer) const {
  std::shared_ptr<Peer> found = impl_->find_peer(peer);
  if (found == nullptr) return 0;
  std::lock_guard guard(found->mutex);
  return found->uid;
}

bool Remoting::reachable(const NodeAddress& peer) const {
  std::shared_ptr<Peer> found = impl_->find_peer(peer);
  if (found == nullptr) return false;
  std::lock_guard guard(found->mutex);
  return found->uid != 0;  // a quarantined incarnation is forgotten: the uid is 0 again
}

std::size_t Remoting::peer_count() const {
  std::lock_guard guard(impl_->peers_mutex);
  return impl_->peers.size();
}

// ---- peers and frames ----

std::shared_ptr<Peer> Remoting::Impl::peer_for(const NodeAddress& node) {
  std::lock_guard guard(peers_mutex);
  auto& slot = peers[node];
  if (!slot) {
    slot = std::make_shared<Peer>(node);
    slot->last_active = self.system_.env().clock.now();
  }
  return slot;  // shared: an idle peer may be removed while a caller still holds it
}

std::shared_ptr<Peer> Remoting::Impl::find_peer(const NodeAddress& node) {
  std::lock_guard guard(peers_mutex);
  auto found = peers.find(node);
  return found == peers.end() ? nullptr : found->second;
}

SendStatus Remoting::Impl::send_frame(Peer& peer, proto::RemoteFrame& frame) {
  frame.set_from_uid(self.system_.uid());
  if (frame.body_case() != proto::RemoteFrame::kQuarantineNotice) frame.set_to_uid(peer.uid);
  const Instant now = self.system_.env().clock.now();
  peer.last_active = now;
  const SendStatus status = self.transport_.send(peer.address, frame.SerializeAsString());
  if (status == SendStatus::queued) {
    counters.frames_sent.fetch_add(1, std::memory_order_relaxed);
    peer.refusing = false;
    return status;
  }
  counters.send_failures.fetch_add(1, std::memory_order_relaxed);
  // A closed transport is this node shutting down, not the peer's link failing.
  if (status != SendStatus::closed && !peer.refusing) {
    peer.refusing = true;
    peer.refusing_since = now;
  }
  return status;
}

void Remoting::Impl::send_handshake(Peer& peer) {
  proto::RemoteFrame frame;
  set_address(*frame.mutable_handshake()->mutable_from(), self.address_);
  frame.mutable_handshake()->set_to_system(peer.address.system);
  const Instant now = self.system_.env().clock.now();
  frame.mutable_handshake()->set_age_ms(age_ms(now));
  if (!peer.handshake_sent) {
    peer.handshake_started_at = now;
    peer.handshake_attempts = 0;
  }
  peer.handshake_sent = true;
  peer.handshake_sent_at = now;
  ++peer.handshake_attempts;
  counters.handshake_attempts.fetch_add(1, std::memory_order_relaxed);
  send_frame(peer, frame);
}

void Remoting::Impl::resend_handshake(Peer& peer) {
  const Instant now = self.system_.env().clock.now();
  if (!peer.handshake_sent || now - peer.handshake_sent_at >= self.config_.heartbeat_interval) {
    send_handshake(peer);
  }
}

std::uint64_t Remoting::Impl::age_ms(Instant now) const {
  ORRERY_ASSERT(now >= started_at, "the monotonic clock never goes back");
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - started_at).count());
}

namespace {

std::string refusal_reason(SendStatus status, const NodeAddress& node) {
  switch (status) {
    case SendStatus::overflow:
      return fmt::format("remote send queue to {} full", node.to_string());
    case SendStatus::too_large:
      return fmt::format("remote frame to {} above the transport's frame size limit",
                         node.to_string());
    case SendStatus::closed:
      return fmt::format("remote transport closed (sending to {})", node.to_string());
    case SendStatus::queued:
      break;
  }
  ORRERY_ASSERT(false, "a queued frame is not refused");
  return {};
}

}  // namespace

void Remoting::Impl::send_envelope(Peer& peer, PendingEnvelope envelope) {
  ORRERY_ASSERT(peer.uid != 0, "envelopes go out once the peer's incarnation is known");
  proto::RemoteFrame frame;
  proto::Envelope& body = *frame.mutable_envelope();
  body.set_sequence(peer.next_sequence++);
  body.set_recipient(std::move(envelope.recipient));
  body.set_recipient_uid(envelope.recipient_uid);
  body.set_manifest(std::move(envelope.manifest));
  body.set_payload(std::move(envelope.payload));
  const SendStatus status = send_frame(peer, frame);
  if (status == SendStatus::queued) {
    counters.messages_sent.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // The sequence stays used: the peer sees a gap, which at-most-once delivery allows.
  switch (status) {
    case SendStatus::overflow:
      counters.messages_refused_overflow.fetch_add(1, std::memory_order_relaxed);
      break;
    case SendStatus::too_large:
      counters.messages_refused_too_large.fetch_add(1, std::memory_order_relaxed);
      break;
    default:
      counters.messages_refused_closed.fetch_add(1, std::memory_order_relaxed);
      break;
  }
  ActorAddress recipient{peer.address, body.recipient(), body.recipient_uid()};
  peer.refused.push_back(RefusedMessage{recipient.to_string(), std::move(envelope.type_name),
                                        refusal_reason(status, peer.address)});
}

void Remoting::Impl::flush_pending(Peer& peer) {
  while (!peer.pending.empty()) {
    send_envelope(peer, std::move(peer.pending.front()));
    peer.pending.pop_front();
  }
  for (const proto::SystemMessage& message : peer.system_unacked) {
    proto::RemoteFrame frame;
    *frame.mutable_system() = message;
    send_frame(peer, frame);
  }
}

void Remoting::send_user(const ActorAddress& target, std::string manifest, std::string payload,
                         std::string_view type_name) {
  if (impl_->stopped.load(std::memory_order_acquire)) {
    impl_->dead_letter(target.to_string(), type_name, "remoting shut down");
    return;
  }
  std::shared_ptr<Peer> peer = impl_->peer_for(target.node);
  bool overflow = false;
  std::vector<RefusedMessage> refused;
  {
    std::lock_guard guard(peer->mutex);
    PendingEnvelope envelope{target.path, target.uid, std::move(manifest), std::move(payload),
                             std::string(type_name)};
    if (peer->uid != 0) {
      impl_->send_envelope(*peer, std::move(envelope));
      refused.swap(peer->refused);
    } else if (peer->pending.size() >= config_.pending_messages_max) {
      overflow = true;
    } else {
      peer->pending.push_back(std::move(envelope));
      // Later attempts are the tick's, with backoff (retry_handshake).
      if (!peer->handshake_sent) impl_->send_handshake(*peer);
    }
  }
  if (!refused.empty()) impl_->publish_refused(std::move(refused));
  if (overflow) {
    impl_->counters.pending_overflow.fetch_add(1, std::memory_order_relaxed);
    impl_->dead_letter(target.to_string(), type_name, "remote peer not connected: buffer full");
  }
}

// ---- errors and dead letters ----

void Remoting::Impl::bad_input(const NodeAddress& from, std::string_view what,
                               std::atomic<std::uint64_t>& counter) {
  counter.fetch_add(1, std::memory_order_relaxed);
  if (errors_logged.fetch_add(1, std::memory_order_relaxed) < self.config_.errors_logged_max) {
    self.system_.log(LogLevel::error, "remote",
                     fmt::format("dropped from {}: {}", from.to_string(), what));
  }
}

void Remoting::Impl::dead_letter(std::string recipient, std::string_view type,
                                 std::string_view reason) {
  self.system_.dead_letter(std::move(recipient), type, reason);
}

void Remoting::Impl::publish_refused(std::vector<RefusedMessage> refused) {
  const std::uint32_t logged_max = self.config_.send_refusals_logged_max;
  for (RefusedMessage& message : refused) {
    if (refusals_logged.fetch_add(1, std::memory_order_relaxed) < logged_max) {
      self.system_.log(LogLevel::warning, "remote",
                       fmt::format("dropped {} to {}: {}", message.type_name, message.recipient,
                                   message.reason));
    }
    dead_letter(std::move(message.recipient), message.type_name, message.reason);
  }
}

// Once per tick, not per message: a full send queue refuses a flood, which must not flood the
// log too. The first send_refusals_logged_max were logged one by one.
void Remoting::Impl::log_refusals() {
  const std::uint64_t overflow = counters.messages_refused_overflow.load(std::memory_order_relaxed);
  const std::uint64_t too_large =
      counters.messages_refused_too_large.load(std::memory_order_relaxed);
  const std::uint64_t closed = counters.messages_refused_closed.load(std::memory_order_relaxed);
  const std::uint64_t total = overflow + too_large + closed;
  const std::uint64_t logged_max = self.config_.send_refusals_logged_max;
  const std::uint64_t over = total > logged_max ? total - logged_max : 0;
  const std::uint64_t summed = refusals_summed.exchange(over, std::memory_order_relaxed);
  if (over <= summed) return;
  self.system_.log(LogLevel::warning, "remote",
                   fmt::format("dropped {} more messages the transport refused, to dead letters "
                               "(in all: {} send queue full, {} too large, {} transport closed)",
                               over - summed, overflow, too_large, closed));
}

// ---- refs on the wire ----

std::string Remoting::write_ref(const RecipientBase& ref) {
  if (const ActorAddress* remote = ref.remote_address()) return remote->to_string();
  return write_local_ref(system_, address_, ref);
}

Result<IntrusivePtr<RecipientBase>> Remoting::read_ref(
    std::string_view text, std::type_index message_type,
    IntrusivePtr<RecipientBase> (*make_remote)(RefContext&, std::string_view)) {
  auto address = ActorAddress::parse(text);
  if (!address.ok()) return address.error();
  if (address->node == address_) {
    return resolve_local(system_, address->path, address->uid, message_type);
  }
  return make_remote(*this, text);
}

}  // namespace orrery
