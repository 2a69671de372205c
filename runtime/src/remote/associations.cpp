// The life of an association, driven by the heartbeat tick: heartbeats and unreachability,
// handshake retries with backoff and their timeout, quarantine (final: a peer reported
// Terminated never delivers again, and is told so), and forgetting idle peers. Every wait here
// has a timeout and every collection a bound, both from RemoteConfig.

#include <fmt/format.h>

#include "remoting_impl.hpp"

namespace orrery {

namespace {

std::int64_t to_ms(Duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

}  // namespace

std::pair<std::shared_ptr<Peer>, std::unique_lock<std::mutex>> Remoting::Impl::locked_peer(
    const NodeAddress& node) {
  // A peer removed between the map lookup and its lock is dead state: look again. The tick
  // removes a peer only when it is idle, so the second look finds a fresh one.
  for (int attempt = 0;; ++attempt) {
    ORRERY_ASSERT(attempt < 8, "a peer keeps being removed under its users");
    std::shared_ptr<Peer> peer = peer_for(node);
    std::unique_lock lock(peer->mutex);
    if (!peer->removed) return {std::move(peer), std::move(lock)};
  }
}

bool Remoting::Impl::is_quarantined(const NodeAddress& node, std::uint64_t incarnation) const {
  std::lock_guard guard(quarantine_mutex);
  auto found = node_records.find(node);
  if (found == node_records.end()) return false;
  const std::deque<std::uint64_t>& list = found->second.quarantined;
  return std::find(list.begin(), list.end(), incarnation) != list.end();
}

bool Remoting::Impl::is_gone(const NodeAddress& node) const {
  std::lock_guard guard(quarantine_mutex);
  auto found = node_records.find(node);
  return found != node_records.end() && found->second.gone;
}

std::optional<Instant> Remoting::Impl::fired_unknown_at(const NodeAddress& node) const {
  std::lock_guard guard(quarantine_mutex);
  auto found = node_records.find(node);
  if (found == node_records.end()) return std::nullopt;
  return found->second.fired_unknown_at;
}

NodeRecord& Remoting::Impl::touch_record(const NodeAddress& node) {
  NodeRecord& record = node_records[node];
  record.touched = ++records_touched;
  if (node_records.size() > self.config_.quarantined_nodes_max) {
    // The record changed least recently goes (never the one just touched): the stalest memory
    // is the least likely to meet its incarnation again. A scan, only when the bound is hit.
    auto victim = node_records.end();
    for (auto it = node_records.begin(); it != node_records.end(); ++it) {
      if (victim == node_records.end() || it->second.touched < victim->second.touched) victim = it;
    }
    ORRERY_ASSERT(victim->first != node, "the record just touched is the newest");
    node_records.erase(victim);
  }
  ORRERY_ASSERT(node_records.size() <= self.config_.quarantined_nodes_max,
                "node records stay within quarantined_nodes_max");
  return node_records.at(node);
}

void Remoting::Impl::remember_quarantined(const NodeAddress& node, std::uint64_t incarnation,
                                          bool latest) {
  ORRERY_ASSERT(incarnation != 0, "only a known incarnation is quarantined");
  std::lock_guard guard(quarantine_mutex);
  NodeRecord& record = touch_record(node);
  if (latest) record.gone = true;
  std::deque<std::uint64_t>& list = record.quarantined;
  if (std::find(list.begin(), list.end(), incarnation) != list.end()) return;
  list.push_back(incarnation);
  if (list.size() > self.config_.quarantined_max) list.pop_front();
}

void Remoting::Impl::remember_fired_unknown(const NodeAddress& node, Instant when) {
  std::lock_guard guard(quarantine_mutex);
  NodeRecord& record = touch_record(node);
  // The first firing counts: an incarnation running then is the one its watchers buried.
  if (!record.fired_unknown_at) record.fired_unknown_at = when;
}

void Remoting::Impl::forget_gone(const NodeAddress& node) {
  std::lock_guard guard(quarantine_mutex);
  auto found = node_records.find(node);
  if (found == node_records.end()) return;
  found->second.gone = false;
  found->second.fired_unknown_at.reset();
}

void Remoting::Impl::send_quarantine_notice(Peer& peer, std::uint64_t incarnation) {
  const Instant now = self.system_.env().clock.now();
  if (peer.quarantine_notice_sent &&
      now - peer.quarantine_notice_sent_at < self.config_.heartbeat_interval) {
    return;  // one notice per heartbeat interval is enough: the peer may be flooding us
  }
  peer.quarantine_notice_sent = true;
  peer.quarantine_notice_sent_at = now;
  proto::RemoteFrame frame;
  frame.mutable_quarantine_notice();
  frame.set_to_uid(incarnation);  // send_frame keeps a notice's to_uid
  send_frame(peer, frame);
  counters.quarantine_notices_sent.fetch_add(1, std::memory_order_relaxed);
}

void Remoting::Impl::quarantine(Peer& peer, std::string_view why) {
  ORRERY_ASSERT(peer.uid != 0, "only an association with a known incarnation is quarantined");
  const std::uint64_t incarnation = peer.uid;
  remember_quarantined(peer.address, incarnation, /*latest=*/true);
  counters.quarantines.fetch_add(1, std::memory_order_relaxed);
  self.system_.log(
      LogLevel::warning, "remote",
      fmt::format("{} incarnation {} quarantined ({}): nothing from it is delivered again",
                  peer.address.to_string(), incarnation, why));
  peer.quarantine_notice_sent = false;  // the first notice goes now
  send_quarantine_notice(peer, incarnation);
  // Back to "no association": only a new incarnation of the peer is adopted from here on.
  peer.uid = 0;
  peer.handshake_sent = false;
  peer.heard = false;
  peer.last_delivered = 0;
  peer.system_unacked.clear();
  peer.system_next_out = 1;
  peer.system_next_in = 1;
}

bool Remoting::Impl::retry_handshake(Peer& peer, Instant now,
                                     std::vector<PendingEnvelope>& expired) {
  ORRERY_ASSERT(peer.uid == 0,
                "a handshake is retried only while the peer's incarnation is unknown");
  if (peer.pending.empty() && peer.system_unacked.empty()) {
    peer.handshake_sent = false;  // nothing waits for it
    return false;
  }
  if (!peer.handshake_sent) {
    send_handshake(peer);
    return false;
  }
  const RemoteConfig& config = self.config_;
  if (now - peer.handshake_started_at >= config.handshake_timeout) {
    counters.handshake_timeouts.fetch_add(1, std::memory_order_relaxed);
    counters.pending_expired.fetch_add(peer.pending.size(), std::memory_order_relaxed);
    self.system_.log(
        LogLevel::warning, "remote",
        fmt::format("handshake with {} timed out after {} ms ({} attempts): {} buffered "
                    "messages to dead letters, its watchers told Terminated",
                    peer.address.to_string(), to_ms(now - peer.handshake_started_at),
                    peer.handshake_attempts, peer.pending.size()));
    for (PendingEnvelope& envelope : peer.pending)
      expired.push_back(std::move(envelope));
    peer.pending.clear();
    // The watches they carried fire now (node_gone). None of them went out (the incarnation
    // was never known), so the next round numbers from 1 again, as the peer expects.
    peer.system_unacked.clear();
    peer.system_next_out = 1;
    peer.handshake_sent = false;
    return true;
  }
  Duration wait = config.handshake_retry_interval;
  for (std::uint32_t i = 1;
       i < peer.handshake_attempts && wait < config.handshake_retry_interval_max; ++i) {
    wait *= 2;
  }
  wait = std::min(wait, config.handshake_retry_interval_max);
  if (now - peer.handshake_sent_at >= wait) send_handshake(peer);
  return false;
}

void Remoting::Impl::tick_peer(Peer& peer, Instant now, std::vector<NodeAddress>& gone,
                               std::vector<PendingEnvelope>& expired) {
  if (peer.uid == 0) {
    if (retry_handshake(peer, now, expired)) {
      std::vector<std::pair<std::string, std::uint64_t>> no_watchees;
      queue_deaths(peer, gone, no_watchees);  // whatever the inbox held goes first
      peer.inbox.emplace_back(InboundDeath{peer.address, {}, 0, /*incarnation_unknown=*/true});
    }
    return;
  }
  Env& env = self.system_.env();
  // BUGGIFY: a lost heartbeat tick, and a handshake repeated after the association is up,
  // probe the failure detector's margin and the handshake's idempotence.
  if (!ORRERY_BUGGIFY(env, "remote.heartbeat.skip")) {
    proto::RemoteFrame heartbeat;
    heartbeat.mutable_heartbeat();
    send_frame(peer, heartbeat);
  }
  if (ORRERY_BUGGIFY(env, "remote.handshake.repeat")) send_handshake(peer);
  std::size_t resent = 0;
  for (const proto::SystemMessage& message : peer.system_unacked) {
    if (++resent > 100) break;
    proto::RemoteFrame frame;
    *frame.mutable_system() = message;
    send_frame(peer, frame);
  }
  if (peer.refusing && now - peer.refusing_since > self.config_.unreachable_after) {
    // The transport took nothing for this peer (its queue stays full: a stalled link or a peer
    // that stopped reading), not even the heartbeat just sent. Unacknowledged system messages
    // (a Watch, a DeathNotice) are kept and resent each tick, but cannot get through: rather
    // than let a watch wait forever while the peer may still be heard, the peer is given up as
    // unreachable, so its watchers hear Terminated (final, as for a silent peer).
    counters.unreachable.fetch_add(1, std::memory_order_relaxed);
    counters.refusing_unreachable.fetch_add(1, std::memory_order_relaxed);
    self.system_.log(
        LogLevel::warning, "remote",
        fmt::format("{} is unreachable (the transport refused every frame to it for {} ms)",
                    peer.address.to_string(), to_ms(now - peer.refusing_since)));
    peer.refusing = false;
    quarantine(peer, "its link takes no frames");
    gone.push_back(peer.address);
    return;
  }
  if (peer.heard && now - peer.last_heard > self.config_.unreachable_after) {
    counters.unreachable.fetch_add(1, std::memory_order_relaxed);
    self.system_.log(LogLevel::warning, "remote",
                     fmt::format("{} is unreachable (silent for {} ms)", peer.address.to_string(),
                                 to_ms(now - peer.last_heard)));
    // Its watchers hear Terminated now; Terminated is final, so that incarnation is done for.
    quarantine(peer, "unreachable");
    gone.push_back(peer.address);
  }
}

void Remoting::Impl::tick() {
  if (stopped.load(std::memory_order_acquire)) return;
  std::vector<std::shared_ptr<Peer>> all;
  {
    std::lock_guard guard(peers_mutex);
    for (auto& [node, peer] : peers)
      all.push_back(peer);  // ordered by address
  }
  const Instant now = self.system_.env().clock.now();
  std::vector<PendingEnvelope> expired;
  std::vector<std::shared_ptr<Peer>> departed;
  for (const std::shared_ptr<Peer>& peer : all) {
    std::lock_guard guard(peer->mutex);
    if (peer->removed) continue;
    std::vector<NodeAddress> gone;
    const std::size_t queued = peer->inbox.size();
    tick_peer(*peer, now, gone, expired);
    // Through the peer's inbox: the departure comes after the messages it admitted before.
    std::vector<std::pair<std::string, std::uint64_t>> no_watchees;
    queue_deaths(*peer, gone, no_watchees);
    if (peer->inbox.size() > queued) departed.push_back(peer);
  }
  for (PendingEnvelope& envelope : expired) {
    dead_letter(std::move(envelope.recipient), envelope.type_name, "remote handshake timed out");
  }
  for (const std::shared_ptr<Peer>& peer : departed)
    drain_inbox(*peer);
  remove_idle_peers(now);
  log_evictions();
  log_refusals();
}

// Once per tick, not per eviction: a flood of unanswered reply slots would flood the log too.
void Remoting::Impl::log_evictions() {
  const std::uint64_t evicted = self.system_.exported_refs().evicted();
  const std::uint64_t logged = evictions_logged.exchange(evicted, std::memory_order_relaxed);
  if (evicted <= logged) return;
  self.system_.log(LogLevel::warning, "remote",
                   fmt::format("forgot {} refs written to the wire (ask reply slots, adapters) "
                               "over remote.exported-refs-max = {}: replies to them go to dead "
                               "letters",
                               evicted - logged, self.config_.exported_refs_max));
}

void Remoting::Impl::remove_idle_peers(Instant now) {
  std::set<NodeAddress> watched;
  {
    std::lock_guard guard(watches_mutex);
    for (const auto& [key, watch] : watches)
      watched.insert(watch.node);
  }
  std::vector<NodeAddress> removed;
  {
    std::lock_guard guard(peers_mutex);
    for (auto it = peers.begin(); it != peers.end();) {  // ordered by address: deterministic
      const std::shared_ptr<Peer> keep = it->second;     // outlives the lock below
      Peer& peer = *keep;
      std::lock_guard peer_guard(peer.mutex);
      const bool idle = peer.uid == 0 && !peer.handshake_sent && peer.pending.empty() &&
                        peer.system_unacked.empty() && peer.inbox.empty() && !peer.delivering &&
                        watched.count(peer.address) == 0 &&
                        now - peer.last_active >= self.config_.peer_idle_timeout;
      if (!idle) {
        ++it;
        continue;
      }
      peer.removed = true;
      removed.push_back(peer.address);
      it = peers.erase(it);
    }
  }
  for (const NodeAddress& node : removed) {
    counters.peers_removed.fetch_add(1, std::memory_order_relaxed);
    self.system_.log(LogLevel::debug, "remote", "forgot idle peer " + node.to_string());
  }
}

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

}  // namespace orrery
