// Remoting over an in-memory network: request-reply with refs inside messages, at-most-once and
// ordered under duplication and reordering, remote death watch (stop and unreachable; what the
// watched node keeps as watches come and go), quarantine of a restarted peer's old incarnation,
// and bad input.
#include <catch2/catch.hpp>
#include <orrery/actor.hpp>
#include <orrery/remote/remoting.hpp>
#include <orrery/remote/v1/remote.pb.h>
#include <support/memory_network.hpp>
#include <support/recorder.hpp>

namespace remote_test {
struct Greeted;
struct Greet {
  std::string name;
  orrery::ActorRef<Greeted> reply_to;
};
struct Greeted {
  std::string text;
  std::uint32_t count = 0;
};
struct Numbered {
  std::uint64_t n = 0;
};
struct Unregistered {
  int x = 0;
};
}  // namespace remote_test

ORRERY_FIELDS(remote_test::Greet, &remote_test::Greet::name, &remote_test::Greet::reply_to);
ORRERY_FIELDS(remote_test::Greeted, &remote_test::Greeted::text, &remote_test::Greeted::count);
ORRERY_FIELDS(remote_test::Numbered, &remote_test::Numbered::n);
ORRERY_FIELDS(remote_test::Unregistered, &remote_test::Unregistered::x);

namespace orrery {
namespace {

using namespace std::chrono_literals;
using namespace remote_test;

/// A node of the test network: env, system with the test messages registered, remoting.
struct TestNode {
  TestNode(test::MemoryNetwork& network, NodeAddress node_address, RemoteConfig config = {})
      : address(node_address), env(network.add_node(node_address)) {
    ActorSystemConfig system_config;
    system_config.name = node_address.system;
    system = ActorSystem::create(env, system_config);
    REQUIRE(system->serialization().register_type<Greet>("test.Greet").ok());
    REQUIRE(system->serialization().register_type<Greeted>("test.Greeted").ok());
    REQUIRE(system->serialization().register_type<Numbered>("test.Numbered").ok());
    remoting = Remoting::start(*system, env.transport, config);
  }
  ~TestNode() {
    remoting.reset();
    system->abort();
  }

  NodeAddress address;
  Env& env;
  ActorSystemPtr system;
  RemotingPtr remoting;
};

Behavior<Greet> greeter() {
  return behaviors::setup<Greet>([](ActorContext<Greet>&) {
    auto count = std::make_shared<std::uint32_t>(0);
    return behaviors::receive<Greet>([count](ActorContext<Greet>&, Greet& greet) {
      greet.reply_to.tell(Greeted{"hello " + greet.name, ++*count});
    });
  });
}

const NodeAddress a_address{"test", "a", 1};
const NodeAddress b_address{"test", "b", 1};

TEST_CASE("request and reply across nodes, with refs inside messages", "[remote]") {
  test::MemoryNetwork network;
  TestNode a(network, a_address);
  TestNode b(network, b_address);
  b.system->spawn(greeter(), "greeter");
  auto remote = a.remoting->ref<Greet>("orrery://test@b:1/user/greeter");
  REQUIRE(remote.ok());
  test::Recorder<Greeted> replies(*a.system);
  // A local actor on A receives the replies: its ref crosses the network inside Greet.
  auto local = a.system->spawn(
      behaviors::receive<Greeted>([r = replies.ref()](ActorContext<Greeted>&, Greeted& g) { r.tell(Greeted(g)); }),
      "listener");
  for (int i = 0; i < 3; ++i) remote->tell(Greet{"a" + std::to_string(i), local});
  REQUIRE(network.run_until(replies.has(3), 5s));
  auto seen = replies.messages();
  REQUIRE(seen[0].text == "hello a0");
  REQUIRE(seen[2].count == 3);
  REQUIRE(a.remoting->peer_uid(b_address) == b.system->uid());
  // And an ask from outside, whose reply slot is exported and found again.
  auto answer = ask<Greeted>(*remote, [](ActorRef<Greeted> r) { return Greet{"asker", r}; }, 1s);
  REQUIRE(network.run_until([&] { return answer.ready(); }, 5s));
  REQUIRE(answer.take().value().text == "hello asker");
  REQUIRE(b.remoting->stats().messages_delivered == 4);
}

TEST_CASE("duplicated and reordered frames: at most once, in order", "[remote]") {
  test::MemoryNetwork network;
  TestNode a(network, a_address);
  TestNode b(network, b_address);
  test::Recorder<std::uint64_t> got(*b.system);
  b.system->spawn(behaviors::receive<Numbered>([r = got.ref()](ActorContext<Numbered>&, Numbered& m) { r.tell(std::uint64_t{m.n}); }),
                  "sink");
  auto remote = a.remoting->ref<Numbered>("orrery://test@b:1/user/sink").value();
  remote.tell(Numbered{0});
  REQUIRE(network.run_until(got.has(1), 5s));
  network.set_duplicate(true);
  network.set_reorder(true);
  for (std::uint64_t i = 1; i <= 100; ++i) remote.tell(Numbered{i});
  network.advance(100ms);
  auto seen = got.messages();
  REQUIRE(seen.size() >= 50);  // reordering drops the overtaken ones
  for (std::size_t i = 1; i < seen.size(); ++i) REQUIRE(seen[i] > seen[i - 1]);
  REQUIRE(b.remoting->stats().duplicates_dropped > 0);
}

TEST_CASE("remote death watch: a stopped actor and an unreachable node", "[remote]") {
  RemoteConfig config;
  config.heartbeat_interval = 100ms;
  config.unreachable_after = 500ms;
  test::MemoryNetwork network;
  TestNode a(network, a_address, config);
  TestNode b(network, b_address, config);
  auto victim = b.system->spawn(behaviors::receive<Numbered>([](ActorContext<Numbered>&, Numbered& m) -> Behavior<Numbered> {
                                  if (m.n == 0) return behaviors::stopped();
                                  return behaviors::same();
                                }),
                                "victim");
  b.system->spawn(behaviors::receive<Numbered>([](ActorContext<Numbered>&, Numbered&) {}), "survivor");
  test::Recorder<std::string> terminated(*a.system);
  struct Watch {
    UntypedActorRef target;
  };
  auto watcher = a.system->spawn(
      behaviors::receive<Watch>([](ActorContext<Watch>& ctx, Watch& w) { ctx.watch(w.target); })
          .receive_signal([r = terminated.ref()](ActorContext<Watch>&, const Terminated& t) { r.tell(t.ref.path()); }),
      "watcher");
  auto remote_victim = a.remoting->ref<Numbered>("orrery://test@b:1/user/victim").value();
  auto remote_survivor = a.remoting->ref<Numbered>("orrery://test@b:1/user/survivor").value();
  watcher.tell(Watch{remote_victim});
  watcher.tell(Watch{remote_survivor});
  network.advance(50ms);
  remote_victim.tell(Numbered{0});
  REQUIRE(network.run_until(terminated.has(1), 5s));
  REQUIRE(terminated.messages()[0] == "orrery://test@b:1/user/victim");
  // Cut the network: the survivor's node goes silent and its watch fires too.
  network.cut(a_address, b_address);
  REQUIRE(network.run_until(terminated.has(2), 5s));
  REQUIRE(terminated.messages()[1] == "orrery://test@b:1/user/survivor");
  REQUIRE_FALSE(a.remoting->reachable(b_address));
  REQUIRE(a.remoting->stats().unreachable == 1);
  static_cast<void>(victim);
}

/// A watcher on A that watches or unwatches what it is told, and records whose death it hears.
struct WatchCommand {
  UntypedActorRef target;
  bool watch = true;
};

Behavior<WatchCommand> commanded_watcher(std::string name, ActorRef<std::string> heard) {
  return behaviors::receive<WatchCommand>([](ActorContext<WatchCommand>& ctx, WatchCommand& c) {
           if (c.watch) {
             ctx.watch(c.target);
           } else {
             ctx.unwatch(c.target);
           }
         })
      .receive_signal(
          [name = std::move(name), heard](ActorContext<WatchCommand>&, const Terminated& t) {
            heard.tell(name + " heard " + t.ref.path());
          });
}

TEST_CASE(
    "remote death watch: the watched node forgets an actor no node watches any more, and an "
    "unwatch by path leaves the watch by uid in place",
    "[remote]") {
  test::MemoryNetwork network;
  TestNode a(network, a_address);
  TestNode b(network, b_address);
  auto victim = b.system->spawn(
      behaviors::receive<Numbered>([](ActorContext<Numbered>&, Numbered&) -> Behavior<Numbered> {
        return behaviors::stopped();
      }),
      "victim");
  test::Recorder<std::string> heard(*a.system);
  auto by_path = a.system->spawn(commanded_watcher("by-path", heard.ref()), "by-path");
  auto by_uid = a.system->spawn(commanded_watcher("by-uid", heard.ref()), "by-uid");
  const UntypedActorRef path_ref(
      a.remoting->ref<Numbered>("orrery://test@b:1/user/victim").value());
  const UntypedActorRef uid_ref(a.remoting
                                    ->ref<Numbered>("orrery://test@b:1/user/victim#" +
                                                    std::to_string(victim.recipient()->uid()))
                                    .value());

  // A watch undone: b watched the victim for a, and forgets it once a no longer does.
  by_path.tell(WatchCommand{path_ref, true});
  REQUIRE(network.run_until([&] { return b.remoting->watched_for_peers() == 1; }, 5s));
  by_path.tell(WatchCommand{path_ref, false});
  REQUIRE(network.run_until([&] { return a.remoting->watches_held() == 0; }, 5s));
  REQUIRE(network.run_until([&] { return b.remoting->watched_for_peers() == 0; }, 5s));

  // Two watches of one incarnation from one node, by path and by uid: two on a, one actor on b.
  by_path.tell(WatchCommand{path_ref, true});
  by_uid.tell(WatchCommand{uid_ref, true});
  REQUIRE(network.run_until([&] { return a.remoting->watches_held() == 2; }, 5s));
  REQUIRE(network.run_until([&] { return b.remoting->watched_for_peers() == 1; }, 5s));
  // Undoing the one by path leaves the one by uid: the victim's death still reaches by-uid.
  by_path.tell(WatchCommand{path_ref, false});
  REQUIRE(network.run_until([&] { return a.remoting->watches_held() == 1; }, 5s));
  network.advance(100ms);  // the Unwatch reaches b
  CHECK(b.remoting->watched_for_peers() == 1);
  victim.tell(Numbered{0});
  REQUIRE(network.run_until(heard.has(1), 5s));
  CHECK(heard.messages() == std::vector<std::string>{"by-uid heard orrery://test@b:1/user/victim"});
  CHECK(a.remoting->watches_held() == 0);
  CHECK(b.remoting->watched_for_peers() == 0);
}

TEST_CASE("a restarted peer's old incarnation is quarantined and its frames refused", "[remote]") {
  test::MemoryNetwork network;
  TestNode a(network, a_address);
  std::uint64_t old_uid = 0;
  {
    TestNode b(network, b_address);
    test::Recorder<Greeted> replies(*a.system);
    b.system->spawn(greeter(), "greeter");
    auto remote = a.remoting->ref<Greet>("orrery://test@b:1/user/greeter").value();
    remote.tell(Greet{"first", replies.ref()});
    REQUIRE(network.run_until(replies.has(1), 5s));
    old_uid = b.system->uid();
    REQUIRE(a.remoting->peer_uid(b_address) == old_uid);
  }
  // B comes back on the same address as a new incarnation.
  network.restart_node(b_address);
  TestNode b2(network, b_address);
  REQUIRE(b2.system->uid() != old_uid);
  b2.system->spawn(greeter(), "greeter");
  test::Recorder<Greeted> replies(*a.system);
  auto remote = a.remoting->ref<Greet>("orrery://test@b:1/user/greeter").value();
  // The first message still goes to the old incarnation and is refused (at most once); B2's
  // answer teaches A the new incarnation, after which messages get through.
  remote.tell(Greet{"to the old one", replies.ref()});
  REQUIRE(network.run_until([&] { return a.remoting->peer_uid(b_address) == b2.system->uid(); }, 5s));
  REQUIRE(b2.remoting->stats().refused_stale == 1);
  remote.tell(Greet{"again", replies.ref()});
  REQUIRE(network.run_until(replies.has(1), 5s));
  REQUIRE(replies.messages()[0].text == "hello again");
  REQUIRE(a.remoting->stats().quarantines == 1);
  // A frame still in flight from the old incarnation is refused.
  orrery::remote::v1::RemoteFrame stale;
  stale.set_from_uid(old_uid);
  stale.mutable_heartbeat();
  network.inject(b_address, a_address, stale.SerializeAsString());
  network.advance(10ms);
  REQUIRE(a.remoting->stats().refused_quarantined == 1);
}

TEST_CASE("bad input is dropped and counted, the node goes on", "[remote]") {
  test::MemoryNetwork network;
  TestNode a(network, a_address);
  TestNode b(network, b_address);
  test::Recorder<Greeted> replies(*a.system);
  b.system->spawn(greeter(), "greeter");
  auto remote = a.remoting->ref<Greet>("orrery://test@b:1/user/greeter").value();
  remote.tell(Greet{"warm-up", replies.ref()});
  REQUIRE(network.run_until(replies.has(1), 5s));
  const auto a_uid = a.system->uid();
  const auto b_uid = b.system->uid();

  network.inject(a_address, b_address, "\xff\xff\xff garbage");  // not a frame
  orrery::remote::v1::RemoteFrame unknown;
  unknown.set_from_uid(a_uid);
  unknown.set_to_uid(b_uid);
  unknown.mutable_envelope()->set_sequence(1'000'000);
  unknown.mutable_envelope()->set_recipient("/user/greeter");
  unknown.mutable_envelope()->set_manifest("nobody.Knows");
  network.inject(a_address, b_address, unknown.SerializeAsString());
  orrery::remote::v1::RemoteFrame wrong_system;
  wrong_system.set_from_uid(12345);
  wrong_system.mutable_handshake()->set_to_system("other-system");
  network.inject(NodeAddress{"test", "c", 1}, b_address, wrong_system.SerializeAsString());
  orrery::remote::v1::RemoteFrame stale_target;
  stale_target.set_from_uid(a_uid);
  stale_target.set_to_uid(b_uid + 1);
  stale_target.mutable_heartbeat();
  network.inject(a_address, b_address, stale_target.SerializeAsString());
  network.advance(10ms);
  const RemoteStats stats = b.remoting->stats();
  REQUIRE(stats.malformed_frames == 1);
  REQUIRE(stats.unknown_manifests == 1);
  REQUIRE(stats.refused_wrong_system == 1);
  REQUIRE(stats.refused_stale == 1);
  // Traffic goes on: an undeliverable frame does not use up its sequence number.
  auto answer = ask<Greeted>(remote, [](ActorRef<Greeted> r) { return Greet{"after", r}; }, 1s);
  REQUIRE(network.run_until([&] { return answer.ready(); }, 5s));
  REQUIRE(answer.take().value().text == "hello after");
}

}  // namespace
}  // namespace orrery
