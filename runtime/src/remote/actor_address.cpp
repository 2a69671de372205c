// Writing and reading orrery:// actor addresses.

#include <charconv>
#include <fmt/format.h>
#include <orrery/remote/actor_address.hpp>

namespace orrery {

std::string ActorAddress::to_string() const {
  std::string text = "orrery://" + node.to_string() + path;
  if (uid != 0) text += "#" + std::to_string(uid);
  return text;
}

Result<ActorAddress> ActorAddress::parse(std::string_view text) {
  constexpr std::string_view scheme = "orrery://";
  auto bad = [&](std::string_view why) {
    return make_error(Errc::invalid_argument, fmt::format("actor address '{}': {}", text, why));
  };
  if (text.substr(0, scheme.size()) != scheme) return bad("does not start with orrery://");
  std::string_view rest = text.substr(scheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return bad("has no path");
  auto node = NodeAddress::parse(rest.substr(0, slash));
  if (!node.ok()) return bad(node.error().message);
  ActorAddress address;
  address.node = std::move(node).value();
  std::string_view path = rest.substr(slash);
  if (const auto hash = path.find('#'); hash != std::string_view::npos) {
    const std::string_view uid = path.substr(hash + 1);
    auto [end, error] = std::from_chars(uid.data(), uid.data() + uid.size(), address.uid);
    if (uid.empty() || error != std::errc{} || end != uid.data() + uid.size()) return bad("has a bad uid");
    path = path.substr(0, hash);
  }
  if (path.size() < 2 || path.find("//") != std::string_view::npos || path.back() == '/') {
    return bad("has a malformed path");
  }
  address.path = std::string(path);
  return address;
}

}  // namespace orrery
