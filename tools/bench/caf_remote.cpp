// CAF's remote round trip, for comparison: an echo actor published by the io middleman in the
// server process, reached with remote_actor and asked with a scoped_actor's request/receive.
#include <string>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <orrery/core/assert.hpp>

#include "child_process.hpp"
#include "measure.hpp"
#include "remote_workloads.hpp"

namespace orrery::bench::caf_peer {
namespace {

caf::actor_system_config remote_config() {
  caf::actor_system_config config;
  config.set("scheduler.max-threads", 2);
  config.load<caf::io::middleman>();
  return config;
}

struct RemoteNode {
  RemoteNode() : config(remote_config()), system(config) {}
  caf::actor_system_config config;
  caf::actor_system system;
};

}  // namespace

std::vector<double> remote_round_trips(const RoundTripSpec& spec) {
  ChildServer server("--serve-caf");
  RemoteNode node;
  auto echo = node.system.middleman().remote_actor("127.0.0.1", server.port());
  ORRERY_ASSERT(static_cast<bool>(echo), "CAF could not reach the published echo actor");
  const std::string payload(remote_payload_bytes, 'x');
  std::vector<double> micros;
  micros.reserve(spec.round_trips);
  {
    caf::scoped_actor self{node.system};
    for (std::uint64_t i = 0; i < spec.warmup + spec.round_trips; ++i) {
      const Stopwatch stopwatch;
      bool answered = false;
      self->request(*echo, std::chrono::seconds(10), payload)
          .receive([&](const std::string& reply) { answered = reply.size() == payload.size(); },
                   [](caf::error&) {});
      ORRERY_ASSERT(answered, "a CAF remote request failed");
      if (i >= spec.warmup) micros.push_back(stopwatch.elapsed_ns() / 1e3);
    }
  }
  return micros;
}

int serve_remote() {
  RemoteNode node;
  auto echo = node.system.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](const std::string& payload) {
      return payload;
    }};
  });
  auto port = node.system.middleman().publish(echo, 0, "127.0.0.1");
  ORRERY_ASSERT(static_cast<bool>(port), "CAF could not publish the echo actor");
  announce_port_and_wait(*port);
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  return 0;
}

}  // namespace orrery::bench::caf_peer
