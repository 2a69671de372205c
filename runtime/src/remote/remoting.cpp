// Remoting's associations and frames: handshakes with incarnation ids, quarantine, sequence
// numbers, heartbeats and reachability, inbound delivery, and refs on the wire.

#include <fmt/format.h>
#include <orrery/remote/local_refs.hpp>
#include <orrery/remote/serialization.hpp>

#include "remoting_impl.hpp"

namespace orrery {

namespace {

void set_address(proto::Address& out, const NodeAddress& node) {
  out.set_system(node.system);
  out.set_host(node.host);
  out.set_port(node.port);
}

}  // namespace

// ---- lifetime ----

RemotingPtr& RemotingPtr::operator=(RemotingPtr&& other) noexcept {
  if (this != &other) {
    reset();
    remoting_ = std::exchange(other.remoting_, nullptr);
  }
  return *this;
}

RemotingPtr::~RemotingPtr() { reset(); }

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
  ORRERY_ASSERT(config.heartbeat_interval.count() > 0 && config.unreachable_after > config.heartbeat_interval,
                "unreachable_after must be longer than the heartbeat interval");
  auto* remoting = new Remoting(system, transport, config);
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

Remoting::~Remoting() { system_.release(); }

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
    std::lock_guard guard(impl_->peers_mutex);
    for (auto& [node, peer] : impl_->peers) {
      std::lock_guard peer_guard(peer->mutex);
      for (auto& pending : peer->pending) undelivered.push_back(std::move(pending));
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
  auto get = [](const std::atomic<std::uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  return RemoteStats{get(c.frames_sent),           get(c.frames_received),     get(c.messages_sent),
                     get(c.messages_delivered),    get(c.malformed_frames),    get(c.unknown_manifests),
                     get(c.undeliverable),         get(c.refused_wrong_system), get(c.refused_quarantined),
                     get(c.refused_stale),         get(c.duplicates_dropped),  get(c.send_failures),
                     get(c.handshakes),            get(c.quarantines),         get(c.unreachable)};
}

std::uint64_t Remoting::peer_uid(const NodeAddress& peer) const {
  Peer* found = impl_->find_peer(peer);
  if (found == nullptr) return 0;
  std::lock_guard guard(found->mutex);
  return found->uid;
}

bool Remoting::reachable(const NodeAddress& peer) const {
  Peer* found = impl_->find_peer(peer);
  if (found == nullptr) return false;
  std::lock_guard guard(found->mutex);
  return found->uid != 0 && found->reachable;
}

// ---- peers and frames ----

Peer& Remoting::Impl::peer_for(const NodeAddress& node) {
  std::lock_guard guard(peers_mutex);
  auto& slot = peers[node];
  if (!slot) slot = std::make_unique<Peer>(node);
  return *slot;  // peers are never removed while remoting runs: the reference stays valid
}

Peer* Remoting::Impl::find_peer(const NodeAddress& node) {
  std::lock_guard guard(peers_mutex);
  auto found = peers.find(node);
  return found == peers.end() ? nullptr : found->second.get();
}

void Remoting::Impl::send_frame(Peer& peer, proto::RemoteFrame& frame) {
  frame.set_from_uid(self.system_.uid());
  frame.set_to_uid(peer.uid);
  const SendStatus status = self.transport_.send(peer.address, frame.SerializeAsString());
  if (status == SendStatus::queued) {
    counters.frames_sent.fetch_add(1, std::memory_order_relaxed);
  } else {
    counters.send_failures.fetch_add(1, std::memory_order_relaxed);
  }
}

void Remoting::Impl::send_handshake(Peer& peer) {
  proto::RemoteFrame frame;
  set_address(*frame.mutable_handshake()->mutable_from(), self.address_);
  frame.mutable_handshake()->set_to_system(peer.address.system);
  peer.handshake_sent = true;
  peer.handshake_sent_at = self.system_.env().clock.now();
  send_frame(peer, frame);
}

void Remoting::Impl::send_envelope(Peer& peer, PendingEnvelope envelope) {
  ORRERY_ASSERT(peer.uid != 0, "envelopes go out once the peer's incarnation is known");
  proto::RemoteFrame frame;
  proto::Envelope& body = *frame.mutable_envelope();
  body.set_sequence(peer.next_sequence++);
  body.set_recipient(std::move(envelope.recipient));
  body.set_recipient_uid(envelope.recipient_uid);
  body.set_manifest(std::move(envelope.manifest));
  body.set_payload(std::move(envelope.payload));
  send_frame(peer, frame);
  counters.messages_sent.fetch_add(1, std::memory_order_relaxed);
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

bool Remoting::Impl::adopt(Peer& peer, std::uint64_t incarnation, std::vector<NodeAddress>& gone) {
  if (incarnation == 0) return false;
  if (peer.is_quarantined(incarnation)) return false;
  if (peer.uid == incarnation) return true;
  if (peer.uid != 0) {
    // The peer restarted: its old incarnation is quarantined for good, and whatever watched it
    // hears that it is gone.
    peer.quarantined.push_back(peer.uid);
    if (peer.quarantined.size() > self.config_.quarantined_max) peer.quarantined.pop_front();
    counters.quarantines.fetch_add(1, std::memory_order_relaxed);
    self.system_.log(LogLevel::warning, "remote",
                     fmt::format("{} restarted (incarnation {} replaces {}): old one quarantined",
                                 peer.address.to_string(), incarnation, peer.uid));
    gone.push_back(peer.address);
    peer.system_unacked.clear();
    peer.system_next_out = 1;
  }
  peer.uid = incarnation;
  peer.last_delivered = 0;
  peer.system_next_in = 1;
  peer.reachable = true;
  return true;
}

void Remoting::send_user(const ActorAddress& target, std::string manifest, std::string payload,
                         std::string_view type_name) {
  if (impl_->stopped.load(std::memory_order_acquire)) {
    impl_->dead_letter(target.to_string(), type_name, "remoting shut down");
    return;
  }
  Peer& peer = impl_->peer_for(target.node);
  bool overflow = false;
  {
    std::lock_guard guard(peer.mutex);
    PendingEnvelope envelope{target.path, target.uid, std::move(manifest), std::move(payload),
                             std::string(type_name)};
    if (peer.uid != 0) {
      impl_->send_envelope(peer, std::move(envelope));
      return;
    }
    if (peer.pending.size() >= config_.pending_messages_max) {
      overflow = true;
    } else {
      peer.pending.push_back(std::move(envelope));
      const Instant now = system_.env().clock.now();
      if (!peer.handshake_sent || now - peer.handshake_sent_at >= config_.heartbeat_interval) {
        impl_->send_handshake(peer);
      }
    }
  }
  if (overflow) impl_->dead_letter(target.to_string(), type_name, "remote peer not connected: buffer full");
}

// ---- inbound ----

void Remoting::on_frame(const NodeAddress& from, Frame frame) {
  impl_->counters.frames_received.fetch_add(1, std::memory_order_relaxed);
  if (impl_->stopped.load(std::memory_order_acquire)) return;
  proto::RemoteFrame parsed;
  if (!parsed.ParseFromString(frame) || parsed.body_case() == proto::RemoteFrame::BODY_NOT_SET) {
    impl_->bad_input(from, "malformed frame", impl_->counters.malformed_frames);
    return;
  }
  Peer& peer = impl_->peer_for(from);
  std::vector<NodeAddress> gone;
  std::vector<std::string> dead_watchees;
  {
    std::lock_guard guard(peer.mutex);
    if (parsed.from_uid() != 0 && peer.is_quarantined(parsed.from_uid())) {
      impl_->bad_input(from, "frame from a quarantined incarnation", impl_->counters.refused_quarantined);
      return;
    }
    if (parsed.to_uid() != 0 && parsed.to_uid() != system_.uid()) {
      impl_->bad_input(from, "frame for a previous incarnation of this node", impl_->counters.refused_stale);
      // Tell the sender who answers at this address now, so it stops talking to the past.
      const Instant now = system_.env().clock.now();
      if (parsed.from_uid() != 0 &&
          (!peer.handshake_sent || now - peer.handshake_sent_at >= config_.heartbeat_interval)) {
        impl_->send_handshake(peer);
      }
      return;
    }
    if (parsed.body_case() == proto::RemoteFrame::kHandshake &&
        parsed.handshake().to_system() != system_.name()) {
      impl_->bad_input(from, fmt::format("handshake for system '{}'", parsed.handshake().to_system()),
                       impl_->counters.refused_wrong_system);
      return;
    }
    if (!impl_->adopt(peer, parsed.from_uid(), gone)) {
      impl_->bad_input(from, "frame without a sender incarnation", impl_->counters.malformed_frames);
      return;
    }
    peer.last_heard = system_.env().clock.now();
    peer.heard = true;
    if (!peer.reachable) peer.reachable = true;
    switch (parsed.body_case()) {
      case proto::RemoteFrame::kHandshake: {
        impl_->counters.handshakes.fetch_add(1, std::memory_order_relaxed);
        proto::RemoteFrame ack;
        set_address(*ack.mutable_handshake_ack()->mutable_from(), address_);
        impl_->send_frame(peer, ack);
        impl_->flush_pending(peer);
        break;
      }
      case proto::RemoteFrame::kHandshakeAck:
        impl_->counters.handshakes.fetch_add(1, std::memory_order_relaxed);
        impl_->flush_pending(peer);
        break;
      case proto::RemoteFrame::kEnvelope:
        impl_->deliver(peer, parsed.envelope());
        break;
      case proto::RemoteFrame::kHeartbeat:
        break;
      case proto::RemoteFrame::kSystem:
        impl_->on_system(peer, parsed.system(), dead_watchees);
        break;
      case proto::RemoteFrame::kSystemAck:
        impl_->on_system_ack(peer, parsed.system_ack().up_to());
        break;
      case proto::RemoteFrame::BODY_NOT_SET:
        break;
    }
  }
  for (const NodeAddress& node : gone) impl_->node_gone(node);
  for (const std::string& watchee : dead_watchees) impl_->watchee_terminated(from, watchee);
}

void Remoting::Impl::deliver(Peer& peer, const proto::Envelope& envelope) {
  if (envelope.sequence() <= peer.last_delivered) {
    counters.duplicates_dropped.fetch_add(1, std::memory_order_relaxed);
    return;  // a duplicate, or overtaken by a later one: at most once, in order
  }
  // The sequence is used up only by a message that was delivered, so that one bad frame (a
  // peer's bug) cannot shut out the good ones after it.
  IntrusivePtr<RecipientBase> target = recipient(envelope.recipient());
  if (!target || (envelope.recipient_uid() != 0 && target->uid() != envelope.recipient_uid())) {
    counters.undeliverable.fetch_add(1, std::memory_order_relaxed);
    dead_letter(envelope.recipient(), envelope.manifest(),
                target ? "stale ref: another incarnation of the actor" : "no such actor");
    return;
  }
  auto decoded = self.system_.serialization().decode(envelope.manifest(), envelope.payload(), self);
  if (!decoded.ok()) {
    auto& counter = decoded.error().code == Errc::not_found && decoded.error().message.find("unknown manifest") != std::string::npos
                        ? counters.unknown_manifests
                        : counters.malformed_frames;
    bad_input(peer.address, decoded.error().message, counter);
    dead_letter(envelope.recipient(), envelope.manifest(), "undecodable");
    return;
  }
  bool taken = false;
  try {
    taken = target->tell_any(*decoded);
  } catch (const MailboxOverflowError&) {
    peer.last_delivered = envelope.sequence();
    return;  // delivered to a full mailbox: counted as a dead letter there
  }
  if (!taken) {
    counters.undeliverable.fetch_add(1, std::memory_order_relaxed);
    dead_letter(envelope.recipient(), decoded->type_name(), "the actor does not take this type");
    return;
  }
  peer.last_delivered = envelope.sequence();
  counters.messages_delivered.fetch_add(1, std::memory_order_relaxed);
}

IntrusivePtr<RecipientBase> Remoting::Impl::recipient(const std::string& path) {
  {
    std::lock_guard guard(cache_mutex);
    auto found = recipients.find(path);
    if (found != recipients.end()) {
      if (!found->second->terminated()) return found->second;
      recipients.erase(found);
    }
  }
  IntrusivePtr<RecipientBase> resolved = self.system_.exported_refs().find(path);
  if (!resolved) {
    if (CellBase* cell = self.system_.resolve(path)) resolved = IntrusivePtr<RecipientBase>(&cell->recipient());
  }
  if (!resolved || resolved->terminated()) return nullptr;
  std::lock_guard guard(cache_mutex);
  if (recipients.size() >= self.config_.recipient_cache_max) recipients.clear();
  recipients.emplace(path, resolved);
  return resolved;
}

void Remoting::on_link_up(const NodeAddress& peer) {
  if (impl_->stopped.load(std::memory_order_acquire)) return;
  Peer& state = impl_->peer_for(peer);
  std::lock_guard guard(state.mutex);
  if (state.uid == 0 && !state.pending.empty()) impl_->send_handshake(state);
}

void Remoting::on_link_down(const NodeAddress& peer) {
  // Links drop and come back (reconnects); reachability is the heartbeats' call.
  system_.log(LogLevel::debug, "remote", "link down: " + peer.to_string());
}

// ---- heartbeats, reachability, resends ----

void Remoting::Impl::schedule_tick() {
  std::lock_guard guard(timer_mutex);
  if (stopped.load(std::memory_order_acquire)) return;
  Env& env = self.system_.env();
  IntrusivePtr<Remoting> keep(&self);
  tick_timer = env.timers.schedule_at(env.clock.now() + self.config_.heartbeat_interval, [keep] {
    keep->impl_->tick();
    keep->impl_->schedule_tick();
  });
}

void Remoting::Impl::tick() {
  if (stopped.load(std::memory_order_acquire)) return;
  std::vector<Peer*> all;
  {
    std::lock_guard guard(peers_mutex);
    for (auto& [node, peer] : peers) all.push_back(peer.get());  // ordered by address
  }
  const Instant now = self.system_.env().clock.now();
  std::vector<NodeAddress> unreachable;
  for (Peer* peer : all) {
    std::lock_guard guard(peer->mutex);
    if (peer->uid == 0) {
      if (!peer->pending.empty() || !peer->system_unacked.empty()) send_handshake(*peer);
      continue;
    }
    Env& env = self.system_.env();
    // BUGGIFY: a lost heartbeat tick, and a handshake repeated after the association is up,
    // probe the failure detector's margin and the handshake's idempotence.
    if (!ORRERY_BUGGIFY(env, "remote.heartbeat.skip")) {
      proto::RemoteFrame heartbeat;
      heartbeat.mutable_heartbeat();
      send_frame(*peer, heartbeat);
    }
    if (ORRERY_BUGGIFY(env, "remote.handshake.repeat")) send_handshake(*peer);
    std::size_t resent = 0;
    for (const proto::SystemMessage& message : peer->system_unacked) {
      if (++resent > 100) break;
      proto::RemoteFrame frame;
      *frame.mutable_system() = message;
      send_frame(*peer, frame);
    }
    if (peer->heard && peer->reachable && now - peer->last_heard > self.config_.unreachable_after) {
      peer->reachable = false;
      counters.unreachable.fetch_add(1, std::memory_order_relaxed);
      self.system_.log(LogLevel::warning, "remote", fmt::format("{} is unreachable (silent for {} ms)",
                       peer->address.to_string(),
                       std::chrono::duration_cast<std::chrono::milliseconds>(now - peer->last_heard).count()));
      unreachable.push_back(peer->address);
    }
  }
  for (const NodeAddress& node : unreachable) node_gone(node);
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

void Remoting::Impl::dead_letter(std::string recipient, std::string_view type, std::string_view reason) {
  self.system_.dead_letter(std::move(recipient), type, reason);
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
