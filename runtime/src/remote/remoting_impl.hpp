#pragma once
// Remoting's private state: one Peer (association) per remote node, the remote death watches
// this node holds, the recipient cache, and the counters. Shared by remoting.cpp (frames and
// associations) and remote_watch.cpp (death watch across nodes).

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <variant>
#include <vector>

#include <orrery/actor.hpp>
#include <orrery/remote/any_message.hpp>
#include <orrery/remote/remoting.hpp>
#include <orrery/remote/v1/remote.pb.h>

namespace orrery {

namespace proto = ::orrery::remote::v1;

/// A node's address into a frame's handshake (or ack).
inline void set_address(proto::Address& out, const NodeAddress& node) {
  out.set_system(node.system);
  out.set_host(node.host);
  out.set_port(node.port);
}

/// A message waiting for its peer's handshake.
struct PendingEnvelope {
  std::string recipient;
  std::uint64_t recipient_uid = 0;
  std::string manifest;
  std::string payload;
  std::string type_name;
};

/// A user message whose frame the transport refused (overflow, too_large, closed): it goes to
/// dead letters once the peer's lock is released, because publishing reaches the event stream's
/// subscribers (user actors) and the log.
struct RefusedMessage {
  std::string recipient;  // the full remote address
  std::string type_name;
  std::string reason;
};

/// An inbound message that cannot be delivered (no such actor, undecodable, a full inbox): it
/// goes to dead letters once the peer's lock is released, because publishing reaches the event
/// stream's subscribers, and a subscriber may be a remote ref that sends to this very peer.
struct UndeliveredMessage {
  std::string recipient;  // the local path the envelope named
  std::string type_name;
  std::string reason;
};

/// A message admitted for delivery (its sequence used up), handed to its recipient after the
/// peer's lock is released: delivery may run user code (an ask's continuation) that sends again.
struct InboundMessage {
  IntrusivePtr<RecipientBase> target;
  std::string recipient;
  AnyMessage message;
};

/// A remote actor's death (or, with an empty `watchee`, the whole node's departure) to hand to
/// its watchers in the peer's inbox, so that it never overtakes messages admitted before it.
struct InboundDeath {
  NodeAddress node;
  std::string watchee;  // empty: every watch on `node` fires
  std::uint64_t watchee_uid = 0;
  // For a departure: the node's incarnation was unknown (a handshake or system message delivery
  // gave up before any answer), so if a watch fires, the address is guarded (NodeRecord).
  bool incarnation_unknown = false;
};

/// What a peer's inbox holds, in admission order.
using InboundItem = std::variant<InboundMessage, InboundDeath>;

/// The association with one remote node. Everything under `mutex`.
struct Peer {
  explicit Peer(NodeAddress node) : address(std::move(node)) {}

  NodeAddress address;
  std::mutex mutex;
  std::uint64_t uid = 0;  // its incarnation; 0 until a handshake (or a frame) tells
  bool handshake_sent = false;
  Instant handshake_sent_at{};
  Instant handshake_started_at{};        // the first attempt of the current round
  std::uint32_t handshake_attempts = 0;  // in the current round (backoff)
  Instant last_active{};                 // anything sent or heard (idle removal)
  Instant quarantine_notice_sent_at{};
  bool quarantine_notice_sent = false;
  // Admitted inbound messages and death notices in admission order; one thread at a time
  // drains them unlocked. Only messages count against inbox_messages_max: a death is never lost.
  std::deque<InboundItem> inbox;
  std::size_t inbox_messages = 0;
  bool delivering = false;
  bool removed = false;  // taken out of the peer map (idle): callers holding it look again
  std::uint64_t next_sequence = 1;   // envelopes to it
  std::uint64_t last_delivered = 0;  // envelopes from its current incarnation
  Instant last_heard{};
  bool heard = false;
  std::deque<PendingEnvelope> pending;
  // User messages the transport refused under this lock; whoever releases it publishes them.
  std::vector<RefusedMessage> refused;
  // Inbound messages found undeliverable under this lock; whoever releases it dead-letters them.
  std::vector<UndeliveredMessage> undelivered;
  // Since when every frame to the peer was refused (overflow, too_large): a link that takes
  // nothing for unreachable_after is given up like a silent peer (associations.cpp).
  bool refusing = false;
  Instant refusing_since{};
  // Death watch messages: numbered, acknowledged, resent until acknowledged. While the peer's
  // incarnation is unknown nothing of them went out, and they are numbered from 1: the peer
  // expects 1 first from this incarnation (asserted when it is adopted).
  std::uint64_t system_next_out = 1;
  std::deque<proto::SystemMessage> system_unacked;
  std::uint64_t system_next_in = 1;
};

/// What this node remembers of a remote address apart from its peer entry (which is forgotten
/// when idle): the incarnations it quarantined, whether the latest known one is gone, and whether
/// watches fired while no incarnation was known. Bounded in nodes (quarantined_nodes_max): the
/// record changed least recently is forgotten first.
struct NodeRecord {
  std::deque<std::uint64_t> quarantined;  // oldest first, at most quarantined_max
  // The latest incarnation known was quarantined and no newer one has been adopted since: a new
  // watch of an actor there fires at once (Akka: a Watch to a quarantined association).
  bool gone = false;
  // Watches of the address fired while its incarnation was unknown (a handshake that timed
  // out): whatever incarnation was running then is the one reported Terminated. One that answers
  // later is adopted only if its handshake shows it started after this instant (age_ms);
  // otherwise it is quarantined. Kept until a newer incarnation is adopted.
  std::optional<Instant> fired_unknown_at;
  std::uint64_t touched = 0;  // recency stamp: the record changed least recently goes first
};

/// A watch this node holds on a remote actor (one incarnation of it, or uid 0: whatever lives
/// at the path), and the local actors that asked for it.
struct OutgoingWatch {
  NodeAddress node;
  std::string path;
  std::uint64_t uid = 0;
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
  std::atomic<std::uint64_t> handshake_attempts{0};
  std::atomic<std::uint64_t> handshake_timeouts{0};
  std::atomic<std::uint64_t> pending_expired{0};
  std::atomic<std::uint64_t> pending_overflow{0};
  std::atomic<std::uint64_t> quarantine_notices_sent{0};
  std::atomic<std::uint64_t> quarantined_by_peer{0};
  std::atomic<std::uint64_t> peers_removed{0};
  std::atomic<std::uint64_t> inbox_overflow{0};
  std::atomic<std::uint64_t> delivery_exceptions{0};
  std::atomic<std::uint64_t> messages_refused_overflow{0};
  std::atomic<std::uint64_t> messages_refused_too_large{0};
  std::atomic<std::uint64_t> messages_refused_closed{0};
  std::atomic<std::uint64_t> refusing_unreachable{0};
  std::atomic<std::uint64_t> system_delivery_gave_up{0};
  std::atomic<std::uint64_t> refused_unproven{0};
  std::atomic<std::uint64_t> quarantined_unproven{0};
};

struct Remoting::Impl {
  explicit Impl(Remoting& remoting) : self(remoting) {}

  Remoting& self;
  Instant started_at{};  // this incarnation's remoting came up: its age goes into handshakes
  std::atomic<bool> stopped{false};
  // Exported refs forgotten over exported_refs_max that a tick has logged already.
  std::atomic<std::uint64_t> evictions_logged{0};
  RemoteCounters counters;
  std::atomic<std::uint64_t> errors_logged{0};
  // Refused messages logged one by one, and those over the limit the tick has summed up.
  std::atomic<std::uint64_t> refusals_logged{0};
  std::atomic<std::uint64_t> refusals_summed{0};

  std::mutex peers_mutex;  // the map's shape; each Peer has its own lock
  std::map<NodeAddress, std::shared_ptr<Peer>> peers;

  // What is remembered per remote address (quarantined incarnations, gone, the guard after a
  // handshake timeout); kept apart from the peers so that removing an idle peer never forgets
  // it. Bounded per node and in nodes (RemoteConfig). Taken under a peer's lock, never around one.
  mutable std::mutex quarantine_mutex;
  std::map<NodeAddress, NodeRecord> node_records;
  std::uint64_t records_touched = 0;  // under quarantine_mutex

  // Lock order: a peer's mutex, then watches_mutex (watch_remote, unwatch_remote); never the
  // other way round.
  std::mutex watches_mutex;
  std::map<std::string, OutgoingWatch> watches;  // by watch_key(node, path, uid)
  // Local incarnations the remote-watcher watches for other nodes (its state's size, published
  // by it after every change).
  std::atomic<std::uint64_t> watched_for_peers{0};

  std::mutex cache_mutex;
  std::map<std::string, IntrusivePtr<RecipientBase>, std::less<>> recipients;

  std::mutex timer_mutex;
  TimerId tick_timer;
  ActorRef<RemoteWatchCommand> remote_watcher;

  // remoting.cpp
  std::shared_ptr<Peer> peer_for(const NodeAddress& node);
  std::shared_ptr<Peer> find_peer(const NodeAddress& node);
  /// The peer of `node` (made if need be), locked, and never one removed meanwhile.
  std::pair<std::shared_ptr<Peer>, std::unique_lock<std::mutex>> locked_peer(
      const NodeAddress& node);
  /// Hands `frame` to the transport and counts a refusal; a refused user message is the
  /// caller's (send_envelope). Peer locked.
  SendStatus send_frame(Peer& peer, proto::RemoteFrame& frame);
  void send_handshake(Peer& peer);  // peer locked
  /// How long this incarnation's remoting has been up, as handshakes tell it.
  std::uint64_t age_ms(Instant now) const;
  /// Asks the peer for its handshake again, at most once per heartbeat interval. Peer locked.
  void resend_handshake(Peer& peer);
  void flush_pending(Peer& peer);  // peer locked
  /// Sends a user message; if the transport refuses its frame, the message is counted and
  /// queued in `peer.refused` for publish_refused. Peer locked, uid known.
  void send_envelope(Peer& peer, PendingEnvelope envelope);
  /// Dead-letters (and logs, rate-limited) refused messages. No remoting lock held.
  void publish_refused(std::vector<RefusedMessage> refused);
  /// Dead-letters inbound messages that could not be delivered. No remoting lock held.
  void publish_undelivered(std::vector<UndeliveredMessage> undelivered);
  /// Once per tick: one line for the refused messages over send_refusals_logged_max.
  void log_refusals();
  IntrusivePtr<RecipientBase> recipient(const std::string& path);

  // inbound.cpp
  /// Checks a parsed frame against what this node knows; false (counted, logged) if refused.
  bool admit_frame(const NodeAddress& from, const proto::RemoteFrame& frame);
  /// A frame showed its sender's incarnation; returns false if the frame is not taken from it.
  /// Quarantines the previous one when it differs; `gone` collects what watchers must hear.
  bool adopt(Peer& peer, const proto::RemoteFrame& frame, std::vector<NodeAddress>& gone);
  /// With the address guarded (NodeRecord::fired_unknown_at), whether the frame's unknown
  /// incarnation proves it started after the watches fired; if its handshake shows it did not,
  /// it is quarantined. Peer locked, its uid unknown.
  bool proven_new(Peer& peer, const proto::RemoteFrame& frame, Instant fired_at,
                  std::vector<NodeAddress>& gone);
  void handle_body(Peer& peer, const proto::RemoteFrame& frame,
                   std::vector<std::pair<std::string, std::uint64_t>>& dead);  // peer locked
  void deliver(Peer& peer, const proto::Envelope& envelope);  // peer locked: admits to the inbox
  void hand_over(InboundMessage& inbound);                    // no lock held
  void hand_over(const InboundDeath& death);                  // no lock held
  /// Counts and logs a recipient's exception during hand-over; draining goes on.
  void delivery_failed(const Peer& peer, std::string_view what);
  /// Queues the deaths a frame or a tick found behind what the peer already admitted.
  void queue_deaths(Peer& peer, std::vector<NodeAddress>& gone,
                    std::vector<std::pair<std::string, std::uint64_t>>& dead);  // peer locked
  /// Hands the peer's inbox to its recipients in order, without holding the peer's lock.
  void drain_inbox(Peer& peer);
  void on_quarantine_notice(Peer& peer, const proto::RemoteFrame& frame,
                            std::vector<NodeAddress>& gone);

  // associations.cpp
  bool is_quarantined(const NodeAddress& node, std::uint64_t incarnation) const;
  /// The latest incarnation known at `node` was quarantined and no newer one adopted since.
  bool is_gone(const NodeAddress& node) const;
  std::optional<Instant> fired_unknown_at(const NodeAddress& node) const;
  /// Watches of `node` fired while its incarnation was unknown (see NodeRecord).
  void remember_fired_unknown(const NodeAddress& node, Instant when);
  /// A new incarnation of `node` was adopted: it is neither gone nor guarded any more.
  void forget_gone(const NodeAddress& node);
  /// Quarantines the peer's current incarnation for good (peer locked): nothing from it is
  /// delivered again, and the peer is told. Its watchers must then hear `node_gone`.
  void quarantine(Peer& peer, std::string_view why);
  /// Remembers `incarnation` as quarantined; with `latest` it is the newest one known (gone).
  void remember_quarantined(const NodeAddress& node, std::uint64_t incarnation, bool latest);
  /// The record of `node` (made if need be), touched; evicts the stalest over the bound.
  NodeRecord& touch_record(const NodeAddress& node);  // quarantine_mutex held
  /// Tells `node` that its incarnation `incarnation` is quarantined here (rate-limited per peer).
  void send_quarantine_notice(Peer& peer, std::uint64_t incarnation);  // peer locked
  /// Starts or repeats the handshake when its backoff allows; true if it gave up (timed out).
  bool retry_handshake(Peer& peer, Instant now, std::vector<PendingEnvelope>& expired);  // locked
  void tick();
  void tick_peer(Peer& peer, Instant now, std::vector<NodeAddress>& gone,
                 std::vector<PendingEnvelope>& expired);  // peer locked
  void remove_idle_peers(Instant now);
  void log_evictions();
  void schedule_tick();
  void bad_input(const NodeAddress& from, std::string_view what,
                 std::atomic<std::uint64_t>& counter);
  void dead_letter(std::string recipient, std::string_view type, std::string_view reason);

  // remote_watch.cpp
  /// Numbers, keeps and sends a system message; false if delivery to the peer gave up instead
  /// (system_messages_max unacknowledged): the caller then drains the peer's inbox once it
  /// released the peer's lock, so that the watches fire. Peer locked.
  [[nodiscard]] bool send_system(Peer& peer, proto::SystemMessage message);
  /// Gives up delivering system messages to the peer: quarantines its incarnation (or, unknown,
  /// guards the address) and queues its departure in its inbox. Peer locked.
  void give_up_system_delivery(Peer& peer);
  void on_system(Peer& peer, const proto::SystemMessage& message,
                 std::vector<std::pair<std::string, std::uint64_t>>& dead);
  void on_system_ack(Peer& peer, std::uint64_t up_to);
  void send_death_notice(const NodeAddress& node, const std::string& watchee, std::uint64_t uid);
  /// Every watch on `node`'s actors fires (it is unreachable or gone).
  void node_gone(const NodeAddress& node, bool incarnation_unknown = false);
  /// The watch of one remote actor fires.
  void watchee_terminated(const NodeAddress& node, const std::string& watchee, std::uint64_t uid);
  static std::string watch_key(const NodeAddress& node, std::string_view path, std::uint64_t uid);
  void start_remote_watcher();
};

}  // namespace orrery
