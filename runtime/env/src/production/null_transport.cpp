// The transport of a node without peers.

#include <utility>

#include <orrery/env/production/null_transport.hpp>

namespace orrery {

NullTransport::NullTransport(NodeAddress address) : address_(std::move(address)) {
}

SendStatus NullTransport::send(const NodeAddress&, Frame) {
  return SendStatus::closed;
}

}  // namespace orrery
