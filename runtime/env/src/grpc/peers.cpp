// The outbound side of GrpcTransport::Impl: per-peer queues with back-pressure, dialling and
// backoff, disconnect, and cancelling everything at shutdown.
#include <grpc/support/time.h>

#include <orrery/core/assert.hpp>

#include "outbound_stream.hpp"
#include "transport_impl.hpp"

namespace orrery {

using grpc_transport::Counters;
using grpc_transport::OutboundStream;

SendStatus GrpcTransport::Impl::send(const NodeAddress& to, Frame frame) {
  if (closed()) return SendStatus::closed;
  if (frame.size() > config_.frame_bytes_max) {
    Counters::add(counters_.too_large_drops);
    return SendStatus::too_large;
  }
  const std::shared_ptr<Peer> peer = find_or_add_peer(to);
  if (peer == nullptr) {
    Counters::add(counters_.overflow_drops);
    errors_.write(LogLevel::warning, "no room for another peer (peers_max " +
                                         std::to_string(config_.peers_max) + "): a frame to " +
                                         to.to_string() + " was refused");
    return SendStatus::overflow;
  }
  OutboundStream* write = nullptr;
  Dial dial;
  {
    std::lock_guard guard(peer->mutex);
    if (closed()) return SendStatus::closed;  // checked under the lock: shutdown sweeps after
    if (peer->queue.size() >= config_.outbound_frames_max ||
        peer->queued_bytes + frame.size() > config_.outbound_bytes_max) {
      Counters::add(counters_.overflow_drops);
      return SendStatus::overflow;
    }
    peer->queued_bytes += frame.size();
    peer->queue.push_back(std::move(frame));
    if (peer->stream != nullptr) {
      if (peer->stream->take_batch_locked()) write = peer->stream;
    } else {
      dial = dial_or_wait_locked(peer);
    }
  }
  // The stream cannot finish while the writer hold is on, which take_batch_locked() keeps.
  if (write != nullptr) write->write_batch();
  launch(peer, std::move(dial));
  return SendStatus::queued;
}

std::shared_ptr<GrpcTransport::Impl::Peer> GrpcTransport::Impl::find_or_add_peer(
    const NodeAddress& to) {
  {
    std::shared_lock guard(peers_mutex_);
    const auto found = peers_.find(to);
    if (found != peers_.end()) return found->second;
  }
  std::lock_guard guard(peers_mutex_);
  const auto found = peers_.find(to);
  if (found != peers_.end()) return found->second;
  if (peers_.size() >= config_.peers_max && !evict_idle_peer_locked()) return nullptr;
  auto peer = std::make_shared<Peer>(to);
  peers_.emplace(to, peer);
  return peer;
}

bool GrpcTransport::Impl::evict_idle_peer_locked() {
  // Only when the table is full: a linear scan for a peer with nothing queued or running.
  for (auto entry = peers_.begin(); entry != peers_.end(); ++entry) {
    // Held only by the table (new holders come through it, and it is locked): nobody can be
    // about to queue to this peer, so no second Peer for the same address can appear.
    if (entry->second.use_count() != 1) continue;
    Peer& peer = *entry->second;
    std::unique_lock lock(peer.mutex, std::try_to_lock);
    if (!lock.owns_lock()) continue;
    if (peer.stream == nullptr && !peer.backoff_pending && peer.queue.empty()) {
      lock.unlock();
      peers_.erase(entry);
      return true;
    }
  }
  return false;
}

GrpcTransport::Impl::Dial GrpcTransport::Impl::dial_or_wait_locked(
    const std::shared_ptr<Peer>& peer) {
  Dial dial;
  if (closed() || peer->stream != nullptr || peer->backoff_pending) return dial;
  const auto now = std::chrono::steady_clock::now();
  if (now < peer->next_attempt_at) {
    peer->backoff_alarm = std::make_shared<grpc::Alarm>();
    peer->backoff_pending = true;
    callback_registered(Side::outbound);
    dial.alarm = peer->backoff_alarm;
    dial.when = peer->next_attempt_at;
    return dial;
  }
  Counters::add(counters_.connect_attempts);
  if (peer->failures > 0) Counters::add(counters_.reconnects);
  callback_registered(Side::outbound);
  peer->stream = new OutboundStream(*this, peer);
  dial.stream = peer->stream;
  return dial;
}

void GrpcTransport::Impl::launch(const std::shared_ptr<Peer>& peer, Dial dial) {
  if (dial.stream != nullptr) dial.stream->begin();
  if (dial.alarm != nullptr) {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        dial.when - std::chrono::steady_clock::now());
    const gpr_timespec deadline =
        gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                     gpr_time_from_millis(std::max<std::int64_t>(wait.count(), 0), GPR_TIMESPAN));
    // A plain pointer: the alarm's callback object may outlive the callback, and must not keep
    // the peer (and its alarm) alive from inside gRPC. The peer outlives the callback: a peer
    // with an alarm pending is never evicted, and shutdown waits for the callback.
    Peer* target = peer.get();
    dial.alarm->Set(deadline, [this, target](bool fired) { on_backoff_done(*target, fired); });
  }
}

void GrpcTransport::Impl::on_backoff_done(Peer& target, bool fired) {
  // Held for this callback only (a peer someone holds is never evicted), and let go before
  // the transport hears that the callback is over.
  std::shared_ptr<Peer> peer = target.shared_from_this();
  Dial next;
  {
    std::lock_guard guard(peer->mutex);
    peer->backoff_pending = false;
    // The alarm's clock and ours may differ by a hair: when it fired, the wait is over, so the
    // alarm is never replaced from inside its own callback.
    if (fired) peer->next_attempt_at = std::chrono::steady_clock::now();
    if (!peer->queue.empty()) next = dial_or_wait_locked(peer);
  }
  launch(peer, std::move(next));
  peer.reset();
  callback_finished(Side::outbound);  // the transport may be gone after this
}

Duration GrpcTransport::Impl::next_reconnect_delay(std::uint32_t failures) {
  std::uint64_t word = 0;
  {
    std::lock_guard guard(random_mutex_);
    word = random_.next();
  }
  return reconnect_delay(config_, failures, word);
}

void GrpcTransport::Impl::disconnect(const NodeAddress& address) {
  std::shared_ptr<Peer> peer;
  {
    std::shared_lock guard(peers_mutex_);
    const auto found = peers_.find(address);
    if (found != peers_.end()) peer = found->second;
  }
  if (peer != nullptr) {
    OutboundStream* stream = nullptr;
    std::shared_ptr<grpc::Alarm> alarm;
    {
      std::lock_guard guard(peer->mutex);
      Counters::add(counters_.link_drops, peer->queue.size());
      peer->queue.clear();
      peer->queued_bytes = 0;
      peer->failures = 0;
      peer->next_attempt_at = {};
      if (peer->stream != nullptr) {
        stream = peer->stream;
        stream->mark_disconnected_locked();
        stream->retain();
      }
      if (peer->backoff_pending) alarm = peer->backoff_alarm;
    }
    if (stream != nullptr) {
      stream->cancel();
      stream->release();
    }
    if (alarm != nullptr) alarm->Cancel();
  }
  cancel_inbound(&address);
}

void GrpcTransport::Impl::cancel_outbound() noexcept {
  ORRERY_ASSERT(closed(), "outbound streams are cancelled only at shutdown");
  std::vector<std::shared_ptr<Peer>> peers;
  {
    std::shared_lock guard(peers_mutex_);
    for (const auto& [address, peer] : peers_)
      peers.push_back(peer);
  }
  for (const auto& peer : peers) {
    OutboundStream* stream = nullptr;
    std::shared_ptr<grpc::Alarm> alarm;
    {
      std::lock_guard guard(peer->mutex);
      Counters::add(counters_.link_drops, peer->queue.size());
      peer->queue.clear();
      peer->queued_bytes = 0;
      stream = peer->stream;
      if (stream != nullptr) stream->retain();
      if (peer->backoff_pending) alarm = peer->backoff_alarm;
    }
    if (stream != nullptr) {
      stream->cancel();
      stream->release();
    }
    if (alarm != nullptr) alarm->Cancel();
  }
}

}  // namespace orrery
