// Remoting's inbound frames: each frame is checked (well formed, from a live incarnation, for
// this incarnation and system) before any peer state exists for it; envelopes are admitted in
// sequence order under the peer's lock and handed to their recipients after it is released,
// because a delivery may run user code (an ask's continuation) that sends to the same peer.

#include <fmt/format.h>

#include <orrery/remote/serialization.hpp>

#include "remoting_impl.hpp"

namespace orrery {

bool Remoting::Impl::admit_frame(const NodeAddress& from, const proto::RemoteFrame& frame) {
  const bool notice = frame.body_case() == proto::RemoteFrame::kQuarantineNotice;
  if (frame.from_uid() != 0 && is_quarantined(from, frame.from_uid())) {
    bad_input(from, "frame from a quarantined incarnation", counters.refused_quarantined);
    // Tell it, so that it stops too; never answer a notice with a notice (no ping-pong when
    // both sides quarantined each other).
    if (!notice) {
      auto [peer, guard] = locked_peer(from);
      send_quarantine_notice(*peer, frame.from_uid());
    }
    return false;
  }
  if (frame.to_uid() != 0 && frame.to_uid() != self.system_.uid()) {
    bad_input(from, "frame for a previous incarnation of this node", counters.refused_stale);
    if (frame.from_uid() == 0 || notice) return false;
    // Tell the sender who answers at this address now, so it stops talking to the past.
    if (std::shared_ptr<Peer> peer = find_peer(from)) {
      std::lock_guard guard(peer->mutex);
      const Instant now = self.system_.env().clock.now();
      if (!peer->handshake_sent ||
          now - peer->handshake_sent_at >= self.config_.heartbeat_interval) {
        send_handshake(*peer);
      }
    } else {
      // No state for a stranger's frame: answer once per frame it sent, keep nothing.
      proto::RemoteFrame handshake;
      set_address(*handshake.mutable_handshake()->mutable_from(), self.address_);
      handshake.mutable_handshake()->set_to_system(from.system);
      handshake.set_from_uid(self.system_.uid());
      (void)self.transport_.send(from, handshake.SerializeAsString());
    }
    return false;
  }
  if (frame.from_uid() == 0) {
    bad_input(from, "frame without a sender incarnation", counters.malformed_frames);
    return false;
  }
  if (frame.body_case() == proto::RemoteFrame::kHandshake &&
      frame.handshake().to_system() != self.system_.name()) {
    bad_input(from, fmt::format("handshake for system '{}'", frame.handshake().to_system()),
              counters.refused_wrong_system);
    return false;
  }
  if (notice && frame.to_uid() == 0) {
    bad_input(from, "quarantine notice without the quarantined incarnation",
              counters.malformed_frames);
    return false;
  }
  return true;
}

void Remoting::on_frame(const NodeAddress& from, Frame frame) {
  impl_->counters.frames_received.fetch_add(1, std::memory_order_relaxed);
  if (impl_->stopped.load(std::memory_order_acquire)) return;
  proto::RemoteFrame parsed;
  if (!parsed.ParseFromString(frame) || parsed.body_case() == proto::RemoteFrame::BODY_NOT_SET) {
    impl_->bad_input(from, "malformed frame", impl_->counters.malformed_frames);
    return;
  }
  if (!impl_->admit_frame(from, parsed)) return;
  auto locked = impl_->locked_peer(from);  // only for a frame that passed
  std::shared_ptr<Peer> peer = std::move(locked.first);
  std::vector<RefusedMessage> refused;  // by a flush of buffered messages
  {
    std::unique_lock guard = std::move(locked.second);
    // Checked again under the lock: a tick may have quarantined it since admit_frame.
    if (impl_->is_quarantined(from, parsed.from_uid())) {
      impl_->bad_input(from, "frame from a quarantined incarnation",
                       impl_->counters.refused_quarantined);
      return;
    }
    std::vector<NodeAddress> gone;
    std::vector<std::pair<std::string, std::uint64_t>> dead;
    if (parsed.body_case() == proto::RemoteFrame::kQuarantineNotice) {
      impl_->on_quarantine_notice(*peer, parsed, gone);
    } else if (impl_->adopt(*peer, parsed.from_uid(), gone)) {
      // The old incarnation's departure goes before anything the new one sent.
      impl_->queue_deaths(*peer, gone, dead);
      impl_->handle_body(*peer, parsed, dead);
    }
    impl_->queue_deaths(*peer, gone, dead);
    refused.swap(peer->refused);
  }
  if (!refused.empty()) impl_->publish_refused(std::move(refused));
  impl_->drain_inbox(*peer);
}

void Remoting::Impl::queue_deaths(Peer& peer, std::vector<NodeAddress>& gone,
                                  std::vector<std::pair<std::string, std::uint64_t>>& dead) {
  for (NodeAddress& node : gone)
    peer.inbox.emplace_back(InboundDeath{std::move(node), {}, 0});
  for (auto& [watchee, uid] : dead)
    peer.inbox.emplace_back(InboundDeath{peer.address, std::move(watchee), uid});
  gone.clear();
  dead.clear();
}

void Remoting::Impl::handle_body(Peer& peer, const proto::RemoteFrame& frame,
                                 std::vector<std::pair<std::string, std::uint64_t>>& dead) {
  peer.last_heard = self.system_.env().clock.now();
  peer.last_active = peer.last_heard;
  peer.heard = true;
  // Messages buffered while the peer was unknown go first, before anything sent from now on
  // (which goes straight out): whatever frame made its incarnation known, order holds.
  if (!peer.pending.empty()) flush_pending(peer);
  switch (frame.body_case()) {
    case proto::RemoteFrame::kHandshake: {
      counters.handshakes.fetch_add(1, std::memory_order_relaxed);
      proto::RemoteFrame ack;
      set_address(*ack.mutable_handshake_ack()->mutable_from(), self.address_);
      send_frame(peer, ack);
      flush_pending(peer);
      break;
    }
    case proto::RemoteFrame::kHandshakeAck:
      counters.handshakes.fetch_add(1, std::memory_order_relaxed);
      flush_pending(peer);
      break;
    case proto::RemoteFrame::kEnvelope:
      deliver(peer, frame.envelope());
      break;
    case proto::RemoteFrame::kSystem:
      on_system(peer, frame.system(), dead);
      break;
    case proto::RemoteFrame::kSystemAck:
      on_system_ack(peer, frame.system_ack().up_to());
      break;
    case proto::RemoteFrame::kHeartbeat:
    case proto::RemoteFrame::kQuarantineNotice:
    case proto::RemoteFrame::BODY_NOT_SET:
      break;
  }
}

bool Remoting::Impl::adopt(Peer& peer, std::uint64_t incarnation, std::vector<NodeAddress>& gone) {
  ORRERY_ASSERT(incarnation != 0, "admit_frame refuses frames without a sender incarnation");
  ORRERY_ASSERT(!is_quarantined(peer.address, incarnation),
                "a quarantined incarnation is refused first");
  peer.handshake_sent = false;  // the round is over: the peer's incarnation is known
  if (peer.uid == incarnation) return true;
  if (peer.uid != 0) {
    // The peer restarted: its old incarnation is quarantined for good, and whatever watched it
    // hears that it is gone.
    remember_quarantined(peer.address, peer.uid);
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

void Remoting::Impl::on_quarantine_notice(Peer& peer, const proto::RemoteFrame& frame,
                                          std::vector<NodeAddress>& gone) {
  ORRERY_ASSERT(frame.to_uid() == self.system_.uid(),
                "admit_frame refuses notices for another incarnation");
  counters.quarantined_by_peer.fetch_add(1, std::memory_order_relaxed);
  self.system_.log(LogLevel::warning, "remote",
                   fmt::format("{} (incarnation {}) quarantined this node: no more traffic with it",
                               peer.address.to_string(), frame.from_uid()));
  if (peer.uid == frame.from_uid()) {
    quarantine(peer, "it quarantined this node");
    gone.push_back(peer.address);
  } else {
    remember_quarantined(peer.address, frame.from_uid());
  }
}

void Remoting::Impl::deliver(Peer& peer, const proto::Envelope& envelope) {
  if (envelope.sequence() <= peer.last_delivered) {
    counters.duplicates_dropped.fetch_add(1, std::memory_order_relaxed);
    return;  // a duplicate, or overtaken by a later one: at most once, in order
  }
  // The sequence is used up only by a message that is delivered, so that one bad frame (a
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
    const bool unknown = decoded.error().code == Errc::not_found &&
                         decoded.error().message.find("unknown manifest") != std::string::npos;
    bad_input(peer.address, decoded.error().message,
              unknown ? counters.unknown_manifests : counters.malformed_frames);
    dead_letter(envelope.recipient(), envelope.manifest(), "undecodable");
    return;
  }
  if (!target->accepts(decoded->type())) {
    counters.undeliverable.fetch_add(1, std::memory_order_relaxed);
    dead_letter(envelope.recipient(), decoded->type_name(), "the actor does not take this type");
    return;
  }
  peer.last_delivered = envelope.sequence();
  if (peer.inbox_messages >= self.config_.inbox_messages_max) {
    // Its recipients are slower than the peer: refuse rather than hold without bound.
    counters.inbox_overflow.fetch_add(1, std::memory_order_relaxed);
    dead_letter(envelope.recipient(), decoded->type_name(), "the peer's inbox is full");
    return;
  }
  ++peer.inbox_messages;
  peer.inbox.emplace_back(
      InboundMessage{std::move(target), envelope.recipient(), std::move(decoded).value()});
}

void Remoting::Impl::drain_inbox(Peer& peer) {
  std::unique_lock lock(peer.mutex);
  // Whoever drains now also takes what others admit meanwhile, so per-peer order holds.
  if (peer.delivering) return;
  peer.delivering = true;
  while (!peer.inbox.empty()) {
    InboundItem next = std::move(peer.inbox.front());
    peer.inbox.pop_front();
    if (std::holds_alternative<InboundMessage>(next)) --peer.inbox_messages;
    lock.unlock();
    // A recipient's user code may throw (bad_alloc, a throwing continuation): it must neither
    // reach the transport's thread nor leave the peer marked as draining, which would wedge it.
    try {
      std::visit([this](auto& item) { hand_over(item); }, next);
    } catch (const std::exception& error) {
      delivery_failed(peer, error.what());
    } catch (...) {
      delivery_failed(peer, "an exception that is not a std::exception");
    }
    lock.lock();
  }
  peer.delivering = false;
}

void Remoting::Impl::delivery_failed(const Peer& peer, std::string_view what) {
  counters.delivery_exceptions.fetch_add(1, std::memory_order_relaxed);
  self.system_.log(LogLevel::error, "remote",
                   fmt::format("a recipient threw while a message from {} was handed over: {}",
                               peer.address.to_string(), what));
}

void Remoting::Impl::hand_over(const InboundDeath& death) {
  if (death.watchee.empty()) {
    node_gone(death.node);
  } else {
    watchee_terminated(death.node, death.watchee, death.watchee_uid);
  }
}

void Remoting::Impl::hand_over(InboundMessage& inbound) {
  bool taken = false;
  try {
    taken = inbound.target->tell_any(inbound.message);
  } catch (const MailboxOverflowError&) {
    return;  // delivered to a full mailbox: counted as a dead letter there
  }
  if (!taken) {  // admit checked accepts(): only a recipient at odds with itself gets here
    counters.undeliverable.fetch_add(1, std::memory_order_relaxed);
    dead_letter(inbound.recipient, inbound.message.type_name(),
                "the actor does not take this type");
    return;
  }
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
    if (CellBase* cell = self.system_.resolve(path))
      resolved = IntrusivePtr<RecipientBase>(&cell->recipient());
  }
  if (!resolved || resolved->terminated()) return nullptr;
  std::lock_guard guard(cache_mutex);
  if (recipients.size() >= self.config_.recipient_cache_max) recipients.clear();
  recipients.emplace(path, resolved);
  return resolved;
}

void Remoting::on_link_up(const NodeAddress& peer) {
  if (impl_->stopped.load(std::memory_order_acquire)) return;
  std::shared_ptr<Peer> state = impl_->find_peer(peer);  // a link alone makes no peer
  if (!state) return;
  std::lock_guard guard(state->mutex);
  if (state->uid == 0 && !state->pending.empty()) impl_->send_handshake(*state);
}

void Remoting::on_link_down(const NodeAddress& peer) {
  // Links drop and come back (reconnects); reachability is the heartbeats' call.
  system_.log(LogLevel::debug, "remote", "link down: " + peer.to_string());
}

}  // namespace orrery
