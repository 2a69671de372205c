// Parsing and printing `system@host:port` node addresses.
#include <charconv>
#include <orrery/env/transport.hpp>

namespace orrery {

std::string NodeAddress::to_string() const {
  std::string text;
  text.reserve(system.size() + host.size() + 8);
  text.append(system).append("@").append(host).append(":").append(std::to_string(port));
  return text;
}

Result<NodeAddress> NodeAddress::parse(std::string_view text) {
  const auto at = text.find('@');
  const auto colon = text.rfind(':');
  if (at == std::string_view::npos || colon == std::string_view::npos || colon < at) {
    return make_error(Errc::invalid_argument,
                      "node address '" + std::string(text) + "' is not of the form system@host:port");
  }
  NodeAddress address;
  address.system = std::string(text.substr(0, at));
  address.host = std::string(text.substr(at + 1, colon - at - 1));
  const auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (address.system.empty() || address.host.empty() || error != std::errc{} ||
      end != port_text.data() + port_text.size() || port > 65535) {
    return make_error(Errc::invalid_argument,
                      "node address '" + std::string(text) + "' has an empty system or host, or a bad port");
  }
  address.port = static_cast<std::uint16_t>(port);
  return address;
}

const char* to_string(SendStatus status) noexcept {
  switch (status) {
    case SendStatus::queued: return "queued";
    case SendStatus::overflow: return "overflow";
    case SendStatus::too_large: return "too large";
    case SendStatus::closed: return "closed";
  }
  return "unknown";
}

}  // namespace orrery
