#pragma once
// Remoting's private state: one Peer (association) per remote node, the remote death watches
// this node holds, the recipient cache, and the counters. Shared by remoting.cpp (frames and
// associations) and remote_watch.cpp (death watch across nodes).

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <orrery/actor.hpp>
#include <orrery/remote/remoting.hpp>
#include <orrery/remote/v1/remote.pb.h>
#include <set>
#include <vector>

namespace orrery {

namespace proto = ::orrery::remote::v1;

/// A message waiting for its peer's handshake.
struct PendingEnvelope {
  std::string recipient;
  std::uint64_t recipient_uid = 0;
  std::string manifest;
  std::string payload;
  std::string type_name;
};

/// The association with one remote node. Everything under `mutex`.
struct Peer {
  explicit Peer(NodeAddress node) : address(std::move(node)) {}

  NodeAddress address;
  std::mutex mutex;
  std::uint64_t uid = 0;  // its incarnation; 0 until a handshake (or a frame) tells
  bool handshake_sent = false;
  Instant handshake_sent_at{};
  std::uint64_t next_sequence = 1;   // envelopes to it
  std::uint64_t last_delivered = 0;  // envelopes from its current incarnation
  Instant last_heard{};
  bool heard = false;
  bool reachable = true;
  std::deque<PendingEnvelope> pending;
  std::deque<std::uint64_t> quarantined;  // its old incarnations, oldest first (bounded)
  // Death watch messages: numbered, acknowledged, resent until acknowledged.
  std::uint64_t system_next_out = 1;
  std::deque<proto::SystemMessage> system_unacked;
  std::uint64_t system_next_in = 1;

  bool is_quarantined(std::uint64_t incarnation) const {
    return std::find(quarantined.begin(), quarantined.end(), incarnation) != quarantined.end();
  }
};

/// A watch this node holds on a remote actor, and the local actors that asked for it.
struct OutgoingWatch {
  NodeAddress node;
  UntypedActorRef remote;
  std::vector<UntypedActorRef> watchers;
};

/// What the remote-watcher actor hears: a remote node's watch of a local actor, or that node's
/// departure.
struct RemoteWatchCommand {
  enum class Kind : std::uint8_t { watch, unwatch, node_gone };
  Kind kind = Kind::watch;
  NodeAddress node;
  std::string watchee;
  std::uint64_t watchee_uid = 0;
};

struct RemoteCounters {
  std::atomic<std::uint64_t> frames_sent{0};
  std::atomic<std::uint64_t> frames_received{0};
  std::atomic<std::uint64_t> messages_sent{0};
  std::atomic<std::uint64_t> messages_delivered{0};
  std::atomic<std::uint64_t> malformed_frames{0};
  std::atomic<std::uint64_t> unknown_manifests{0};
  std::atomic<std::uint64_t> undeliverable{0};
  std::atomic<std::uint64_t> refused_wrong_system{0};
  std::atomic<std::uint64_t> refused_quarantined{0};
  std::atomic<std::uint64_t> refused_stale{0};
  std::atomic<std::uint64_t> duplicates_dropped{0};
  std::atomic<std::uint64_t> send_failures{0};
  std::atomic<std::uint64_t> handshakes{0};
  std::atomic<std::uint64_t> quarantines{0};
  std::atomic<std::uint64_t> unreachable{0};
};

struct Remoting::Impl {
  explicit Impl(Remoting& remoting) : self(remoting) {}

  Remoting& self;
  std::atomic<bool> stopped{false};
  RemoteCounters counters;
  std::atomic<std::uint64_t> errors_logged{0};

  std::mutex peers_mutex;  // the map's shape; each Peer has its own lock
  std::map<NodeAddress, std::unique_ptr<Peer>> peers;

  std::mutex watches_mutex;
  std::map<std::string, OutgoingWatch> watches;  // by "node/path"

  std::mutex cache_mutex;
  std::map<std::string, IntrusivePtr<RecipientBase>, std::less<>> recipients;

  std::mutex timer_mutex;
  TimerId tick_timer;
  ActorRef<RemoteWatchCommand> remote_watcher;

  // remoting.cpp
  Peer& peer_for(const NodeAddress& node);
  Peer* find_peer(const NodeAddress& node);
  void send_frame(Peer& peer, proto::RemoteFrame& frame);  // peer locked
  void send_handshake(Peer& peer);                         // peer locked
  void flush_pending(Peer& peer);                          // peer locked
  void send_envelope(Peer& peer, PendingEnvelope envelope);  // peer locked, uid known
  /// A frame showed `incarnation`; returns false if it is quarantined. Quarantines the previous
  /// one when it differs; `gone` collects what watchers must hear.
  bool adopt(Peer& peer, std::uint64_t incarnation, std::vector<NodeAddress>& gone);
  void deliver(Peer& peer, const proto::Envelope& envelope);  // peer locked
  IntrusivePtr<RecipientBase> recipient(const std::string& path);
  void tick();
  void schedule_tick();
  void bad_input(const NodeAddress& from, std::string_view what, std::atomic<std::uint64_t>& counter);
  void dead_letter(std::string recipient, std::string_view type, std::string_view reason);

  // remote_watch.cpp
  void send_system(Peer& peer, proto::SystemMessage message);  // peer locked
  void on_system(Peer& peer, const proto::SystemMessage& message, std::vector<std::string>& dead);
  void on_system_ack(Peer& peer, std::uint64_t up_to);
  void send_death_notice(const NodeAddress& node, const std::string& watchee, std::uint64_t uid);
  /// Every watch on `node`'s actors fires (it is unreachable or gone).
  void node_gone(const NodeAddress& node);
  /// The watch of one remote actor fires.
  void watchee_terminated(const NodeAddress& node, const std::string& watchee);
  static std::string watch_key(const NodeAddress& node, std::string_view path);
  void start_remote_watcher();
};

}  // namespace orrery
