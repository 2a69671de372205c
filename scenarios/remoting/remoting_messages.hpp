#pragma once
// The remoting scenario's wire messages (plain structs, serialized by field).
#include <cstdint>
#include <string>

#include <orrery/actor.hpp>
#include <orrery/remote/serialization.hpp>

namespace orrery::scenarios::remoting {

struct Reply {
  std::uint64_t seq = 0;
  std::string server;
  std::uint64_t incarnation = 0;
};

struct Request {
  std::uint64_t seq = 0;
  ActorRef<Reply> reply_to;
};

}  // namespace orrery::scenarios::remoting

ORRERY_FIELDS(orrery::scenarios::remoting::Reply, &orrery::scenarios::remoting::Reply::seq,
              &orrery::scenarios::remoting::Reply::server,
              &orrery::scenarios::remoting::Reply::incarnation);
ORRERY_FIELDS(orrery::scenarios::remoting::Request, &orrery::scenarios::remoting::Request::seq,
              &orrery::scenarios::remoting::Request::reply_to);
