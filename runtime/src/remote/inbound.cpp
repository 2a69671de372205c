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
      resend_handshake(*peer);
    } else {
      // No state for a stranger's frame: answer once per frame it sent, keep nothing.
      proto::RemoteFrame handshake;
      set_address(*handshake.mutable_handshake()->mutable_from(), self.address_);
      handshake.mutable_handshake()->set_to_system(from.system);
      handshake.mutable_handshake()->set_age_ms(age_ms(self.system_.env().clock.now()));
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
  std::vector<UndeliveredMessage> undelivered;
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
    } else if (impl_->adopt(*peer, parsed, gone)) {
      // The old incarnation's departure goes before anything the new one sent.
      impl_->queue_deaths(*peer, gone, dead);
      impl_->handle_body(*peer, parsed, dead);
    }
    impl_->queue_deaths(*peer, gone, dead);
    refused.swap(peer->refused);
    undelivered.swap(peer->undelivered);
  }
  // Dead letters reach the event stream's subscribers, one of which may be a remote ref to this
  // very peer: published without its lock.
  if (!refused.empty()) impl_->publish_refused(std::move(refused));
  if (!undelivered.empty()) impl_->publish_undelivered(std::move(undelivered));
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
      ack.mutable_handshake_ack()->set_age_ms(age_ms(peer.last_heard));
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

bool Remoting::Impl::adopt(Peer& peer, const proto::RemoteFrame& frame,
                           std::vector<NodeAddress>& gone) {
  const std::uint64_t incarnation = frame.from_uid();
  ORRERY_ASSERT(incarnation != 0, "admit_frame refuses frames without a sender incarnation");
  ORRERY_ASSERT(!is_quarantined(peer.address, incarnation),
                "a quarantined incarnation is refused first");
  if (peer.uid == incarnation) {
    peer.handshake_sent = false;  // the round is over: the peer's incarnation is known
    return true;
  }
  if (peer.uid == 0) {
    if (std::optional<Instant> fired_at = fired_unknown_at(peer.address)) {
      if (!proven_new(peer, frame, *fired_at, gone)) return false;
    }
  }
  peer.handshake_sent = false;
  if (peer.uid != 0) {
    // The peer restarted: its old incarnation is quarantined for good, and whatever watched it
    // hears that it is gone.
    remember_quarantined(peer.address, peer.uid, /*latest=*/false);
    counters.quarantines.fetch_add(1, std::memory_order_relaxed);
    self.system_.log(LogLevel::warning, "remote",
                     fmt::format("{} restarted (incarnation {} replaces {}): old one quarantined",
                                 peer.address.to_string(), incarnation, peer.uid));
    gone.push_back(peer.address);
    peer.system_unacked.clear();
    peer.system_next_out = 1;
  }
  // Nothing numbered went out to an unknown incarnation: the new one gets 1, 2, ... as it expects.
  ORRERY_ASSERT(peer.system_next_out == peer.system_unacked.size() + 1,
                "system messages kept for an unknown incarnation are numbered from 1");
  ORRERY_ASSERT(peer.system_unacked.empty() || peer.system_unacked.front().sequence() == 1,
                "the first system message to a new incarnation is number 1");
  peer.uid = incarnation;
  peer.last_delivered = 0;
  peer.system_next_in = 1;
  forget_gone(peer.address);
  return true;
}

namespace {

/// The age its sender's remoting had when it sent the frame, if the frame is a handshake.
std::optional<std::uint64_t> handshake_age_ms(const proto::RemoteFrame& frame) {
  if (frame.has_handshake() && frame.handshake().has_age_ms()) return frame.handshake().age_ms();
  if (frame.has_handshake_ack() && frame.handshake_ack().has_age_ms()) {
    return frame.handshake_ack().age_ms();
  }
  return std::nullopt;
}

}  // namespace

// Watches of this address fired at `fired_at` while no incarnation of it was known (its handshake
// timed out): Terminated is final, so the incarnation that was running then must never deliver.
// Remoting cannot quarantine a uid it never learnt, so it asks each new incarnation its age: one
// that started after the firing (by more than a heartbeat interval, a margin for latency and
// drift) is a restart and is adopted; one older is the buried one and is quarantined. A frame
// without an age (not a handshake) proves nothing: it is dropped and a handshake asks again.
bool Remoting::Impl::proven_new(Peer& peer, const proto::RemoteFrame& frame, Instant fired_at,
                                std::vector<NodeAddress>& gone) {
  ORRERY_ASSERT(peer.uid == 0, "only an unknown incarnation proves its age");
  const std::uint64_t incarnation = frame.from_uid();
  const bool handshake = frame.has_handshake() || frame.has_handshake_ack();
  const std::optional<std::uint64_t> age_ms = handshake_age_ms(frame);
  if (!handshake) {
    counters.refused_unproven.fetch_add(1, std::memory_order_relaxed);
    resend_handshake(peer);
    return false;
  }
  const Instant now = self.system_.env().clock.now();
  const auto since_fired_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - fired_at).count());
  const auto margin_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(self.config_.heartbeat_interval)
          .count());
  if (age_ms && *age_ms <= since_fired_ms && since_fired_ms - *age_ms >= margin_ms) return true;
  remember_quarantined(peer.address, incarnation, /*latest=*/true);
  counters.quarantines.fetch_add(1, std::memory_order_relaxed);
  counters.quarantined_unproven.fetch_add(1, std::memory_order_relaxed);
  self.system_.log(
      LogLevel::warning, "remote",
      fmt::format("{} incarnation {} quarantined: it was up {} ms ago, when watches of it fired "
                  "for a handshake that timed out; nothing from it is delivered",
                  peer.address.to_string(), incarnation, since_fired_ms));
  peer.quarantine_notice_sent = false;
  send_quarantine_notice(peer, incarnation);
  gone.push_back(peer.address);  // watches made since fire as well
  return false;
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
    remember_quarantined(peer.address, frame.from_uid(), /*latest=*/peer.uid == 0);
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
    peer.undelivered.push_back(
        {envelope.recipient(), envelope.manifest(),
         target ? "stale ref: another incarnation of the actor" : "no such actor"});
    return;
  }
  auto decoded = self.system_.serialization().decode(envelope.manifest(), envelope.payload(), self);
  if (!decoded.ok()) {
    const bool unknown = decoded.error().code == Errc::not_found &&
                         decoded.error().message.find("unknown manifest") != std::string::npos;
    bad_input(peer.address, decoded.error().message,
              unknown ? counters.unknown_manifests : counters.malformed_frames);
    peer.undelivered.push_back({envelope.recipient(), envelope.manifest(), "undecodable"});
    return;
  }
  if (!target->accepts(decoded->type())) {
    counters.undeliverable.fetch_add(1, std::memory_order_relaxed);
    peer.undelivered.push_back({envelope.recipient(), std::string(decoded->type_name()),
                                "the actor does not take this type"});
    return;
  }
  peer.last_delivered = envelope.sequence();
  if (peer.inbox_messages >= self.config_.inbox_messages_max) {
    // Its recipients are slower than the peer: refuse rather than hold without bound.
    counters.inbox_overflow.fetch_add(1, std::memory_order_relaxed);
    peer.undelivered.push_back(
        {envelope.recipient(), std::string(decoded->type_name()), "the peer's inbox is full"});
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

void Remoting::Impl::publish_undelivered(std::vector<UndeliveredMessage> undelivered) {
  for (UndeliveredMessage& message : undelivered)
    dead_letter(std::move(message.recipient), message.type_name, message.reason);
}

void Remoting::Impl::delivery_failed(const Peer& peer, std::string_view what) {
  counters.delivery_exceptions.fetch_add(1, std::memory_order_relaxed);
  self.system_.log(LogLevel::error, "remote",
                   fmt::format("a recipient threw while a message from {} was handed over: {}",
                               peer.address.to_string(), what));
}

void Remoting::Impl::hand_over(const InboundDeath& death) {
  if (death.watchee.empty()) {
    node_gone(death.node, death.incarnation_unknown);
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
