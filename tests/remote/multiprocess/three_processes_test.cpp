// The remoting scenario (scenarios/remoting) on the real network: node a is this test process,
// nodes b and c are orrery-test-node child processes, all over gRPC with mutual TLS on 127.0.0.1.
// Request-reply in order, remote death watch of a killed process, quarantine of a restarted
// node's old incarnation, a message for that incarnation's actor refused, and a peer whose
// certificate another CA signed refused while b and c go on.
#include <chrono>
#include <remoting/remoting_messages.hpp>
#include <string>
#include <support/recorder.hpp>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <orrery/actor.hpp>
#include <orrery/env/production/production_env.hpp>
#include <orrery/remote/remoting.hpp>

#include "multiprocess/node_process.hpp"
#include "support_grpc/recording_sink.hpp"
#include "support_grpc/test_certificates.hpp"

namespace orrery {
namespace {

using namespace std::chrono_literals;
using scenarios::remoting::Reply;
using scenarios::remoting::Request;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* system_name = "shop";
constexpr auto heartbeat_interval = 200ms;
constexpr auto unreachable_after = 1000ms;
/// How late a death-watch notice may be beyond unreachable_after (heartbeat checks are periodic,
/// and the machine is shared).
constexpr auto death_watch_slack = 2000ms;
constexpr auto ready_timeout = 10s;
constexpr std::uint64_t requests_per_server = 200;

RemoteConfig remote_config() {
  RemoteConfig config;
  config.heartbeat_interval = heartbeat_interval;
  config.unreachable_after = unreachable_after;
  return config;
}

/// A node in this process: ProductionEnv with GrpcTransport (mutual TLS), an actor system,
/// remoting.
struct LocalNode {
  LocalNode(const test::TestCertificates& certificates, const std::string& certificate,
            LogLevel log_threshold) {
    ProductionConfig config;
    config.executor.workers = 2;
    config.storage_root = certificates.directory() + "/storage-" + certificate;
    config.log_threshold = log_threshold;
    GrpcTransportConfig transport;
    transport.address = NodeAddress{system_name, "127.0.0.1", 0};
    transport.tls = GrpcTlsConfig{PemSource::file(certificates.ca_certificate()),
                                  PemSource::file(certificates.certificate(certificate)),
                                  PemSource::file(certificates.key(certificate)),
                                  {}};
    // c is killed and restarted within seconds: redial quickly rather than back off for long.
    transport.reconnect_backoff_min = 20ms;
    transport.reconnect_backoff_max = 200ms;
    transport.connect_timeout = 1s;
    config.transport = std::move(transport);
    auto created = ProductionEnv::create(std::move(config));
    if (!created.ok())
      FAIL("ProductionEnv::create for " << certificate << ": " << created.error().message);
    production = std::move(created).value();
    ActorSystemConfig system_config;
    system_config.name = system_name;
    system_config.log_level = log_threshold;
    system = ActorSystem::create(production->env(), system_config);
    REQUIRE(system->serialization().register_type<Request>("scenario.remoting.Request").ok());
    REQUIRE(system->serialization().register_type<Reply>("scenario.remoting.Reply").ok());
    remoting = Remoting::start(*system, production->transport(), remote_config());
  }

  ActorRef<Request> server_ref(std::uint16_t port, std::uint64_t uid = 0) const {
    std::string uri = fmt::format("orrery://{}@127.0.0.1:{}/user/server", system_name, port);
    if (uid != 0) uri += fmt::format("#{}", uid);
    auto ref = remoting->ref<Request>(uri);
    REQUIRE(ref.ok());
    return *ref;
  }

  // Destroyed backwards: remoting, then the system (terminated and awaited), then the Env.
  std::unique_ptr<ProductionEnv> production;
  ActorSystemPtr system;
  RemotingPtr remoting;
};

/// A local actor that forwards the replies it gets to a recorder (remote replies need an actor).
ActorRef<Reply> listener(ActorSystem& system, ActorRef<Reply> recorder) {
  return system.spawn_anonymous(behaviors::receive<Reply>(
      [recorder](ActorContext<Reply>&, Reply& reply) { recorder.tell(std::move(reply)); }));
}

struct ServerGone {
  std::string server;
};
struct Death {
  std::string server;
  SteadyClock::time_point at;
};

/// Watches `target`; when it is gone, records the moment.
Behavior<ServerGone> watcher(ActorRef<Request> target, std::string server, ActorRef<Death> deaths) {
  return behaviors::setup<ServerGone>([=](ActorContext<ServerGone>& ctx) {
    ctx.watch_with(target, ServerGone{server});
    return behaviors::receive<ServerGone>([deaths](ActorContext<ServerGone>&, ServerGone& gone) {
      deaths.tell(Death{gone.server, SteadyClock::now()});
    });
  });
}

/// The first problem with `server`'s replies among `replies`: they must be seq 1..count, in
/// order, each once, all from `incarnation`. Empty when there is none.
std::string sequence_problem(const std::vector<Reply>& replies, const std::string& server,
                             std::uint64_t count, std::uint64_t incarnation) {
  std::uint64_t expected = 1;
  for (const Reply& reply : replies) {
    if (reply.server != server) continue;
    if (reply.incarnation != incarnation) {
      return fmt::format("reply {} from {} names incarnation {}, not {}", reply.seq, server,
                         reply.incarnation, incarnation);
    }
    if (reply.seq != expected) {
      return fmt::format("reply {} from {} where {} was due: {}", reply.seq, server, expected,
                         reply.seq < expected ? "delivered twice or reordered" : "replies lost");
    }
    ++expected;
  }
  if (expected != count + 1) {
    return fmt::format("{} replies from {}, {} expected", expected - 1, server, count);
  }
  return {};
}

bool has_reply(const std::vector<Reply>& replies, const std::string& server, std::uint64_t seq) {
  for (const Reply& reply : replies)
    if (reply.server == server && reply.seq == seq) return true;
  return false;
}

/// The three nodes: a here, b and c as child processes.
struct Cluster {
  Cluster()
      : certificates(generate_certificates()),
        a(certificates, "node-a", LogLevel::warning),
        replies(*a.system),
        reply_to(listener(*a.system, replies.ref())) {
    b = start_node("b", 0);
    c = start_node("c", 0);
  }

  static test::TestCertificates generate_certificates() {
    auto generated = test::TestCertificates::generate();
    if (!generated.ok()) FAIL("openssl: " << generated.error().message);
    return std::move(generated).value();
  }

  std::unique_ptr<test::NodeProcess> start_node(const std::string& name, std::uint16_t port) {
    const std::vector<std::string> arguments{
        "--name",           name,
        "--port",           std::to_string(port),
        "--system",         system_name,
        "--cert-dir",       certificates.directory(),
        "--storage-root",   certificates.directory() + "/storage-" + name,
        "--heartbeat-ms",   std::to_string(heartbeat_interval.count()),
        "--unreachable-ms", std::to_string(unreachable_after.count())};
    auto started = test::NodeProcess::start(ORRERY_TEST_NODE_PATH, arguments, ready_timeout);
    if (!started.ok()) FAIL("starting node " << name << ": " << started.error().message);
    return std::move(started).value();
  }

  test::TestCertificates certificates;
  LocalNode a;
  test::Recorder<Reply> replies;
  ActorRef<Reply> reply_to;
  std::unique_ptr<test::NodeProcess> b;
  std::unique_ptr<test::NodeProcess> c;
};

void check_request_reply(Cluster& cluster) {
  const auto to_b = cluster.a.server_ref(cluster.b->ready().port);
  const auto to_c = cluster.a.server_ref(cluster.c->ready().port);
  for (std::uint64_t seq = 1; seq <= requests_per_server; ++seq) {
    to_b.tell(Request{seq, cluster.reply_to});
    to_c.tell(Request{seq, cluster.reply_to});
  }
  const bool all =
      test::eventually([&] { return cluster.replies.count() >= 2 * requests_per_server; }, 10s);
  const auto seen = cluster.replies.messages();
  for (const auto& [name, node] :
       {std::pair{"b", cluster.b.get()}, std::pair{"c", cluster.c.get()}}) {
    const std::string problem =
        sequence_problem(seen, name, requests_per_server, node->ready().system_uid);
    if (!problem.empty()) FAIL("request-reply: " << problem << (all ? "" : " (after 10 s)"));
  }
  // Give a duplicate the time to show up before the count is final.
  std::this_thread::sleep_for(100ms);
  if (cluster.replies.count() != 2 * requests_per_server) {
    FAIL("request-reply: " << cluster.replies.count() << " replies to " << 2 * requests_per_server
                           << " requests (duplicates)");
  }
}

void check_death_watch(Cluster& cluster) {
  test::Recorder<Death> deaths(*cluster.a.system);
  const test::NodeReady c = cluster.c->ready();
  cluster.a.system->spawn_anonymous(
      watcher(cluster.a.server_ref(c.port, c.server_uid), "c", deaths.ref()));
  std::this_thread::sleep_for(2 * heartbeat_interval);
  if (deaths.count() != 0) FAIL("death watch: Terminated for c's server while c was alive");

  const auto killed_at = SteadyClock::now();
  cluster.c->kill_now();
  const auto limit = unreachable_after + death_watch_slack;
  if (!test::eventually([&] { return deaths.count() > 0; },
                        std::chrono::duration_cast<std::chrono::milliseconds>(limit) + 1s)) {
    FAIL("death watch: no Terminated for c's server within "
         << std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()
         << " ms of SIGKILL");
  }
  const auto latency = deaths.messages().front().at - killed_at;
  const auto latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(latency).count();
  UNSCOPED_INFO("death watch: Terminated " << latency_ms << " ms after SIGKILL");
  if (latency > limit) {
    FAIL("death watch: Terminated came "
         << latency_ms << " ms after SIGKILL, more than "
         << std::chrono::duration_cast<std::chrono::milliseconds>(limit).count() << " ms");
  }
}

/// c restarts on its port: a meets the new incarnation and quarantines the old one; a message
/// for the old incarnation's server is refused while the new server answers.
void check_restart(Cluster& cluster) {
  const test::NodeReady old_c = cluster.c->ready();
  const std::uint64_t quarantines_before = cluster.a.remoting->stats().quarantines;
  cluster.c = cluster.start_node("c", old_c.port);
  const test::NodeReady new_c = cluster.c->ready();
  REQUIRE(new_c.port == old_c.port);
  if (new_c.system_uid == old_c.system_uid) FAIL("restart: c came back with the same incarnation");
  if (new_c.server_uid == old_c.server_uid) FAIL("restart: c's new server has the old one's uid");

  // The uid-less ref names the path: whichever incarnation answers.
  const auto to_c = cluster.a.server_ref(new_c.port);
  std::uint64_t seq = 10'000;
  const bool reached = test::eventually(
      [&] {
        to_c.tell(Request{++seq, cluster.reply_to});
        std::this_thread::sleep_for(50ms);
        for (const Reply& reply : cluster.replies.messages())
          if (reply.server == "c" && reply.incarnation == new_c.system_uid) return true;
        return false;
      },
      10s);
  if (!reached) FAIL("restart: no reply from c's new incarnation within 10 s");
  // The old incarnation was quarantined when its watchers were told Terminated (the kill made
  // it unreachable), or at the latest when the new one showed up: either way it is, and a now
  // talks to the new one.
  const std::uint64_t quarantines = cluster.a.remoting->stats().quarantines;
  if (quarantines < 1 || quarantines < quarantines_before) {
    FAIL("restart: a's RemoteStats.quarantines is " << quarantines << " after c's restart");
  }
  const std::uint64_t adopted =
      cluster.a.remoting->peer_uid(NodeAddress{system_name, "127.0.0.1", new_c.port});
  if (adopted != new_c.system_uid) {
    FAIL("restart: a's association with c has incarnation " << adopted << ", not "
                                                            << new_c.system_uid);
  }

  // Sent in this order over one association: once the live reply is here, c has handled the
  // stale message, and any reply to it (sent first) would have arrived first.
  constexpr std::uint64_t stale_seq = 99'999, live_seq = 20'000;
  cluster.a.server_ref(new_c.port, old_c.server_uid).tell(Request{stale_seq, cluster.reply_to});
  cluster.a.server_ref(new_c.port, new_c.server_uid).tell(Request{live_seq, cluster.reply_to});
  if (!test::eventually([&] { return has_reply(cluster.replies.messages(), "c", live_seq); }, 5s))
    FAIL("stale refused: c's new server (uid " << new_c.server_uid << ") did not answer");
  std::this_thread::sleep_for(200ms);
  if (has_reply(cluster.replies.messages(), "c", stale_seq))
    FAIL("stale refused: a message for c's old server (uid " << old_c.server_uid
                                                             << ") was answered");
}

/// A node whose certificate another CA signed gets nothing through, and b and c go on.
void check_rogue_refused(Cluster& cluster) {
  LocalNode rogue(cluster.certificates, "rogue", LogLevel::error);
  test::Recorder<Reply> rogue_replies(*rogue.system);
  const auto rogue_reply_to = listener(*rogue.system, rogue_replies.ref());
  const auto to_b = rogue.server_ref(cluster.b->ready().port);
  std::uint64_t seq = 0;
  const bool refused = test::eventually(
      [&] {
        to_b.tell(Request{++seq, rogue_reply_to});
        std::this_thread::sleep_for(20ms);
        return rogue.production->grpc_transport()->stats().connect_failures >= 2;
      },
      10s);
  if (!refused) FAIL("rogue: its transport never failed to connect to b");
  std::this_thread::sleep_for(300ms);  // a reply let through would have arrived by now
  if (rogue_replies.count() != 0)
    FAIL("rogue: " << rogue_replies.count() << " of its " << seq << " requests were answered");
  if (rogue.production->grpc_transport()->stats().links_up != 0)
    FAIL("rogue: a link came up with a certificate of another CA");

  if (!cluster.b->running()) FAIL("rogue: b's process ended after the rogue's attempts");
  if (!cluster.c->running()) FAIL("rogue: c's process ended");
  constexpr std::uint64_t after_seq = 30'000;
  cluster.a.server_ref(cluster.b->ready().port).tell(Request{after_seq, cluster.reply_to});
  cluster.a.server_ref(cluster.c->ready().port).tell(Request{after_seq, cluster.reply_to});
  const bool answered = test::eventually(
      [&] {
        const auto seen = cluster.replies.messages();
        return has_reply(seen, "b", after_seq) && has_reply(seen, "c", after_seq);
      },
      5s);
  if (!answered) FAIL("rogue: b and c did not both answer a after the rogue was refused");
}

void check_clean_termination(Cluster& cluster) {
  for (const auto& [name, node] :
       {std::pair{"b", cluster.b.get()}, std::pair{"c", cluster.c.get()}}) {
    const auto exited = node->terminate(5s);
    if (!exited.ok()) FAIL("SIGTERM: node " << name << ": " << exited.error().message);
    if (*exited != 0) FAIL("SIGTERM: node " << name << " exited with code " << *exited);
  }
}

TEST_CASE("remoting across three OS processes over gRPC with mTLS",
          "[remote][grpc][multiprocess]") {
  INFO(
      "reproduce: build/tests/orrery-tests-remote \"remoting across three OS processes over gRPC "
      "with mTLS\" (node program: " ORRERY_TEST_NODE_PATH ")");
  Cluster cluster;
  check_request_reply(cluster);
  check_death_watch(cluster);
  check_restart(cluster);
  check_rogue_refused(cluster);
  check_clean_termination(cluster);
}

}  // namespace
}  // namespace orrery
