// Remote death watch over real gRPC on 127.0.0.1, on the production thread pool, where the
// outside review found it wedged or not final (issue 12): a node that comes up after the
// handshake timeout is watched normally, a full buffer of unacknowledged system messages gives
// up (quarantine, every watch fires) instead of wedging, and after watches fired for a handshake
// timeout the incarnation that was up then never delivers while a restart is adopted.
#include <algorithm>
#include <atomic>
#include <support/production_harness.hpp>
#include <support/recorder.hpp>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>
#include <orrery/env/production/grpc_transport.hpp>
#include <orrery/env/production/system_clock.hpp>
#include <orrery/env/production/timer_service.hpp>
#include <orrery/remote/remoting.hpp>

#include "support_grpc/cuttable_transport.hpp"
#include "support_grpc/recording_sink.hpp"
#include "support_grpc/transport_fixtures.hpp"

namespace grpc_watch_test {
struct Pong {
  std::uint64_t n = 0;
};
struct Ping {
  std::uint64_t n = 0;
  orrery::ActorRef<Pong> reply_to;
};
}  // namespace grpc_watch_test

ORRERY_FIELDS(grpc_watch_test::Ping, &grpc_watch_test::Ping::n, &grpc_watch_test::Ping::reply_to);
ORRERY_FIELDS(grpc_watch_test::Pong, &grpc_watch_test::Pong::n);

namespace orrery {
namespace {

using namespace std::chrono_literals;
using grpc_watch_test::Ping;
using grpc_watch_test::Pong;

RemoteConfig watch_remote_config() {
  RemoteConfig config;
  config.heartbeat_interval = 100ms;
  config.unreachable_after = 600ms;
  config.handshake_timeout = 1500ms;
  config.handshake_retry_interval = 100ms;
  config.handshake_retry_interval_max = 400ms;
  return config;
}

/// A production node over gRPC with a cuttable transport; /user/ponger answers, /user/stopper
/// stops at its first Ping, /user/w1 .. /user/w5 do nothing.
struct Node {
  Node(const std::string& name, std::uint64_t seed, std::uint16_t port = 0,
       RemoteConfig remote = watch_remote_config())
      : timers(clock),
        pool(ThreadPoolConfig{.workers = 2}),
        random(seed),
        grpc(test::make_transport(test::plaintext_config(name, log, port))),
        transport(*grpc),
        env{clock, timers, pool, random, transport, storage, log} {
    ActorSystemConfig config;
    config.name = name;
    system = ActorSystem::create(env, config);
    REQUIRE(system->serialization().register_type<Ping>("test.watch.Ping").ok());
    REQUIRE(system->serialization().register_type<Pong>("test.watch.Pong").ok());
    remoting = Remoting::start(*system, transport, remote);
    system->spawn(behaviors::receive<Ping>(
                      [](ActorContext<Ping>&, Ping& ping) { ping.reply_to.tell(Pong{ping.n}); }),
                  "ponger");
    system->spawn(behaviors::receive<Ping>([](ActorContext<Ping>&, Ping&) -> Behavior<Ping> {
                    return behaviors::stopped();
                  }),
                  "stopper");
    for (int i = 1; i <= 5; ++i) {
      system->spawn(behaviors::receive<Ping>([](ActorContext<Ping>&, Ping&) {}),
                    "w" + std::to_string(i));
    }
  }
  ~Node() {
    remoting.reset();
    system.reset();
  }
  std::string uri(const std::string& path) const {
    return "orrery://" + transport.local_address().to_string() + path;
  }

  test::LinesLog log;
  SystemClock clock;
  TimerService timers;
  ThreadPoolExecutor pool;
  test::LockedRandom random;
  test::NullStorage storage;
  std::unique_ptr<GrpcTransport> grpc;
  test::CuttableTransport transport;
  Env env;
  ActorSystemPtr system;
  RemotingPtr remoting;
};

/// Watches each of `watched` in its setup, tells `recorder` Pong{tag} for each Terminated, and
/// forwards the pongs it gets.
ActorRef<Pong> watcher(ActorSystem& system, ActorRef<Pong> recorder,
                       std::vector<UntypedActorRef> watched, std::uint64_t tag,
                       std::string_view name) {
  return system.spawn(
      behaviors::setup<Pong>([recorder, watched, tag](ActorContext<Pong>& ctx) {
        for (const UntypedActorRef& ref : watched)
          ctx.watch(ref);
        return behaviors::receive<Pong>(
                   [recorder](ActorContext<Pong>&, Pong& p) { recorder.tell(Pong{p.n}); })
            .receive_signal([recorder, tag](ActorContext<Pong>&, const Terminated&) {
              recorder.tell(Pong{tag});
            });
      }),
      name);
}

std::size_t count(const std::vector<Pong>& pongs, std::uint64_t n) {
  return static_cast<std::size_t>(
      std::count_if(pongs.begin(), pongs.end(), [n](const Pong& p) { return p.n == n; }));
}

/// A port nothing listens on now (a transport bound it and let it go).
std::uint16_t free_port() {
  test::LinesLog log;
  auto transport = test::make_transport(test::plaintext_config("probe", log));
  return transport->local_address().port;
}

TEST_CASE(
    "grpc transport: a node that comes up after the handshake timeout can be watched - the "
    "watch reaches it and its death comes back",
    "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  Node a("alpha", 31);
  const std::uint16_t port = free_port();
  const std::string stopper_uri =
      "orrery://beta@127.0.0.1:" + std::to_string(port) + "/user/stopper";
  auto stopper = a.remoting->ref<Ping>(stopper_uri).value();
  test::Recorder<Pong> heard(*a.system);
  watcher(*a.system, heard.ref(), {UntypedActorRef(stopper)}, 1, "first");
  REQUIRE(test::eventually([&] { return count(heard.messages(), 1) == 1; }, 10s));
  CHECK(a.remoting->stats().handshake_timeouts >= 1);
  std::this_thread::sleep_for(300ms);  // b starts well after the watch fired

  Node b("beta", 32, port);
  const auto second = watcher(*a.system, heard.ref(), {UntypedActorRef(stopper)}, 2, "second");
  REQUIRE(test::eventually([&] { return b.remoting->watched_for_peers() == 1; }, 10s));
  stopper.tell(Ping{1, second});
  REQUIRE(test::eventually([&] { return count(heard.messages(), 2) == 1; }, 10s));
  CHECK(a.remoting->stats().quarantined_unproven == 0);
  CHECK(a.remoting->peer_uid(b.transport.local_address()) == b.system->uid());
}

TEST_CASE(
    "grpc transport: over system-messages-max unacknowledged, delivery gives up - every watch "
    "fires instead of a wedged channel",
    "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  RemoteConfig config = watch_remote_config();
  config.system_messages_max = 3;
  Node a("alpha", 41, 0, config);
  Node b("beta", 42);
  test::Recorder<Pong> heard(*a.system);
  auto ponger = a.remoting->ref<Ping>(b.uri("/user/ponger")).value();
  const auto replies = watcher(*a.system, heard.ref(), {}, 0, "replies");
  ponger.tell(Ping{7, replies});
  REQUIRE(test::eventually([&] { return count(heard.messages(), 7) == 1; }, 10s));

  // Cut shorter than unreachable_after: the Watches sent meanwhile are lost, none acknowledged.
  a.transport.cut(true);
  std::vector<UntypedActorRef> targets;
  for (int i = 1; i <= 5; ++i) {
    targets.emplace_back(a.remoting->ref<Ping>(b.uri("/user/w" + std::to_string(i))).value());
  }
  watcher(*a.system, heard.ref(), targets, 1, "watcher");
  std::this_thread::sleep_for(200ms);
  a.transport.cut(false);
  REQUIRE(test::eventually([&] { return count(heard.messages(), 1) == 5; }, 10s));
  CHECK(a.remoting->stats().system_delivery_gave_up == 1);
  CHECK(a.remoting->stats().quarantines >= 1);
}

TEST_CASE(
    "grpc transport: after watches fired for a handshake timeout, the incarnation that was up "
    "then never delivers - both ways - and a restart is adopted",
    "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  Node a("alpha", 51);
  auto b = std::make_unique<Node>("beta", 52);
  const std::uint16_t port = b->transport.local_address().port;
  b->transport.cut(true);  // before any first contact: a never learns b's incarnation
  test::Recorder<Pong> heard(*a.system);
  auto ponger = a.remoting->ref<Ping>(b->uri("/user/ponger")).value();
  const auto replies = watcher(*a.system, heard.ref(), {UntypedActorRef(ponger)}, 1, "first");
  ponger.tell(Ping{10, replies});
  REQUIRE(test::eventually([&] { return count(heard.messages(), 1) == 1; }, 10s));
  b->transport.cut(false);
  auto to_a = b->remoting->ref<Pong>(a.uri(replies.path())).value();
  for (std::uint64_t n = 11; n < 30; ++n) {
    ponger.tell(Ping{n, replies});
    to_a.tell(Pong{n + 100});
    std::this_thread::sleep_for(50ms);
  }
  std::this_thread::sleep_for(2s);  // past the handshake timeout of what waited
  for (std::uint64_t n = 10; n < 30; ++n) {
    CHECK(count(heard.messages(), n) == 0);
    CHECK(count(heard.messages(), n + 100) == 0);
  }
  CHECK(a.remoting->stats().messages_delivered == 0);
  REQUIRE(a.remoting->stats().quarantined_unproven == 1);
  // A new watch of it fires at once (well within the handshake timeout): its node is gone.
  const auto start = std::chrono::steady_clock::now();
  watcher(*a.system, heard.ref(), {UntypedActorRef(ponger)}, 2, "second");
  REQUIRE(test::eventually([&] { return count(heard.messages(), 2) == 1; }, 10s));
  CHECK(std::chrono::steady_clock::now() - start < 1s);

  // b restarts on its port: the new incarnation started after the watches fired.
  b.reset();
  b = std::make_unique<Node>("beta", 53, port);
  REQUIRE(test::eventually(
      [&] {
        ponger.tell(Ping{500, replies});
        return count(heard.messages(), 500) > 0;
      },
      20s));
  CHECK(a.remoting->peer_uid(b->transport.local_address()) == b->system->uid());
}

}  // namespace
}  // namespace orrery
