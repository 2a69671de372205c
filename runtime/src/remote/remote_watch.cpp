// Death watch across nodes. Watching a remote actor sends a Watch to its node, where the
// remote-watcher actor (/system/remote-watcher) watches it locally on the watcher's behalf and
// answers its termination with a DeathNotice. These system messages are numbered, acknowledged
// and resent until acknowledged, so a lossy network delays them but does not lose them; if more
// than system_messages_max wait unacknowledged, delivery gives up and the peer is quarantined.
// When a node becomes unreachable or restarts, every watch of its actors fires at once.

#include <fmt/format.h>

#include <orrery/remote/local_refs.hpp>

#include "remoting_impl.hpp"

namespace orrery {

std::string Remoting::Impl::watch_key(const NodeAddress& node, std::string_view path,
                                      std::uint64_t uid) {
  // One incarnation of an actor is one watch: a watch of the old one must not be answered by
  // the death (or life) of its successor at the same path.
  return fmt::format("{}{}#{}", node.to_string(), path, uid);
}

bool Remoting::Impl::send_system(Peer& peer, proto::SystemMessage message) {
  if (peer.system_unacked.size() >= self.config_.system_messages_max) {
    // Dropping one would wedge the channel for good: the peer takes system messages only in
    // sequence, so it would wait for the dropped number forever and refuse all after it.
    give_up_system_delivery(peer);
    return false;
  }
  message.set_sequence(peer.system_next_out++);
  peer.system_unacked.push_back(message);
  if (peer.uid == 0) {
    // Sent once the peer's incarnation is known (flush_pending); retries are the tick's.
    if (!peer.handshake_sent) send_handshake(peer);
    return true;
  }
  proto::RemoteFrame frame;
  *frame.mutable_system() = std::move(message);
  send_frame(peer, frame);
  return true;
}

void Remoting::Impl::give_up_system_delivery(Peer& peer) {
  counters.system_delivery_gave_up.fetch_add(1, std::memory_order_relaxed);
  self.system_.log(LogLevel::error, "remote",
                   fmt::format("death watch messages to {} unacknowledged over "
                               "system-messages-max = {}: delivery given up, its watches fire",
                               peer.address.to_string(), self.config_.system_messages_max));
  const bool known = peer.uid != 0;
  if (known) {
    quarantine(peer, "system message delivery gave up");  // resets the numbering as well
  } else {
    // Nothing of them went out: the next round numbers from 1. The departure below guards the
    // address (NodeRecord::fired_unknown_at) when a watch fires.
    peer.system_unacked.clear();
    peer.system_next_out = 1;
  }
  std::vector<NodeAddress> gone;
  std::vector<std::pair<std::string, std::uint64_t>> dead;
  queue_deaths(peer, gone, dead);
  peer.inbox.emplace_back(InboundDeath{peer.address, {}, 0, /*incarnation_unknown=*/!known});
}

void Remoting::Impl::on_system(Peer& peer, const proto::SystemMessage& message,
                               std::vector<std::pair<std::string, std::uint64_t>>& dead) {
  if (message.sequence() == peer.system_next_in) {
    ++peer.system_next_in;
    switch (message.kind_case()) {
      case proto::SystemMessage::kWatch:
      case proto::SystemMessage::kUnwatch: {
        const proto::Watch& watch = message.kind_case() == proto::SystemMessage::kWatch
                                        ? message.watch()
                                        : message.unwatch();
        RemoteWatchCommand command;
        command.kind = message.kind_case() == proto::SystemMessage::kWatch
                           ? RemoteWatchCommand::Kind::watch
                           : RemoteWatchCommand::Kind::unwatch;
        command.node = peer.address;
        command.watchee = watch.watchee();
        command.watchee_uid = watch.watchee_uid();
        if (remote_watcher) remote_watcher.tell(std::move(command));
        break;
      }
      case proto::SystemMessage::kDeathNotice:
        dead.emplace_back(message.death_notice().watchee(), message.death_notice().watchee_uid());
        break;
      case proto::SystemMessage::KIND_NOT_SET:
        bad_input(peer.address, "system message without a kind", counters.malformed_frames);
        break;
    }
  }
  // Duplicates and early ones are acknowledged as well: the sender resends what is missing.
  proto::RemoteFrame ack;
  ack.mutable_system_ack()->set_up_to(peer.system_next_in - 1);
  send_frame(peer, ack);
}

void Remoting::Impl::on_system_ack(Peer& peer, std::uint64_t up_to) {
  while (!peer.system_unacked.empty() && peer.system_unacked.front().sequence() <= up_to) {
    peer.system_unacked.pop_front();
  }
}

void Remoting::Impl::send_death_notice(const NodeAddress& node, const std::string& watchee,
                                       std::uint64_t uid) {
  if (stopped.load(std::memory_order_acquire)) return;
  auto [peer, guard] = locked_peer(node);
  proto::SystemMessage message;
  message.mutable_death_notice()->set_watchee(watchee);
  message.mutable_death_notice()->set_watchee_uid(uid);
  if (send_system(*peer, std::move(message))) return;
  guard.unlock();
  drain_inbox(*peer);
}

namespace {

void notify_watchers(const OutgoingWatch& watch) {
  for (const UntypedActorRef& watcher : watch.watchers) {
    if (CellBase* cell = watcher.recipient()->as_cell()) {
      auto* notice = new SystemMessage(SystemMessage::Kind::death_notice);
      notice->ref = watch.remote;
      cell->post_system(notice);
    }
  }
}

}  // namespace

void Remoting::Impl::node_gone(const NodeAddress& node, bool incarnation_unknown) {
  std::vector<OutgoingWatch> fired;
  {
    std::lock_guard guard(watches_mutex);
    for (auto it = watches.begin(); it != watches.end();) {  // ordered by key: deterministic
      if (it->second.node == node) {
        fired.push_back(std::move(it->second));
        it = watches.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Terminated is final: with no incarnation to quarantine, the address remembers when its
  // watches fired, and whatever incarnation was up then is refused later (proven_new).
  if (incarnation_unknown && !fired.empty()) {
    remember_fired_unknown(node, self.system_.env().clock.now());
  }
  for (const OutgoingWatch& watch : fired)
    notify_watchers(watch);
  if (remote_watcher) {
    RemoteWatchCommand command;
    command.kind = RemoteWatchCommand::Kind::node_gone;
    command.node = node;
    remote_watcher.tell(std::move(command));
  }
}

void Remoting::Impl::watchee_terminated(const NodeAddress& node, const std::string& watchee,
                                        std::uint64_t uid) {
  // The incarnation `uid` died: its own watch fires, and a watch of whatever lives at the path
  // (uid 0) too. A notice with uid 0 answers a path-only watch.
  std::vector<OutgoingWatch> fired;
  {
    std::lock_guard guard(watches_mutex);
    for (std::uint64_t key_uid : {uid, std::uint64_t{0}}) {
      auto found = watches.find(watch_key(node, watchee, key_uid));
      if (found == watches.end()) continue;
      fired.push_back(std::move(found->second));
      watches.erase(found);
      if (uid == 0) break;
    }
  }
  for (const OutgoingWatch& watch : fired)
    notify_watchers(watch);
}

// Watch and Unwatch of one key go out in the order they were decided: the decision (the first
// watcher of a key sends Watch, the last one to leave sends Unwatch) and the send are one
// critical section under the peer's lock, which every decision about a key of that node takes.
// Decided under watches_mutex alone and sent later, two threads could put an Unwatch decided
// first behind a Watch decided second: the watched node would forget a watch this node still
// holds (or keep one it dropped). Lock order: the peer's lock, then watches_mutex, nested
// here only; nothing takes a peer's lock under watches_mutex, and no user code runs under either.
void Remoting::watch_remote(const RecipientBase& remote, const ActorAddress& target,
                            CellBase& watcher) {
  const std::string key = Impl::watch_key(target.node, target.path, target.uid);
  const UntypedActorRef self = watcher.self_untyped();
  bool gone = false;
  bool gave_up = false;
  std::shared_ptr<Peer> peer_held;
  {
    auto [peer, peer_guard] = impl_->locked_peer(target.node);
    peer_held = peer;
    bool first = false;
    {
      std::lock_guard guard(impl_->watches_mutex);
      auto [it, inserted] = impl_->watches.try_emplace(key);
      OutgoingWatch& watch = it->second;
      if (inserted) {
        watch.node = target.node;
        watch.path = target.path;
        watch.uid = target.uid;
        watch.remote =
            UntypedActorRef(IntrusivePtr<RecipientBase>(const_cast<RecipientBase*>(&remote)));
        first = true;
      }
      if (std::find(watch.watchers.begin(), watch.watchers.end(), self) == watch.watchers.end()) {
        watch.watchers.push_back(self);
      }
      ORRERY_ASSERT(!watch.watchers.empty(), "a watch is held only for its watchers");
    }
    // A node whose latest incarnation was quarantined is gone until a new one is adopted: the
    // watch fires now rather than after a handshake it cannot complete (Akka answers a Watch to
    // a quarantined association with an address-terminated notification).
    ORRERY_ASSERT(peer->uid == 0 || !impl_->is_gone(target.node),
                  "an adopted incarnation is never gone");
    gone = impl_->is_gone(target.node) || impl_->stopped.load(std::memory_order_acquire);
    if (!gone && first) {
      proto::SystemMessage message;
      message.mutable_watch()->set_watchee(target.path);
      message.mutable_watch()->set_watchee_uid(target.uid);
      message.mutable_watch()->set_watcher(watcher.path());
      gave_up = !impl_->send_system(*peer, std::move(message));
    }
  }
  if (gave_up) impl_->drain_inbox(*peer_held);  // the watch just made fires with the rest
  if (gone) impl_->watchee_terminated(target.node, target.path, target.uid);
}

void Remoting::unwatch_remote(const ActorAddress& target, CellBase& watcher) {
  const std::string key = Impl::watch_key(target.node, target.path, target.uid);
  const UntypedActorRef self = watcher.self_untyped();
  {
    // A watch that fired already (or never was) needs no peer: do not make one for it.
    std::lock_guard guard(impl_->watches_mutex);
    if (!impl_->watches.contains(key)) return;
  }
  OutgoingWatch removed;  // released after the locks: it may hold the last ref of its recipient
  auto [peer, peer_guard] = impl_->locked_peer(target.node);
  {
    std::lock_guard guard(impl_->watches_mutex);
    auto found = impl_->watches.find(key);
    if (found == impl_->watches.end()) return;  // fired meanwhile
    std::erase(found->second.watchers, self);
    if (!found->second.watchers.empty()) return;
    removed = std::move(found->second);
    impl_->watches.erase(found);
  }
  if (impl_->stopped.load(std::memory_order_acquire)) return;
  proto::SystemMessage message;
  message.mutable_unwatch()->set_watchee(target.path);
  message.mutable_unwatch()->set_watchee_uid(target.uid);
  message.mutable_unwatch()->set_watcher(watcher.path());
  if (impl_->send_system(*peer, std::move(message))) return;
  peer_guard.unlock();
  impl_->drain_inbox(*peer);
}

std::size_t Remoting::watches_held() const {
  std::lock_guard guard(impl_->watches_mutex);
  return impl_->watches.size();
}

std::size_t Remoting::watched_for_peers() const {
  return static_cast<std::size_t>(impl_->watched_for_peers.load(std::memory_order_acquire));
}

namespace {

/// What lives at `path` on this node now (exported ref or actor cell), if it still lives.
IntrusivePtr<RecipientBase> live_at(ActorSystem& system, const std::string& path) {
  IntrusivePtr<RecipientBase> local = system.exported_refs().find(path);
  if (!local) {
    if (CellBase* cell = system.resolve(path))
      local = IntrusivePtr<RecipientBase>(&cell->recipient());
  }
  if (local && local->terminated()) return {};
  return local;
}

/// A watch another node holds on a local incarnation: the node and the uid its Watch named (the
/// incarnation's, or 0 for whatever lived at the path when it came).
using PeerWatch = std::pair<NodeAddress, std::uint64_t>;

/// One local incarnation the remote-watcher watches, and the watches other nodes hold on it. A
/// node may hold two on one incarnation, by uid and by path only: each is undone by its own
/// Unwatch, so they are kept apart. An entry lives only while it holds a watch.
struct Watched {
  UntypedActorRef ref;
  std::set<PeerWatch> watches;
};
// Keyed by path and uid: incarnation #2 at a path is watched while #1's Terminated may still be
// on its way, and one's death must never be reported as the other's.
using WatchedKey = std::pair<std::string, std::uint64_t>;
using WatchedMap = std::map<WatchedKey, Watched>;

/// The entry a Watch names: its incarnation's, or with uid 0 that of whatever lives at the path.
/// `local` is set to what lives there when the entry had to be looked up.
WatchedMap::iterator find_watched(WatchedMap& watched, ActorSystem& system,
                                  const RemoteWatchCommand& command,
                                  IntrusivePtr<RecipientBase>& local) {
  if (command.watchee_uid != 0) {
    auto found = watched.find(WatchedKey{command.watchee, command.watchee_uid});
    if (found != watched.end()) return found;
  }
  local = live_at(system, command.watchee);
  if (!local) return watched.end();
  if (command.watchee_uid != 0 && local->uid() != command.watchee_uid) {
    local = {};  // nothing at the path has that uid: the incarnation named is gone
    return watched.end();
  }
  return watched.find(WatchedKey{command.watchee, local->uid()});
}

/// The entry that holds the watch an Unwatch undoes. A path-only watch stays with the
/// incarnation that lived at the path when it came, even if another lives there now.
WatchedMap::iterator find_unwatched(WatchedMap& watched, const RemoteWatchCommand& command) {
  const PeerWatch watch{command.node, command.watchee_uid};
  if (command.watchee_uid != 0) {
    auto found = watched.find(WatchedKey{command.watchee, command.watchee_uid});
    if (found != watched.end() && found->second.watches.contains(watch)) return found;
    return watched.end();
  }
  // The path's incarnations, by uid: a handful at most (a dead one's Terminated on its way).
  for (auto it = watched.lower_bound(WatchedKey{command.watchee, 0});
       it != watched.end() && it->first.first == command.watchee; ++it) {
    if (it->second.watches.contains(watch)) return it;
  }
  return watched.end();
}

/// The remote-watcher's state and what it does with each command and Terminated.
class RemoteWatcherState {
 public:
  RemoteWatcherState(IntrusivePtr<Remoting> remoting, Remoting::Impl& impl)
      : remoting_(std::move(remoting)), impl_(impl) {}

  void on_command(ActorContext<RemoteWatchCommand>& ctx, const RemoteWatchCommand& command) {
    switch (command.kind) {
      case RemoteWatchCommand::Kind::watch:
        watch(ctx, command);
        break;
      case RemoteWatchCommand::Kind::unwatch:
        if (auto found = find_unwatched(watched_, command); found != watched_.end()) {
          found->second.watches.erase(PeerWatch{command.node, command.watchee_uid});
          forget_if_unwatched(ctx, found);
        }
        break;
      case RemoteWatchCommand::Kind::node_gone:
        for (auto it = watched_.begin(); it != watched_.end();) {  // ordered: deterministic
          std::erase_if(it->second.watches,
                        [&](const PeerWatch& watch) { return watch.first == command.node; });
          it = forget_if_unwatched(ctx, it);
        }
        break;
    }
    publish_size();
  }

  void on_terminated(const Terminated& terminated) {
    const WatchedKey key{terminated.ref.path(), terminated.ref.recipient()->uid()};
    auto found = watched_.find(key);
    if (found == watched_.end()) return;
    const std::set<PeerWatch> watches = std::move(found->second.watches);
    watched_.erase(found);
    publish_size();  // before the notices: a watcher that heard of the death sees it forgotten
    // One notice per node: it fires that node's watches by uid and by path alike.
    const NodeAddress* last = nullptr;
    for (const PeerWatch& watch : watches) {
      if (last != nullptr && *last == watch.first) continue;
      last = &watch.first;
      impl_.send_death_notice(watch.first, key.first, key.second);
    }
  }

 private:
  void watch(ActorContext<RemoteWatchCommand>& ctx, const RemoteWatchCommand& command) {
    IntrusivePtr<RecipientBase> local;
    auto found = find_watched(watched_, ctx.system(), command, local);
    if (found == watched_.end()) {
      if (!local) {
        impl_.send_death_notice(command.node, command.watchee, command.watchee_uid);
        return;
      }
      Watched watched{UntypedActorRef(local), {}};
      ctx.watch(watched.ref);
      found = watched_.emplace(WatchedKey{command.watchee, local->uid()}, std::move(watched)).first;
    }
    found->second.watches.insert(PeerWatch{command.node, command.watchee_uid});
  }

  /// Drops an entry no node watches through any more (and stops watching its actor); returns
  /// the next entry.
  WatchedMap::iterator forget_if_unwatched(ActorContext<RemoteWatchCommand>& ctx,
                                           WatchedMap::iterator it) {
    if (!it->second.watches.empty()) return std::next(it);
    ctx.unwatch(it->second.ref);
    return watched_.erase(it);
  }

  void publish_size() { impl_.watched_for_peers.store(watched_.size(), std::memory_order_release); }

  IntrusivePtr<Remoting> remoting_;  // keeps impl_ alive
  Remoting::Impl& impl_;
  WatchedMap watched_;
};

}  // namespace

void Remoting::Impl::start_remote_watcher() {
  IntrusivePtr<Remoting> remoting(&self);
  auto behavior = behaviors::setup<RemoteWatchCommand>([remoting,
                                                        this](ActorContext<RemoteWatchCommand>&) {
    auto state = std::make_shared<RemoteWatcherState>(remoting, *this);
    return behaviors::receive<RemoteWatchCommand>(
               [state](ActorContext<RemoteWatchCommand>& ctx, RemoteWatchCommand& command) {
                 state->on_command(ctx, command);
               })
        .receive_signal([state](ActorContext<RemoteWatchCommand>&, const Terminated& terminated) {
          state->on_terminated(terminated);
        });
  });
  remote_watcher = self.system_.spawn_system_actor(behavior, "remote-watcher");
}

}  // namespace orrery
