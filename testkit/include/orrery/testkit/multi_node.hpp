#pragma once
// MultiNodeTest: Akka's multi-node testkit over the simulator. Several nodes in one seeded world,
// probes on any node, remote refs between them, and time that moves only when told
// (advance) or while waiting (probes, eventually), in virtual time.
//
//   MultiNodeTest t(seed);
//   t.add_node("a"); t.add_node("b", {.on_start = [](sim::Node& n) { n.system().spawn(echo(),
//   "echo"); }}); auto probe = t.probe<Pong>("a"); auto echo = t.remote_ref<Ping>("a", "b",
//   "/user/echo"); echo.tell(Ping{probe->ref()}); probe->expect_message(Pong{});
//   t.world().network().isolate(t.node("b").index());
//   t.advance(10s);
#include <memory>
#include <string>
#include <string_view>

#include <orrery/sim/node.hpp>
#include <orrery/sim/world.hpp>
#include <orrery/testkit/sim_time.hpp>
#include <orrery/testkit/test_probe.hpp>

namespace orrery {

class MultiNodeTest {
 public:
  explicit MultiNodeTest(std::uint64_t seed, sim::WorldConfig config = {})
      : world_(seed, std::move(config)), time_(world_) {}

  sim::World& world() noexcept { return world_; }
  SimTime& time() noexcept { return time_; }
  std::uint64_t seed() const noexcept { return world_.seed(); }

  sim::Node& add_node(std::string name, sim::NodeConfig config = {}) {
    return world_.add_node(std::move(name), std::move(config));
  }
  sim::Node& node(std::string_view name) { return world_.node(name); }
  ActorSystem& system(std::string_view name) { return world_.node(name).system(); }

  /// Lets `duration` of virtual time pass with everything running.
  void advance(Duration duration) { world_.run_for(duration); }
  /// Runs until `condition` holds (true) or `timeout` of virtual time passed (false).
  bool eventually(const std::function<bool()>& condition, Duration timeout) {
    return world_.await(condition, timeout);
  }

  /// A probe living on node `on`.
  template <class M>
  std::unique_ptr<TestProbe<M>> probe(std::string_view on, std::string name = "probe") {
    return std::make_unique<TestProbe<M>>(system(on), time_, std::move(name));
  }

  /// A ref, usable on node `from`, to the actor at `path` on node `to` (through remoting).
  template <class M>
  ActorRef<M> remote_ref(std::string_view from, std::string_view to, std::string_view path) {
    sim::Node& source = node(from);
    ORRERY_ASSERT(source.remoting() != nullptr, "remote_ref() from a node without remoting");
    auto ref = source.remoting()->template ref<M>(node(to).actor_uri(path));
    ORRERY_ASSERT(ref.ok(), "remote_ref() of a malformed address");
    return *ref;
  }

 private:
  sim::World world_;
  SimTime time_;
};

}  // namespace orrery
