// Remoting over the production gRPC transport: two actor systems on the production thread pool,
// real gRPC streams on 127.0.0.1. Messages with refs inside cross both ways in order, an ask
// completes, and a node that restarts on the same port is reached again (a new incarnation).
#include <support/production_harness.hpp>
#include <support/recorder.hpp>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>
#include <orrery/env/production/grpc_transport.hpp>
#include <orrery/env/production/system_clock.hpp>
#include <orrery/env/production/timer_service.hpp>
#include <orrery/remote/remoting.hpp>

#include "support_grpc/recording_sink.hpp"
#include "support_grpc/transport_fixtures.hpp"

namespace grpc_remoting_test {
struct Pong {
  std::uint64_t n = 0;
};
struct Ping {
  std::uint64_t n = 0;
  orrery::ActorRef<Pong> reply_to;
};
}  // namespace grpc_remoting_test

ORRERY_FIELDS(grpc_remoting_test::Ping, &grpc_remoting_test::Ping::n,
              &grpc_remoting_test::Ping::reply_to);
ORRERY_FIELDS(grpc_remoting_test::Pong, &grpc_remoting_test::Pong::n);

namespace orrery {
namespace {

using namespace std::chrono_literals;
using grpc_remoting_test::Ping;
using grpc_remoting_test::Pong;

/// Thread-safe words from a seed, so that each node incarnation draws its own uid.
class SeededLockedRandom final : public Random {
 public:
  explicit SeededLockedRandom(std::uint64_t seed) : generator_(seed) {}
  std::uint64_t next() override {
    std::lock_guard guard(mutex_);
    return generator_.next();
  }

 private:
  std::mutex mutex_;
  Xoshiro256 generator_;
};

/// A production node: real clock, timer thread and thread pool, the gRPC transport, remoting.
struct GrpcNode {
  GrpcNode(const std::string& name, std::uint64_t seed, std::uint16_t port = 0)
      : timers(clock),
        random(seed),
        pool(ThreadPoolConfig{.workers = 2}),
        transport(test::make_transport(test::plaintext_config(name, log, port))),
        env{clock, timers, pool, random, *transport, storage, log} {
    ActorSystemConfig config;
    config.name = name;
    system = ActorSystem::create(env, config);
    REQUIRE(system->serialization().register_type<Ping>("test.grpc.Ping").ok());
    REQUIRE(system->serialization().register_type<Pong>("test.grpc.Pong").ok());
    remoting = Remoting::start(*system, *transport);
  }
  ~GrpcNode() {
    remoting.reset();
    system.reset();  // terminates and waits
  }
  std::string uri(const std::string& path) const {
    return "orrery://" + transport->local_address().to_string() + path;
  }

  test::LinesLog log;
  SystemClock clock;
  TimerService timers;
  ThreadPoolExecutor pool;
  SeededLockedRandom random;
  test::NullStorage storage;
  std::unique_ptr<GrpcTransport> transport;
  Env env;
  ActorSystemPtr system;
  RemotingPtr remoting;
};

Behavior<Ping> ponger() {
  return behaviors::receive<Ping>(
      [](ActorContext<Ping>&, Ping& ping) { ping.reply_to.tell(Pong{ping.n}); });
}

/// A local actor on the asking node that forwards the pongs it gets to a recorder.
ActorRef<Pong> listener(ActorSystem& system, ActorRef<Pong> recorder) {
  return system.spawn(behaviors::receive<Pong>([recorder](ActorContext<Pong>&, Pong& pong) {
                        recorder.tell(Pong{pong.n});
                      }),
                      "listener");
}

TEST_CASE("grpc transport: remoting over real gRPC streams, request and reply in order",
          "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  GrpcNode a("alpha", 1);
  GrpcNode b("beta", 2);
  b.system->spawn(ponger(), "ponger");
  test::Recorder<Pong> pongs(*a.system);
  const auto replies = listener(*a.system, pongs.ref());
  auto remote = a.remoting->ref<Ping>(b.uri("/user/ponger"));
  REQUIRE(remote.ok());

  const std::uint64_t count = 2000;
  for (std::uint64_t n = 0; n < count; ++n)
    remote->tell(Ping{n, replies});
  REQUIRE(test::eventually([&] { return pongs.messages().size() == count; }, 20s));
  const auto seen = pongs.messages();
  for (std::uint64_t n = 0; n < count; ++n)
    REQUIRE(seen[n].n == n);

  auto answer = ask<Pong>(
      *remote,
      [](ActorRef<Pong> reply_to) {
        return Ping{7, reply_to};
      },
      5s);
  REQUIRE(test::eventually([&] { return answer.ready(); }, 10s));
  CHECK(answer.take().value().n == 7);
  CHECK(a.remoting->peer_uid(b.transport->local_address()) == b.system->uid());
  const auto sent = a.transport->stats();
  CHECK(sent.frames_sent >= count);
  CHECK(sent.batches_sent < sent.frames_sent);  // remoting's frames were coalesced
  CHECK(b.remoting->stats().malformed_frames == 0);
}

TEST_CASE("grpc transport: remoting reaches a node that restarted on the same port",
          "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  GrpcNode a("alpha", 1);
  auto b = std::make_unique<GrpcNode>("beta", 2);
  const std::uint16_t port = b->transport->local_address().port;
  const std::uint64_t first_uid = b->system->uid();
  b->system->spawn(ponger(), "ponger");
  test::Recorder<Pong> pongs(*a.system);
  const auto replies = listener(*a.system, pongs.ref());
  auto remote = a.remoting->ref<Ping>(b->uri("/user/ponger")).value();
  remote.tell(Ping{1, replies});
  REQUIRE(test::eventually([&] { return pongs.messages().size() == 1; }, 10s));

  b.reset();
  b = std::make_unique<GrpcNode>("beta", 3, port);
  b->system->spawn(ponger(), "ponger");
  // The old ref names the same path; remoting meets the new incarnation through the handshake.
  REQUIRE(test::eventually(
      [&] {
        remote.tell(Ping{2, replies});
        return pongs.messages().size() > 1;
      },
      20s));
  CHECK(pongs.messages().back().n == 2);
  CHECK(a.remoting->peer_uid(b->transport->local_address()) == b->system->uid());
  CHECK(b->system->uid() != first_uid);
  CHECK(a.transport->stats().reconnects >= 1);
}

}  // namespace
}  // namespace orrery
