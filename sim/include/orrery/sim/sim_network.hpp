#pragma once
// SimNetwork: the frames of every node's Transport, carried through the world's event queue with
// per-link latency, loss, duplication, reordering and clogging, and cut by partitions (between
// groups, one way only, or isolating a node) until healed. Frames are the very bytes the gRPC
// transport would carry, so every fault reaches remoting's own checks.
//
// Links are directed: a one-way partition cuts a→b while b→a flows. A frame meets the cut when
// it is sent and again when it would arrive (a partition loses what is in flight).
//
// Back-pressure mirrors the gRPC transport's bounded queue per peer: what a node sent a peer and
// the network has not yet settled holds a place, up to WorldConfig::outbound_frames_max, and
// send() answers overflow beyond it without taking the frame. A frame in flight holds its place
// until it arrives (delivered or dropped there). A frame for a peer that cannot be reached (no
// node at the address, a cut link) is lost as before, but like a frame queued behind gRPC's
// connection attempt it holds its place until that attempt gives up: connect_timeout after the
// attempt's first frame. A heal, a node appearing at the address, disconnect() and the sender's
// crash end the attempt at once.
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include <orrery/env/transport.hpp>
#include <orrery/sim/config.hpp>

namespace orrery::sim {

class World;

class SimNetwork {
 public:
  SimNetwork(World& world, const WorldConfig& config);
  ~SimNetwork();

  // ---- link behaviour ----
  /// The configuration of every link without its own.
  void set_default_link(const LinkConfig& config);
  const LinkConfig& default_link() const noexcept { return defaults_; }
  /// The configuration of the link from → to (one direction).
  void set_link(std::uint32_t from, std::uint32_t to, const LinkConfig& config);
  const LinkConfig& link(std::uint32_t from, std::uint32_t to) const;
  /// Holds every frame on from → to until `until` (a bandwidth stall); order is kept.
  void clog(std::uint32_t from, std::uint32_t to, Instant until);

  // ---- partitions ----
  // Every cut has an owner: what a script or test cuts by hand (`manual`, the default) and
  // what fault plans cut are kept apart, so that a plan's partition ending heals only the
  // plan's cuts and a script's heal() only its own. A link is cut while any owner cuts it.

  /// Who made a cut, and so which heal() restores it.
  enum class CutOwner : std::uint8_t { manual = 0, fault_plan = 1 };

  /// Cuts every link between nodes of different groups, both ways. Nodes in no group keep
  /// their links. A node in two groups is a contradiction: an error, and nothing changes.
  Status partition(const std::vector<std::vector<std::uint32_t>>& groups,
                   CutOwner owner = CutOwner::manual);
  /// Cuts the links from each of `from` to each of `to`, one way only.
  void cut_one_way(std::span<const std::uint32_t> from, std::span<const std::uint32_t> to,
                   CutOwner owner = CutOwner::manual);
  /// Cuts every link to and from `node`.
  void isolate(std::uint32_t node, CutOwner owner = CutOwner::manual);
  /// Restores the links `owner` cut; cuts of the other owner stay.
  void heal(CutOwner owner = CutOwner::manual);
  /// Restores every cut link, whoever made it (a scenario's end: whatever a plan left behind).
  void heal_all();
  /// Whether from → to is cut (by any owner).
  bool cut(std::uint32_t from, std::uint32_t to) const noexcept;
  /// Whether `owner` cuts from → to.
  bool cut_by(std::uint32_t from, std::uint32_t to, CutOwner owner) const noexcept;
  bool partitioned() const noexcept { return cuts_ > 0; }

  // ---- back-pressure ----
  /// Frames one node's endpoint holds for one peer before send() answers overflow.
  std::uint32_t outbound_frames_max() const noexcept { return outbound_frames_max_; }
  /// The frames from → to holds now: in flight, and waiting on an attempt not yet given up.
  std::uint32_t frames_held(std::uint32_t from, std::uint32_t to) const;

  // ---- counters ----
  struct Stats {
    std::uint64_t sent = 0;
    std::uint64_t delivered = 0;
    std::uint64_t lost = 0;  // loss and partitions
    std::uint64_t duplicated = 0;
    std::uint64_t reordered = 0;
    std::uint64_t to_down_nodes = 0;  // in flight to a node that crashed or restarted
    std::uint64_t overflow = 0;       // refused by send(): the peer's bound was full
  };
  const Stats& stats() const noexcept { return stats_; }

  // ---- for the World and nodes ----
  /// The node's endpoint (a Transport); created with the node, kept across restarts.
  Transport& add_endpoint(std::uint32_t node, NodeAddress address);
  Transport& endpoint(std::uint32_t node);
  /// The node crashed: its links go down (peers are told) and its endpoint refuses sends.
  void node_down(std::uint32_t node);
  void node_up(std::uint32_t node);

 private:
  class Endpoint;
  friend class Endpoint;
  /// Frames sent while a peer could not be reached: they hold their places until the attempt
  /// that began with the first of them gives up.
  struct Attempt {
    std::uint32_t frames = 0;
    Instant gives_up_at{};
    std::uint32_t held(Instant now) const noexcept { return now < gives_up_at ? frames : 0; }
  };
  struct Link {
    std::unique_ptr<LinkConfig> config;  // null: the defaults
    Instant last_arrival{};
    Instant clogged_until{};
    std::uint8_t cut_by = 0;      // a bit per CutOwner
    std::uint32_t in_flight = 0;  // frames scheduled to arrive (a duplicate's copy aside)
    Attempt attempt;              // while the link is cut
  };

  Link& link_state(std::uint32_t from, std::uint32_t to);
  const Link* find_link(std::uint32_t from, std::uint32_t to) const;
  /// Whether `attempt`, with `in_flight` more, has room for one more frame (an attempt given
  /// up is reset first); traces and counts the refusal when not.
  bool admit(Attempt& attempt, std::uint32_t in_flight, std::uint32_t from, std::uint32_t to,
             std::size_t frame_bytes);
  /// Holds a place for a frame sent while its peer cannot be reached.
  void hold(Attempt& attempt);
  void transmit(std::uint32_t from, std::uint32_t to, Frame frame);
  void schedule_arrival(std::uint32_t from, std::uint32_t to, Instant at, Frame frame,
                        std::uint64_t frame_hash, bool counted);
  void open_connection(std::uint32_t from, std::uint32_t to);
  void announce_link_up(std::uint32_t side, std::uint32_t peer, Instant at);
  void drop_connections(std::uint32_t node, bool only_cut);
  /// Closes the connection between the two (if open); each live side hears link down.
  void drop_connection(std::uint32_t node, std::uint32_t other);
  void set_cut(std::uint32_t from, std::uint32_t to, CutOwner owner, bool cut);
  void clear_cuts(CutOwner owner);

  World& world_;
  LinkConfig defaults_;
  std::size_t max_frame_bytes_;
  std::uint32_t outbound_frames_max_;
  Duration connect_timeout_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::map<NodeAddress, std::uint32_t> by_address_;
  std::vector<std::vector<Link>> links_;              // [from][to]
  std::vector<std::vector<std::uint8_t>> connected_;  // [min][max]: a connection is open
  std::uint64_t cuts_ = 0;                            // links cut by any owner
  Stats stats_;
};

}  // namespace orrery::sim
