#pragma once
// Remoting: actors on other nodes, reached through the node's Transport (gRPC in production,
// SimNetwork in the simulator), with the same code in both worlds.
//
//   auto remoting = Remoting::start(*system, env.transport);
//   ActorRef<Command> orders =
//   remoting->ref<Command>("orrery://shop@10.0.0.7:2552/user/orders").value();
//   orders.tell(PlaceOrder{...});   // serialized by the system's Serialization
//
// Guarantees are Akka's: at most once, in order per sender and receiver. Per node pair there is
// an association: a handshake tells each side the other's incarnation (uid); every frame carries
// both, so a frame from or to a previous incarnation is refused, and once a peer restarts its
// old incarnation is quarantined. Heartbeats detect an unreachable peer; remote death watch then
// tells watchers Terminated, as it does when a watched remote actor stops. Bad input (malformed
// frames, unknown manifests, a handshake for another system, a quarantined peer) is dropped with
// a counter and a logged error; the connection and the node go on.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <orrery/actor/actor_ref.hpp>
#include <orrery/core/intrusive_ptr.hpp>
#include <orrery/core/time.hpp>
#include <orrery/env/transport.hpp>
#include <orrery/remote/actor_address.hpp>
#include <orrery/remote/wire.hpp>

namespace orrery {

class ActorSystem;
class CellBase;

struct RemoteConfig {
  /// How often each peer is sent a heartbeat (and unacknowledged system messages resent).
  Duration heartbeat_interval = std::chrono::seconds(1);
  /// Silence after which a peer is unreachable: watchers of its actors get Terminated, and its
  /// incarnation is quarantined for good (Terminated is final: it must restart to talk again).
  Duration unreachable_after = std::chrono::seconds(5);
  /// How long a handshake may go unanswered (Akka's `handshake-timeout`). Then the messages
  /// buffered for it go to dead letters and watches of the peer's actors fire, as for an
  /// unreachable peer. Terminated stays final: an incarnation that was already up then is
  /// quarantined when it answers later; one that started afterwards is adopted (its handshake
  /// tells its age; docs/remoting.md).
  Duration handshake_timeout = std::chrono::seconds(10);
  /// The first handshake retry comes this long after the first attempt; each next one waits
  /// twice as long, up to `handshake_retry_interval_max` (checked at each heartbeat tick).
  Duration handshake_retry_interval = std::chrono::seconds(1);
  Duration handshake_retry_interval_max = std::chrono::seconds(4);
  /// A peer entry with no association, nothing buffered and nothing watched is forgotten after
  /// this long without traffic (its quarantined incarnations are kept apart and not forgotten).
  Duration peer_idle_timeout = std::chrono::seconds(60);
  /// Messages held per peer while its handshake is pending; more go to dead letters.
  std::uint32_t pending_messages_max = 10'000;
  /// Inbound messages admitted per peer and not yet handed to their recipients (a recipient
  /// that runs user code on delivery holds up the rest); more go to dead letters.
  std::uint32_t inbox_messages_max = 100'000;
  /// Unacknowledged system messages (death watch) held per peer. One more and delivery gives
  /// up (Akka's system-message delivery give-up): the peer's incarnation is quarantined and its
  /// watches fire, rather than a message be dropped that the peer would wait for forever.
  std::uint32_t system_messages_max = 10'000;
  /// Old incarnations remembered per peer as quarantined.
  std::uint32_t quarantined_max = 64;
  /// Nodes whose quarantined incarnations are remembered (the one changed least recently goes
  /// first).
  std::uint32_t quarantined_nodes_max = 1'024;
  /// Non-actor refs (ask reply slots, message adapters) written to the wire and kept findable
  /// for replies; beyond this the oldest are forgotten (their replies then dead-letter).
  std::uint32_t exported_refs_max = 100'000;
  /// Recipients cached by path for inbound delivery.
  std::uint32_t recipient_cache_max = 10'000;
  /// Bad-input errors logged (the first ones); all are counted.
  std::uint32_t errors_logged_max = 100;
  /// Messages dropped because the transport refused their frame, logged one by one (the first
  /// ones); later ones are summed up in one line per heartbeat tick. All go to dead letters.
  std::uint32_t send_refusals_logged_max = 10;
};

/// Counters of what remoting did and refused.
struct RemoteStats {
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_received = 0;
  std::uint64_t messages_sent = 0;  // envelopes the transport took (refused ones are not counted)
  std::uint64_t messages_delivered = 0;
  std::uint64_t malformed_frames = 0;
  std::uint64_t unknown_manifests = 0;
  std::uint64_t undeliverable = 0;         // no such recipient, wrong type, stale uid
  std::uint64_t refused_wrong_system = 0;  // a handshake meant for another system
  std::uint64_t refused_quarantined = 0;   // from a quarantined incarnation
  std::uint64_t refused_stale = 0;         // meant for a previous incarnation of this node
  std::uint64_t duplicates_dropped = 0;    // repeated or overtaken envelopes
  std::uint64_t send_failures = 0;         // frames refused: back-pressure, oversized, closed
  std::uint64_t handshakes = 0;
  std::uint64_t quarantines = 0;
  std::uint64_t unreachable = 0;
  std::uint64_t handshake_attempts = 0;       // handshakes sent (first tries and retries)
  std::uint64_t handshake_timeouts = 0;       // handshakes given up after handshake_timeout
  std::uint64_t pending_expired = 0;          // buffered messages dropped at a handshake timeout
  std::uint64_t pending_overflow = 0;         // messages refused: the handshake buffer was full
  std::uint64_t quarantine_notices_sent = 0;  // a quarantined peer told so
  std::uint64_t quarantined_by_peer = 0;      // a peer told us it quarantined this incarnation
  std::uint64_t peers_removed = 0;            // idle peer entries forgotten
  std::uint64_t exported_refs_evicted = 0;    // exported refs forgotten over exported_refs_max
  std::uint64_t inbox_overflow = 0;           // inbound messages refused: the peer's inbox was full
  std::uint64_t delivery_exceptions = 0;  // a recipient threw while an inbound one was handed over
  // User messages whose frame the transport refused, by its answer; each went to dead letters.
  // (send_failures counts every refused frame, heartbeats and system messages included.)
  std::uint64_t messages_refused_overflow = 0;   // the peer's outbound queue was full
  std::uint64_t messages_refused_too_large = 0;  // above the transport's frame size limit
  std::uint64_t messages_refused_closed = 0;     // the transport was shut down
  std::uint64_t refusing_unreachable = 0;  // peers given up: every frame refused unreachable_after
  std::uint64_t system_delivery_gave_up = 0;  // over system_messages_max unacknowledged: given up
  // After watches fired for a handshake that timed out (the incarnation unknown): frames from an
  // unknown incarnation dropped until its handshake tells its age, and incarnations quarantined
  // because they were up when the watches fired (counted in quarantines as well).
  std::uint64_t refused_unproven = 0;
  std::uint64_t quarantined_unproven = 0;
};

class Remoting;

/// Owning handle: destroying it shuts remoting down (detaches from the transport).
class RemotingPtr {
 public:
  RemotingPtr() = default;
  explicit RemotingPtr(Remoting* remoting) : remoting_(remoting) {}
  RemotingPtr(RemotingPtr&& other) noexcept : remoting_(std::exchange(other.remoting_, nullptr)) {}
  RemotingPtr& operator=(RemotingPtr&& other) noexcept;
  ~RemotingPtr();
  Remoting* operator->() const noexcept { return remoting_; }
  Remoting& operator*() const noexcept { return *remoting_; }
  explicit operator bool() const noexcept { return remoting_ != nullptr; }
  void reset();

 private:
  Remoting* remoting_ = nullptr;
};

class Remoting final : public FrameSink, public RefContext {
 public:
  /// Attaches to `transport` and becomes the system's RefContext. The transport's address names
  /// this node; its system name must be the actor system's.
  static RemotingPtr start(ActorSystem& system, Transport& transport, RemoteConfig config = {});

  const NodeAddress& address() const noexcept { return address_; }
  ActorSystem& system() const noexcept { return system_; }

  /// A ref to an actor at `address` (local addresses resolve to the local actor).
  template <class M>
  Result<ActorRef<M>> ref(const ActorAddress& address);
  template <class M>
  Result<ActorRef<M>> ref(std::string_view uri) {
    auto address = ActorAddress::parse(uri);
    if (!address.ok()) return address.error();
    return ref<M>(*address);
  }

  RemoteStats stats() const;
  /// The peer's incarnation as last seen (0 if none), and whether it is reachable now.
  std::uint64_t peer_uid(const NodeAddress& peer) const;
  bool reachable(const NodeAddress& peer) const;
  /// Peer entries held now (associations, and nodes messages or watches wait for).
  std::size_t peer_count() const;
  /// Remote watches this node holds now: one per watched remote incarnation (or path), however
  /// many local actors watch it.
  std::size_t watches_held() const;
  /// Local actors watched now on behalf of other nodes (one per incarnation, however many
  /// nodes watch it); an actor no node watches any more is forgotten.
  std::size_t watched_for_peers() const;

  /// Stops: detaches from the transport, cancels timers; remote refs then dead-letter.
  void shutdown();

  // ---- used by RemoteRecipient ----
  void send_user(const ActorAddress& target, std::string manifest, std::string payload,
                 std::string_view type_name);
  void watch_remote(const RecipientBase& remote, const ActorAddress& target, CellBase& watcher);
  void unwatch_remote(const ActorAddress& target, CellBase& watcher);

  // ---- FrameSink ----
  void on_frame(const NodeAddress& from, Frame frame) override;
  void on_link_up(const NodeAddress& peer) override;
  void on_link_down(const NodeAddress& peer) override;

  // ---- RefContext ----
  std::string write_ref(const RecipientBase& ref) override;
  Result<IntrusivePtr<RecipientBase>> read_ref(
      std::string_view text, std::type_index message_type,
      IntrusivePtr<RecipientBase> (*make_remote)(RefContext&, std::string_view)) override;

  void add_ref() const noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() const noexcept;

  struct Impl;

 private:
  Remoting(ActorSystem& system, Transport& transport, RemoteConfig config);
  ~Remoting() override;
  friend class RemotingPtr;

  ActorSystem& system_;
  Transport& transport_;
  RemoteConfig config_;
  NodeAddress address_;
  mutable std::atomic<std::uint32_t> refs_{0};
  std::unique_ptr<Impl> impl_;
};

}  // namespace orrery

#include <orrery/remote/remote_ref.hpp>
