// Remoting's finality and re-entrancy over real gRPC on 127.0.0.1, on the production thread
// pool: a peer cut off long enough for its watch to fire is quarantined and delivers nothing
// after the cut heals (both ways) until it restarts, and an ask's continuation, run on the gRPC
// thread that delivered the reply, may send to the replying node. A remote watch is one
// incarnation: a new actor at a watched path is neither reported dead nor watched by old watches.
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

namespace grpc_final_test {
struct Pong {
  std::uint64_t n = 0;
};
struct Ping {
  std::uint64_t n = 0;
  orrery::ActorRef<Pong> reply_to;
};
}  // namespace grpc_final_test

ORRERY_FIELDS(grpc_final_test::Ping, &grpc_final_test::Ping::n, &grpc_final_test::Ping::reply_to);
ORRERY_FIELDS(grpc_final_test::Pong, &grpc_final_test::Pong::n);

namespace orrery {
namespace {

using namespace std::chrono_literals;
using grpc_final_test::Ping;
using grpc_final_test::Pong;

using test::CuttableTransport;
using test::LockedRandom;

RemoteConfig fast_remote_config() {
  RemoteConfig config;
  config.heartbeat_interval = 100ms;
  config.unreachable_after = 600ms;
  config.handshake_timeout = 1500ms;
  config.handshake_retry_interval = 100ms;
  config.handshake_retry_interval_max = 400ms;
  return config;
}

/// A production node over gRPC, with the cuttable transport between remoting and gRPC.
struct Node {
  Node(const std::string& name, std::uint64_t seed, std::uint16_t port = 0)
      : timers(clock),
        pool(ThreadPoolConfig{.workers = 2}),
        random(seed),
        grpc(test::make_transport(test::plaintext_config(name, log, port))),
        transport(*grpc),
        env{clock, timers, pool, random, transport, storage, log} {
    ActorSystemConfig config;
    config.name = name;
    system = ActorSystem::create(env, config);
    REQUIRE(system->serialization().register_type<Ping>("test.final.Ping").ok());
    REQUIRE(system->serialization().register_type<Pong>("test.final.Pong").ok());
    remoting = Remoting::start(*system, transport, fast_remote_config());
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
  LockedRandom random;
  test::NullStorage storage;
  std::unique_ptr<GrpcTransport> grpc;
  CuttableTransport transport;
  Env env;
  ActorSystemPtr system;
  RemotingPtr remoting;
};

Behavior<Ping> counting_ponger(std::shared_ptr<std::atomic<std::uint64_t>> received) {
  return behaviors::receive<Ping>([received](ActorContext<Ping>&, Ping& ping) {
    ++*received;
    ping.reply_to.tell(Pong{ping.n});
  });
}

/// Forwards pongs to a recorder (remote replies need an actor), and Terminated of `watched` as
/// Pong{0}.
ActorRef<Pong> listener(ActorSystem& system, ActorRef<Pong> recorder,
                        UntypedActorRef watched = {}) {
  return system.spawn(
      behaviors::setup<Pong>([recorder, watched](ActorContext<Pong>& ctx) {
        if (watched) ctx.watch(watched);
        return behaviors::receive<Pong>(
                   [recorder](ActorContext<Pong>&, Pong& pong) { recorder.tell(Pong{pong.n}); })
            .receive_signal(
                [recorder](ActorContext<Pong>&, const Terminated&) { recorder.tell(Pong{0}); });
      }),
      "listener");
}

bool has(const std::vector<Pong>& pongs, std::uint64_t n) {
  return std::any_of(pongs.begin(), pongs.end(), [n](const Pong& p) { return p.n == n; });
}

TEST_CASE(
    "grpc transport: after a watch fired for a cut peer, nothing from that incarnation is "
    "delivered once the cut heals - both ways, and a restart talks again",
    "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  Node a("alpha", 11);
  auto b = std::make_unique<Node>("beta", 12);
  const std::uint16_t port = b->transport.local_address().port;
  auto received = std::make_shared<std::atomic<std::uint64_t>>(0);
  b->system->spawn(counting_ponger(received), "ponger");
  auto remote = a.remoting->ref<Ping>(b->uri("/user/ponger")).value();
  test::Recorder<Pong> pongs(*a.system);
  const auto replies = listener(*a.system, pongs.ref(), UntypedActorRef(remote));
  remote.tell(Ping{1, replies});
  REQUIRE(test::eventually([&] { return has(pongs.messages(), 1); }, 10s));
  // b also talks to a's listener directly, with a ref of its own.
  auto to_a = b->remoting->ref<Pong>(a.uri(replies.path())).value();
  to_a.tell(Pong{2});
  REQUIRE(test::eventually([&] { return has(pongs.messages(), 2); }, 10s));

  b->transport.cut(true);
  REQUIRE(test::eventually([&] { return has(pongs.messages(), 0); }, 10s));  // Terminated
  REQUIRE(test::eventually([&] { return b->remoting->stats().quarantines >= 1; }, 10s));
  b->transport.cut(false);
  const std::uint64_t delivered_a = a.remoting->stats().messages_delivered;
  const std::uint64_t delivered_b = b->remoting->stats().messages_delivered;
  const std::uint64_t received_before = received->load();
  for (std::uint64_t n = 10; n < 30; ++n) {
    remote.tell(Ping{n, replies});
    to_a.tell(Pong{n + 100});
    std::this_thread::sleep_for(50ms);
  }
  std::this_thread::sleep_for(2s);  // past the handshake timeout of what waited
  CHECK(received->load() == received_before);
  CHECK(a.remoting->stats().messages_delivered == delivered_a);
  CHECK(b->remoting->stats().messages_delivered == delivered_b);
  for (std::uint64_t n = 10; n < 30; ++n) {
    CHECK_FALSE(has(pongs.messages(), n));
    CHECK_FALSE(has(pongs.messages(), n + 100));
  }

  // b restarts on its port: the new incarnation is answered again.
  b.reset();
  b = std::make_unique<Node>("beta", 13, port);
  b->system->spawn(counting_ponger(received), "ponger");
  REQUIRE(test::eventually(
      [&] {
        remote.tell(Ping{500, replies});
        return has(pongs.messages(), 500);
      },
      20s));
  CHECK(a.remoting->peer_uid(b->transport.local_address()) == b->system->uid());
}

TEST_CASE(
    "grpc transport: an ask's continuation that sends to the replying node runs on the delivering "
    "thread, no self-deadlock",
    "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  Node a("alpha", 21);
  Node b("beta", 22);
  auto received = std::make_shared<std::atomic<std::uint64_t>>(0);
  b.system->spawn(counting_ponger(received), "ponger");
  test::Recorder<Pong> pongs(*a.system);
  const auto replies = listener(*a.system, pongs.ref());
  auto remote = a.remoting->ref<Ping>(b.uri("/user/ponger")).value();
  for (std::uint64_t round = 0; round < 20; ++round) {
    auto answer = ask<Pong>(
        remote,
        [round](ActorRef<Pong> reply_to) {
          return Ping{round * 2 + 1, reply_to};
        },
        5s);
    answer.on_complete([remote, replies](const Result<Pong>& result) {
      if (result.ok())
        remote.tell(Ping{result->n + 1, replies});  // back to b, from inside delivery
    });
    REQUIRE(test::eventually([&] { return has(pongs.messages(), round * 2 + 2); }, 10s));
  }
}

/// Watches `watched` and tells `recorder` Pong{tag} when it terminates.
ActorRef<Pong> incarnation_watcher(ActorSystem& system, ActorRef<Pong> recorder,
                                   UntypedActorRef watched, std::uint64_t tag,
                                   std::string_view name) {
  return system.spawn(
      behaviors::setup<Pong>([recorder, watched, tag](ActorContext<Pong>& ctx) {
        ctx.watch(watched);
        return behaviors::receive<Pong>([](ActorContext<Pong>&, Pong&) {})
            .receive_signal([recorder, tag](ActorContext<Pong>&, const Terminated&) {
              recorder.tell(Pong{tag});
            });
      }),
      name);
}

/// The ref, usable on `from`, to exactly the incarnation `local` of /user/target on `to`.
UntypedActorRef target_incarnation(Node& from, Node& to, const ActorRef<Ping>& local) {
  ActorAddress address{to.transport.local_address(), "/user/target", local.recipient()->uid()};
  return UntypedActorRef(from.remoting->ref<Ping>(address).value());
}

std::size_t count(const std::vector<Pong>& pongs, std::uint64_t n) {
  return static_cast<std::size_t>(
      std::count_if(pongs.begin(), pongs.end(), [n](const Pong& p) { return p.n == n; }));
}

TEST_CASE(
    "grpc transport: a remote watch is one incarnation - #1's death is not #2's, and #2's "
    "watcher hears Terminated only when #2 stops",
    "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  Node a("alpha", 21);
  Node b("beta", 22);
  auto stops = [] {
    return behaviors::receive<Ping>(
        [](ActorContext<Ping>&, Ping&) -> Behavior<Ping> { return behaviors::stopped(); });
  };
  test::Recorder<Pong> heard(*a.system);
  const ActorRef<Ping> one = b.system->spawn(stops(), "target");
  incarnation_watcher(*a.system, heard.ref(), target_incarnation(a, b, one), 1, "first");
  std::this_thread::sleep_for(300ms);  // the watch of #1 reaches b
  one.tell(Ping{});
  REQUIRE(test::eventually([&] { return has(heard.messages(), 1); }, 10s));
  REQUIRE(test::eventually([&] { return b.system->resolve("/user/target") == nullptr; }, 10s));

  const ActorRef<Ping> two = b.system->spawn(stops(), "target");
  REQUIRE(two.recipient()->uid() != one.recipient()->uid());
  incarnation_watcher(*a.system, heard.ref(), target_incarnation(a, b, two), 2, "second");
  std::this_thread::sleep_for(1s);
  CHECK_FALSE(has(heard.messages(), 2));  // #2 lives: nothing may report it Terminated
  two.tell(Ping{});
  REQUIRE(test::eventually([&] { return has(heard.messages(), 2); }, 10s));
  std::this_thread::sleep_for(200ms);
  CHECK(count(heard.messages(), 1) == 1);
  CHECK(count(heard.messages(), 2) == 1);
}

}  // namespace
}  // namespace orrery
