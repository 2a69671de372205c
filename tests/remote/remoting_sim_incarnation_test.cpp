// Remote death watch in the simulator, one incarnation at a time: an actor stopped and spawned
// again at the same path is a new incarnation (a new uid), and a watch of one must never be
// answered by the death, or the life, of the other - on the watching node (keyed by path and
// uid) and on the watched one (the remote-watcher keyed by path and uid).
#include <catch2/catch.hpp>

#include <orrery/actor.hpp>
#include <orrery/remote/remoting.hpp>
#include <orrery/sim/sim_network.hpp>
#include <orrery/testkit/multi_node.hpp>
#include <orrery/testkit/seeds.hpp>

namespace sim_incarnation_test {
struct Halt {
  std::uint64_t n = 0;
};
}  // namespace sim_incarnation_test

ORRERY_FIELDS(sim_incarnation_test::Halt, &sim_incarnation_test::Halt::n);

namespace orrery {
namespace {

using namespace std::chrono_literals;
using sim_incarnation_test::Halt;

constexpr std::string_view target_path = "/user/target";

sim::NodeConfig incarnation_node() {
  sim::NodeConfig config;
  config.actor_system.name = "incarnation";
  config.remote.heartbeat_interval = 500ms;
  config.remote.unreachable_after = 5s;
  config.log_threshold = LogLevel::error;
  config.on_start = [](sim::Node& node) {
    REQUIRE(node.system().serialization().register_type<Halt>("incarnation.Halt").ok());
  };
  return config;
}

/// A watcher on its own: it watches what it is sent and records the uid of every Terminated.
struct Watcher {
  struct Watch {
    UntypedActorRef target;
  };
  std::shared_ptr<std::vector<std::uint64_t>> terminated =
      std::make_shared<std::vector<std::uint64_t>>();
  ActorRef<Watch> ref;

  Watcher(ActorSystem& system, std::string_view name) {
    auto heard = terminated;
    ref = system.spawn(behaviors::receive<Watch>([](ActorContext<Watch>& ctx, Watch& w) {
                         ctx.watch(w.target);
                       }).receive_signal([heard](ActorContext<Watch>&, const Terminated& t) {
      heard->push_back(t.ref.recipient()->uid());
    }),
                       name);
  }
};

/// A new incarnation of /user/target on b, stopped by a Halt.
ActorRef<Halt> spawn_target(MultiNodeTest& t) {
  return t.node("b").system().spawn(
      behaviors::receive<Halt>([](ActorContext<Halt>&, Halt&) { return behaviors::stopped(); }),
      "target");
}

/// The ref, usable on a, to exactly the incarnation `local` of b's target.
ActorRef<Halt> remote_incarnation(MultiNodeTest& t, const ActorRef<Halt>& local) {
  ActorAddress address{t.node("b").address(), std::string(target_path), local.recipient()->uid()};
  auto ref = t.node("a").remoting()->ref<Halt>(address);
  REQUIRE(ref.ok());
  return *ref;
}

/// Stops `local` and waits until its name is free for the next incarnation.
void stop_target(MultiNodeTest& t, const ActorRef<Halt>& local) {
  local.tell(Halt{});
  REQUIRE(t.eventually(
      [&] { return t.node("b").system().resolve(std::string(target_path)) == nullptr; }, 1s));
}

TEST_CASE(
    "sim remoting: a remote watch is one incarnation - #1's death is not #2's, and #2's watcher "
    "hears Terminated only when #2 stops",
    "[remote][sim]") {
  for (std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    MultiNodeTest t(seed);
    t.add_node("a", incarnation_node());
    t.add_node("b", incarnation_node());
    Watcher first(t.system("a"), "first");
    Watcher second(t.system("a"), "second");

    const ActorRef<Halt> one = spawn_target(t);
    first.ref.tell({UntypedActorRef(remote_incarnation(t, one))});
    t.advance(1s);  // the watch of #1 is held on b

    // #1's DeathNotice is still on its way to a when a watches #2: the two watches must not be
    // one (a path-only key would answer #2's watcher with #1's death).
    t.world().network().clog(1, 0, t.world().now() + 2s);
    stop_target(t, one);
    const ActorRef<Halt> two = spawn_target(t);
    REQUIRE(two.recipient()->uid() != one.recipient()->uid());
    second.ref.tell({UntypedActorRef(remote_incarnation(t, two))});
    t.advance(5s);
    REQUIRE(*first.terminated == std::vector<std::uint64_t>{one.recipient()->uid()});
    REQUIRE(second.terminated->empty());  // #2 lives: nothing may report it Terminated

    stop_target(t, two);
    REQUIRE(t.eventually([&] { return !second.terminated->empty(); }, 5s));
    REQUIRE(*second.terminated == std::vector<std::uint64_t>{two.recipient()->uid()});
    REQUIRE(*first.terminated == std::vector<std::uint64_t>{one.recipient()->uid()});
  }
}

}  // namespace
}  // namespace orrery
