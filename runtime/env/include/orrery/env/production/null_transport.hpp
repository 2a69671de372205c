#pragma once
// NullTransport: the Transport of a node that talks to no other node. send() takes nothing and
// answers closed (there is no transport to queue on); no link event ever reaches the sink. A
// single-node production system uses it, so remoting's absence is an ordinary status, not a
// null reference.

#include <orrery/env/transport.hpp>

namespace orrery {

class NullTransport final : public Transport {
 public:
  /// `address` is what local_address() reports (nothing listens there).
  explicit NullTransport(NodeAddress address = {"local", "localhost", 0});

  const NodeAddress& local_address() const noexcept override { return address_; }
  void attach(FrameSink&) override {}
  void detach() noexcept override {}
  /// Always SendStatus::closed: the frame is dropped.
  SendStatus send(const NodeAddress& to, Frame frame) override;
  void disconnect(const NodeAddress&) override {}

 private:
  NodeAddress address_;
};

}  // namespace orrery
