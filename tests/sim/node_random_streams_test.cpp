// Each node of a World draws from a stream of its own, split from the world seed by the node's
// name and incarnation: two nodes never share a sequence (nor, through it, system and actor uids),
// a restart draws anew, and the same seed gives every node the same sequence again. A golden hash
// notices when all nodes share one stream; these tests say that it is the streams that broke.

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/world.hpp>
#include <orrery/testkit/seeds.hpp>

namespace {

using namespace orrery;
using namespace orrery::sim;
using namespace std::chrono_literals;

struct Ping {};

/// What one incarnation of a node drew: its system's uid, an actor's uid, and the next words.
struct Draws {
  std::uint64_t system_uid = 0;
  std::uint64_t actor_uid = 0;
  std::vector<std::uint64_t> words;
  bool operator==(const Draws&) const = default;
};

Draws draw(Node& node) {
  Draws out;
  out.system_uid = node.system().uid();
  auto ref = node.system().spawn(behaviors::receive<Ping>([](ActorContext<Ping>&, Ping&) {}),
                                 "probe-" + std::to_string(node.incarnation()));
  out.actor_uid = ref.recipient()->uid();
  for (int i = 0; i < 8; ++i)
    out.words.push_back(node.env().random.next());
  return out;
}

constexpr std::array node_names{"a", "b", "c", "d"};

/// Every node's draws in a world of `seed`: first incarnation, then (for "a") after a restart.
std::map<std::string, Draws> run_world(std::uint64_t seed) {
  World world(seed);
  for (const char* name : node_names)
    world.add_node(name, {.remoting = false});
  world.run_for(10ms);
  std::map<std::string, Draws> draws;
  for (const char* name : node_names)
    draws[name] = draw(world.node(name));
  Node& a = world.node("a");
  world.crash(a);
  world.run_for(10ms);
  world.restart(a);
  world.run_for(10ms);
  REQUIRE(a.incarnation() == 1);
  draws["a/1"] = draw(a);
  return draws;
}

}  // namespace

TEST_CASE("random streams - nodes of one world draw different sequences and uids",
          "[world][random]") {
  for (const std::uint64_t seed : test_seeds(5)) {
    ORRERY_SEED_INFO(seed);
    const std::map<std::string, Draws> draws = run_world(seed);
    REQUIRE(draws.size() == node_names.size() + 1);
    std::set<std::vector<std::uint64_t>> sequences;
    std::set<std::uint64_t> system_uids;
    std::set<std::uint64_t> actor_uids;
    std::set<std::uint64_t> first_words;
    for (const auto& [name, drawn] : draws) {
      INFO("node " << name);
      sequences.insert(drawn.words);
      system_uids.insert(drawn.system_uid);
      actor_uids.insert(drawn.actor_uid);
      first_words.insert(drawn.words.front());
    }
    // Every incarnation of every node (the restarted "a/1" included) has its own stream.
    CHECK(sequences.size() == draws.size());
    CHECK(first_words.size() == draws.size());
    CHECK(system_uids.size() == draws.size());
    CHECK(actor_uids.size() == draws.size());
  }
}

TEST_CASE("random streams - the same seed gives each node the same sequence, another seed not",
          "[world][random]") {
  for (const std::uint64_t seed : test_seeds(3)) {
    ORRERY_SEED_INFO(seed);
    const std::map<std::string, Draws> first = run_world(seed);
    const std::map<std::string, Draws> again = run_world(seed);
    const std::map<std::string, Draws> other = run_world(seed + 1000);
    for (const auto& [name, drawn] : first) {
      INFO("node " << name);
      CHECK(again.at(name) == drawn);
      CHECK(other.at(name).words != drawn.words);
      CHECK(other.at(name).system_uid != drawn.system_uid);
    }
  }
}
