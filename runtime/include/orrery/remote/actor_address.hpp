#pragma once
// ActorAddress: where an actor lives, as refs are written on the wire:
//   orrery://system@host:port/user/orders/o-17#42
// (the node, the path, and the actor's uid; uid 0 means "whichever incarnation").

#include <cstdint>
#include <orrery/core/result.hpp>
#include <orrery/env/transport.hpp>
#include <string>
#include <string_view>

namespace orrery {

struct ActorAddress {
  NodeAddress node;
  std::string path;  // "/user/orders"
  std::uint64_t uid = 0;

  /// "orrery://system@host:port/path" (and "#uid" when the uid is known).
  std::string to_string() const;
  static Result<ActorAddress> parse(std::string_view text);

  friend bool operator==(const ActorAddress&, const ActorAddress&) = default;
};

}  // namespace orrery
