// SimNetwork: frames through the world's queue. Per directed link: latency drawn from the
// link's own stream, FIFO unless a frame is reordered, loss and duplication, clogging, cuts.

#include <fmt/format.h>

#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_network.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::sim {

namespace {

std::uint8_t owner_bit(SimNetwork::CutOwner owner) {
  return static_cast<std::uint8_t>(1U << static_cast<unsigned>(owner));
}

}  // namespace

class SimNetwork::Endpoint final : public Transport {
 public:
  Endpoint(SimNetwork& network, std::uint32_t node, NodeAddress address, std::uint64_t seed)
      : network_(network), node_(node), address_(std::move(address)), random_(seed) {}

  const NodeAddress& local_address() const noexcept override { return address_; }
  void attach(FrameSink& sink) override { sink_ = &sink; }
  void detach() noexcept override { sink_ = nullptr; }
  SendStatus send(const NodeAddress& to, Frame frame) override {
    if (!up_) return SendStatus::closed;
    if (frame.size() > network_.max_frame_bytes_) return SendStatus::too_large;
    auto found = network_.by_address_.find(to);
    if (found == network_.by_address_.end()) return send_unrouted(to, frame.size());
    const std::uint32_t peer = found->second;
    Link& link = network_.link_state(node_, peer);
    if (!network_.admit(link.attempt, link.in_flight, node_, peer, frame.size()))
      return SendStatus::overflow;
    network_.transmit(node_, peer, std::move(frame));
    return SendStatus::queued;
  }
  void disconnect(const NodeAddress& peer) override {
    auto found = network_.by_address_.find(peer);
    if (found == network_.by_address_.end()) {
      unrouted_.erase(peer);
      return;
    }
    // As gRPC drops the peer's queue: what waited on an attempt no longer holds a place.
    network_.link_state(node_, found->second).attempt = {};
    network_.drop_connection(node_, found->second);
  }

  /// The node is gone or a listener appeared at `address`: attempts end.
  void forget_attempts() noexcept { unrouted_.clear(); }
  void forget_attempt(const NodeAddress& address) { unrouted_.erase(address); }

  FrameSink* sink() const noexcept { return sink_; }
  Random& random() noexcept { return random_; }
  bool up_ = false;
  std::uint32_t incarnation_ = 0;

 private:
  /// Nobody listens there: like an attempt that is never answered, the frame is gone, and it
  /// holds its place until the attempt gives up.
  SendStatus send_unrouted(const NodeAddress& to, std::size_t bytes) {
    if (unrouted_.size() >= unrouted_addresses_max && !unrouted_.contains(to)) prune_unrouted();
    Attempt full{.frames = network_.outbound_frames_max_, .gives_up_at = Instant::max()};
    // Room for another peer, as gRPC's peers_max: when every attempt still runs, refuse.
    Attempt& attempt =
        unrouted_.size() < unrouted_addresses_max || unrouted_.contains(to) ? unrouted_[to] : full;
    if (!network_.admit(attempt, 0, node_, TraceEvent::none, bytes)) return SendStatus::overflow;
    network_.world_.record(
        {.kind = TraceKind::drop, .node = node_, .a = bytes, .text = "no route"});
    ++network_.stats_.lost;
    network_.hold(attempt);
    return SendStatus::queued;
  }
  /// Forgets the attempts that gave up, so that sending to many unknown addresses holds only
  /// the attempts still running (at most unrouted_addresses_max, each at most
  /// outbound_frames_max frames).
  void prune_unrouted() {
    const Instant now = network_.world_.now();
    std::erase_if(unrouted_, [now](const auto& entry) { return entry.second.held(now) == 0; });
  }

  static constexpr std::size_t unrouted_addresses_max = 4096;  // gRPC's peers_max default

  SimNetwork& network_;
  std::uint32_t node_;
  NodeAddress address_;
  SeededRandom random_;
  FrameSink* sink_ = nullptr;
  std::map<NodeAddress, Attempt> unrouted_;  // attempts to addresses no node has
};

SimNetwork::SimNetwork(World& world, const WorldConfig& config)
    : world_(world),
      defaults_(config.network),
      max_frame_bytes_(config.max_frame_bytes),
      outbound_frames_max_(config.outbound_frames_max),
      connect_timeout_(config.connect_timeout) {
  ORRERY_ASSERT(outbound_frames_max_ > 0, "outbound_frames_max must let one frame through");
  ORRERY_ASSERT(connect_timeout_.count() >= 0, "connect_timeout must not be negative");
}

SimNetwork::~SimNetwork() = default;

void SimNetwork::set_default_link(const LinkConfig& config) {
  ORRERY_ASSERT(config.latency_min.count() >= 0 && config.latency_min <= config.latency_max,
                "link latency needs 0 <= min <= max");
  defaults_ = config;
}

void SimNetwork::set_link(std::uint32_t from, std::uint32_t to, const LinkConfig& config) {
  ORRERY_ASSERT(config.latency_min.count() >= 0 && config.latency_min <= config.latency_max,
                "link latency needs 0 <= min <= max");
  link_state(from, to).config = std::make_unique<LinkConfig>(config);
}

const LinkConfig& SimNetwork::link(std::uint32_t from, std::uint32_t to) const {
  const Link* state = find_link(from, to);
  return state != nullptr && state->config ? *state->config : defaults_;
}

void SimNetwork::clog(std::uint32_t from, std::uint32_t to, Instant until) {
  Link& state = link_state(from, to);
  state.clogged_until = std::max(state.clogged_until, until);
  world_.record({.kind = TraceKind::clog,
                 .node = from,
                 .peer = to,
                 .a = static_cast<std::uint64_t>(until.time_since_epoch().count())});
}

SimNetwork::Link& SimNetwork::link_state(std::uint32_t from, std::uint32_t to) {
  ORRERY_ASSERT(from < links_.size() && to < links_.size(), "no such node");
  return links_[from][to];
}

const SimNetwork::Link* SimNetwork::find_link(std::uint32_t from, std::uint32_t to) const {
  if (from >= links_.size() || to >= links_.size()) return nullptr;
  return &links_[from][to];
}

bool SimNetwork::cut(std::uint32_t from, std::uint32_t to) const noexcept {
  const Link* state = find_link(from, to);
  return state != nullptr && state->cut_by != 0;
}

bool SimNetwork::cut_by(std::uint32_t from, std::uint32_t to, CutOwner owner) const noexcept {
  const Link* state = find_link(from, to);
  return state != nullptr && (state->cut_by & owner_bit(owner)) != 0;
}

// ---- partitions ----

void SimNetwork::set_cut(std::uint32_t from, std::uint32_t to, CutOwner owner, bool cut) {
  if (from == to) return;
  Link& state = link_state(from, to);
  const bool was_cut = state.cut_by != 0;
  if (cut) {
    state.cut_by |= owner_bit(owner);
  } else {
    state.cut_by &= static_cast<std::uint8_t>(~owner_bit(owner));
  }
  const bool is_cut = state.cut_by != 0;
  if (is_cut && !was_cut) ++cuts_;
  if (was_cut && !is_cut) {
    --cuts_;
    state.attempt = {};  // the attempt now reaches the peer: nothing waits on it any more
  }
}

Status SimNetwork::partition(const std::vector<std::vector<std::uint32_t>>& groups,
                             CutOwner owner) {
  std::vector<int> group_of(links_.size(), -1);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (const std::uint32_t node : groups[g]) {
      if (node >= links_.size())
        return make_error(Errc::invalid_argument, "a partition names an unknown node");
      if (group_of[node] != -1 && group_of[node] != static_cast<int>(g)) {
        return make_error(
            Errc::invalid_argument,
            fmt::format("a partition puts node '{}' in two groups", world_.node(node).name()));
      }
      group_of[node] = static_cast<int>(g);
    }
  }
  std::uint64_t label = 0;
  for (std::uint32_t a = 0; a < group_of.size(); ++a) {
    label = mix64(label, static_cast<std::uint64_t>(group_of[a] + 1));
    for (std::uint32_t b = 0; b < group_of.size(); ++b) {
      if (group_of[a] != -1 && group_of[b] != -1 && group_of[a] != group_of[b])
        set_cut(a, b, owner, true);
    }
  }
  world_.record({.kind = TraceKind::partition, .a = label, .b = groups.size()});
  for (std::uint32_t node = 0; node < links_.size(); ++node)
    drop_connections(node, true);
  return {};
}

void SimNetwork::cut_one_way(std::span<const std::uint32_t> from, std::span<const std::uint32_t> to,
                             CutOwner owner) {
  std::uint64_t label = 0;
  for (const std::uint32_t a : from) {
    for (const std::uint32_t b : to) {
      set_cut(a, b, owner, true);
      label = mix64(label, (static_cast<std::uint64_t>(a) << 32) | b);
    }
  }
  world_.record({.kind = TraceKind::partition, .a = label, .b = 1, .text = "one way"});
  for (const std::uint32_t a : from)
    drop_connections(a, true);
}

void SimNetwork::isolate(std::uint32_t node, CutOwner owner) {
  for (std::uint32_t other = 0; other < links_.size(); ++other) {
    set_cut(node, other, owner, true);
    set_cut(other, node, owner, true);
  }
  world_.record({.kind = TraceKind::partition, .node = node, .text = "isolate"});
  drop_connections(node, true);
}

void SimNetwork::clear_cuts(CutOwner owner) {
  for (std::uint32_t from = 0; from < links_.size(); ++from) {
    for (std::uint32_t to = 0; to < links_.size(); ++to)
      set_cut(from, to, owner, false);
  }
}

void SimNetwork::heal(CutOwner owner) {
  clear_cuts(owner);
  world_.record({.kind = TraceKind::heal});
}

void SimNetwork::heal_all() {
  clear_cuts(CutOwner::manual);
  clear_cuts(CutOwner::fault_plan);
  world_.record({.kind = TraceKind::heal});
}

// ---- endpoints and connections ----

Transport& SimNetwork::add_endpoint(std::uint32_t node, NodeAddress address) {
  ORRERY_ASSERT(node == endpoints_.size(), "endpoints are added in node order");
  ORRERY_ASSERT(!by_address_.contains(address), "two nodes at one address");
  const std::uint64_t seed = world_.derive_seed("link/" + address.to_string());
  endpoints_.push_back(std::make_unique<Endpoint>(*this, node, address, seed));
  for (const auto& other : endpoints_)
    other->forget_attempt(address);  // a listener appeared: attempts to it now connect
  by_address_.emplace(std::move(address), node);
  for (auto& row : links_)
    row.emplace_back();
  links_.emplace_back(links_.size() + 1);
  for (auto& row : connected_)
    row.push_back(0);
  connected_.emplace_back(connected_.size() + 1, 0);
  return *endpoints_.back();
}

Transport& SimNetwork::endpoint(std::uint32_t node) {
  ORRERY_ASSERT(node < endpoints_.size(), "no such node");
  return *endpoints_[node];
}

void SimNetwork::node_down(std::uint32_t node) {
  Endpoint& endpoint = *endpoints_[node];
  endpoint.up_ = false;
  ++endpoint.incarnation_;
  // Its queues die with it; what is in flight still holds places until it arrives.
  endpoint.forget_attempts();
  for (Link& link : links_[node])
    link.attempt = {};
  drop_connections(node, false);
}

void SimNetwork::node_up(std::uint32_t node) {
  Endpoint& endpoint = *endpoints_[node];
  endpoint.up_ = true;
}

void SimNetwork::drop_connections(std::uint32_t node, bool only_cut) {
  for (std::uint32_t other = 0; other < connected_.size(); ++other) {
    if (only_cut && !cut(node, other) && !cut(other, node)) continue;
    drop_connection(node, other);
  }
}

void SimNetwork::drop_connection(std::uint32_t node, std::uint32_t other) {
  const std::uint32_t low = std::min(node, other);
  const std::uint32_t high = std::max(node, other);
  if (!connected_[low][high]) return;
  connected_[low][high] = 0;
  // Each live side learns of the loss after a latency (a reset, a keepalive timeout).
  for (const auto& [side, peer] : {std::pair{node, other}, std::pair{other, node}}) {
    Endpoint& endpoint = *endpoints_[side];
    if (!endpoint.up_) continue;
    const std::uint32_t incarnation = endpoint.incarnation_;
    const NodeAddress peer_address = endpoints_[peer]->local_address();
    const LinkConfig& config = link(peer, side);
    const Instant at =
        world_.now() + uniform_duration(endpoint.random(), config.latency_min, config.latency_max);
    world_.schedule(at, side, [this, side, peer, incarnation, peer_address] {
      Endpoint& target = *endpoints_[side];
      if (!target.up_ || target.incarnation_ != incarnation || target.sink() == nullptr) return;
      world_.record({.kind = TraceKind::link_down, .node = side, .peer = peer});
      target.sink()->on_link_down(peer_address);
    });
  }
}

void SimNetwork::open_connection(std::uint32_t from, std::uint32_t to) {
  const std::uint32_t low = std::min(from, to);
  const std::uint32_t high = std::max(from, to);
  if (connected_[low][high]) return;
  connected_[low][high] = 1;
  // The dialer learns at once (after this send returns), the other side when the connection
  // reaches it: no later than the first frame, which takes at least the link's least latency.
  const Instant sent = world_.node_time(from);
  announce_link_up(from, to, sent);
  announce_link_up(to, from, sent + link(from, to).latency_min);
}

void SimNetwork::announce_link_up(std::uint32_t side, std::uint32_t peer, Instant at) {
  const std::uint32_t incarnation = endpoints_[side]->incarnation_;
  const NodeAddress peer_address = endpoints_[peer]->local_address();
  world_.schedule(at, side, [this, side, peer, incarnation, peer_address] {
    Endpoint& target = *endpoints_[side];
    if (!target.up_ || target.incarnation_ != incarnation || target.sink() == nullptr) return;
    world_.record({.kind = TraceKind::link_up, .node = side, .peer = peer});
    target.sink()->on_link_up(peer_address);
  });
}

// ---- frames ----

std::uint32_t SimNetwork::frames_held(std::uint32_t from, std::uint32_t to) const {
  const Link* state = find_link(from, to);
  return state == nullptr ? 0 : state->in_flight + state->attempt.held(world_.now());
}

bool SimNetwork::admit(Attempt& attempt, std::uint32_t in_flight, std::uint32_t from,
                       std::uint32_t to, std::size_t frame_bytes) {
  if (attempt.held(world_.now()) == 0) attempt = {};  // given up: its frames hold no places
  const std::uint32_t held = in_flight + attempt.frames;
  if (held < outbound_frames_max_) return true;
  ++stats_.overflow;
  world_.record(
      {.kind = TraceKind::overflow, .node = from, .peer = to, .a = frame_bytes, .b = held});
  return false;
}

void SimNetwork::hold(Attempt& attempt) {
  if (attempt.frames == 0) attempt.gives_up_at = world_.now() + connect_timeout_;
  ++attempt.frames;
}

void SimNetwork::transmit(std::uint32_t from, std::uint32_t to, Frame frame) {
  Endpoint& sender = *endpoints_[from];
  const std::uint64_t frame_hash = fnv1a64(frame.data(), frame.size());
  ++stats_.sent;
  world_.record(
      {.kind = TraceKind::send, .node = from, .peer = to, .a = frame_hash, .b = frame.size()});
  Link& state = link_state(from, to);
  if (state.cut_by != 0) {
    ++stats_.lost;
    world_.record(
        {.kind = TraceKind::drop, .node = from, .peer = to, .a = frame_hash, .text = "partition"});
    hold(state.attempt);  // as behind gRPC's attempt to reach a peer it cannot
    return;
  }
  const LinkConfig& config = state.config ? *state.config : defaults_;
  if (chance_ppm(sender.random(), config.loss_ppm)) {
    ++stats_.lost;
    world_.record(
        {.kind = TraceKind::drop, .node = from, .peer = to, .a = frame_hash, .text = "loss"});
    return;
  }
  open_connection(from, to);
  const bool duplicate = chance_ppm(sender.random(), config.duplicate_ppm);
  const int copies = duplicate ? 2 : 1;
  for (int copy = 0; copy < copies; ++copy) {
    // A sender stalled in I/O sends when the stall ends, not when its turn began.
    Instant at = world_.node_time(from) +
                 uniform_duration(sender.random(), config.latency_min, config.latency_max);
    if (chance_ppm(sender.random(), config.reorder_ppm)) {
      ++stats_.reordered;
      at += uniform_duration(sender.random(), Duration{0}, config.reorder_delay_max);
    } else {
      at = std::max(at, state.last_arrival);
      state.last_arrival = at;
    }
    at = std::max(at, state.clogged_until);
    if (copy == 1) {
      ++stats_.duplicated;
      world_.record({.kind = TraceKind::duplicate, .node = from, .peer = to, .a = frame_hash});
      schedule_arrival(from, to, at, std::move(frame), frame_hash, false);
    } else if (duplicate) {
      schedule_arrival(from, to, at, Frame(frame), frame_hash, true);
    } else {
      schedule_arrival(from, to, at, std::move(frame), frame_hash, true);
    }
  }
}

void SimNetwork::schedule_arrival(std::uint32_t from, std::uint32_t to, Instant at, Frame frame,
                                  std::uint64_t frame_hash, bool counted) {
  const std::uint32_t incarnation = endpoints_[to]->incarnation_;
  // The sent frame holds its place until it arrives, however it fares there; a duplicate is the
  // network's own copy and holds none.
  if (counted) ++link_state(from, to).in_flight;
  world_.schedule(
      at, to,
      [this, from, to, incarnation, frame_hash, counted, frame = std::move(frame)]() mutable {
        if (counted) {
          Link& state = link_state(from, to);
          ORRERY_ASSERT(state.in_flight > 0, "a frame arrived that never left");
          --state.in_flight;
        }
        Endpoint& target = *endpoints_[to];
        if (!target.up_ || target.incarnation_ != incarnation) {
          ++stats_.to_down_nodes;
          world_.record({.kind = TraceKind::drop,
                         .node = from,
                         .peer = to,
                         .a = frame_hash,
                         .text = "node down"});
          return;
        }
        if (cut(from, to)) {
          ++stats_.lost;
          world_.record({.kind = TraceKind::drop,
                         .node = from,
                         .peer = to,
                         .a = frame_hash,
                         .text = "partition"});
          return;
        }
        if (target.sink() == nullptr) {
          ++stats_.lost;
          world_.record({.kind = TraceKind::drop,
                         .node = from,
                         .peer = to,
                         .a = frame_hash,
                         .text = "no listener"});
          return;
        }
        ++stats_.delivered;
        world_.record({.kind = TraceKind::deliver, .node = to, .peer = from, .a = frame_hash});
        target.sink()->on_frame(endpoints_[from]->local_address(), std::move(frame));
      });
}

}  // namespace orrery::sim
