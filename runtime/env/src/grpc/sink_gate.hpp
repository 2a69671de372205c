#pragma once
// SinkGate: the one door from the transport's threads into the FrameSink. It lets detach() wait
// until no callback is running (except one on detach's own thread, which is then unwinding into
// the caller), and it turns per-direction link changes into one alternating up/down story per
// peer: a peer is up while at least one stream to or from it is, and the sink hears of each
// change in the order it happened.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <orrery/env/transport.hpp>

namespace orrery::grpc_transport {

class SinkGate {
 public:
  void attach(FrameSink& sink);
  void detach() noexcept;

  /// Calls `deliver(sink)` when a sink is attached; false when none is.
  template <class Deliver>
  bool with_sink(Deliver&& deliver) {
    FrameSink* sink = enter();
    if (sink == nullptr) return false;
    struct Leave {
      SinkGate& gate;
      ~Leave() { gate.leave(); }
    } leave{*this};
    deliver(*sink);
    return true;
  }

  /// A stream to or from `peer` came up / went down.
  void link_up(const NodeAddress& peer);
  void link_down(const NodeAddress& peer);

 private:
  FrameSink* enter();
  void leave() noexcept;

  std::mutex mutex_;
  std::condition_variable left_;
  FrameSink* sink_ = nullptr;
  /// Threads inside a sink callback now: at most one entry per transport thread, plus the
  /// application threads that call send() from a link callback.
  std::vector<std::thread::id> inside_;

  /// Held while telling the sink about a link, so that events for a peer keep their order.
  std::mutex links_mutex_;
  /// Live streams per peer (both directions); peers with none are erased.
  std::map<NodeAddress, std::uint32_t> live_streams_;
};

}  // namespace orrery::grpc_transport
