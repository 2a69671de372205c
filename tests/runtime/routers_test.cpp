// Routers: a pool of children (round-robin, random, routees that stop) and a group over the
// receptionist's listing.
#include <map>
#include <set>
#include <support/harnesses.hpp>
#include <support/recorder.hpp>
#include <variant>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

struct Work {
  int n = 0;
};
struct Quit {};
using WorkerCommand = std::variant<Work, Quit>;

/// A routee that reports (its path, the job) and stops on Quit.
Behavior<WorkerCommand> worker(ActorRef<std::pair<std::string, int>> out) {
  return behaviors::receive<WorkerCommand>(
      [out](ActorContext<WorkerCommand>& ctx, Work& w) {
        out.tell({ctx.path(), w.n});
      },
      [](ActorContext<WorkerCommand>&, Quit&) { return behaviors::stopped(); });
}

std::map<std::string, int> jobs_per_routee(const std::vector<std::pair<std::string, int>>& seen) {
  std::map<std::string, int> count;
  for (const auto& [path, n] : seen)
    ++count[path];
  return count;
}

/// Sends one job through `router` and waits until a routee reported it (true) or it became a
/// dead letter (false).
template <class H>
bool deliver_one(H& h, const ActorRef<WorkerCommand>& router, int n,
                 const test::Recorder<std::pair<std::string, int>>& out,
                 const test::Recorder<DeadLetter>& dead) {
  const std::size_t delivered = out.count();
  const std::size_t lost = dead.count();
  router.tell(Work{n});
  REQUIRE(h.run_until([&] { return out.count() > delivered || dead.count() > lost; }, 5s));
  return out.count() > delivered;
}

/// Sends jobs until `streak` in a row were delivered; whether that happened within 200 jobs.
template <class H>
bool deliver_streak(H& h, const ActorRef<WorkerCommand>& router, int streak,
                    const test::Recorder<std::pair<std::string, int>>& out,
                    const test::Recorder<DeadLetter>& dead) {
  int in_a_row = 0;
  for (int i = 0; i < 200 && in_a_row < streak; ++i) {
    in_a_row = deliver_one(h, router, i, out, dead) ? in_a_row + 1 : 0;
  }
  return in_a_row == streak;
}

TEMPLATE_TEST_CASE("a pool router spreads messages round-robin over its children", "[routers]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::pair<std::string, int>> out(*system);
  auto pool = system->spawn(Behavior<WorkerCommand>(Routers::pool(3, worker(out.ref()))), "pool");
  for (int i = 0; i < 9; ++i)
    pool.tell(Work{i});
  REQUIRE(h.run_until(out.has(9), 5s));
  const auto per_routee = jobs_per_routee(out.messages());
  REQUIRE(per_routee.size() == 3);
  for (const auto& [path, count] : per_routee) {
    REQUIRE(path.rfind("/user/pool/$", 0) == 0);  // the routees are the router's children
    REQUIRE(count == 3);
  }
  // Round-robin: job i and job i + 3 went to the same routee.
  std::map<int, std::string> routee_of;
  for (const auto& [path, n] : out.messages())
    routee_of[n] = path;
  for (int i = 0; i < 6; ++i)
    REQUIRE(routee_of[i] == routee_of[i + 3]);
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("a random pool router draws routees from the Env's random", "[routers]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::pair<std::string, int>> out(*system);
  auto pool = system->spawn(
      Behavior<WorkerCommand>(Routers::pool(4, worker(out.ref())).with_random_routing()), "random");
  for (int i = 0; i < 200; ++i)
    pool.tell(Work{i});
  REQUIRE(h.run_until(out.has(200), 5s));
  const auto per_routee = jobs_per_routee(out.messages());
  // 200 uniform draws over 4 routees: each gets some (all-in-three has probability ~4e-25), and
  // not in strict turns.
  REQUIRE(per_routee.size() == 4);
  std::map<int, std::string> routee_of;
  for (const auto& [path, n] : out.messages())
    routee_of[n] = path;
  bool in_turns = true;
  for (int i = 0; i + 4 < 200; ++i)
    in_turns = in_turns && routee_of[i] == routee_of[i + 4];
  REQUIRE_FALSE(in_turns);
  h.shutdown(system);
}

TEST_CASE("a random pool routes the same way for the same seed", "[routers]") {
  auto run = [](std::uint64_t seed) {
    sim::World world(seed);
    sim::Node& node = world.add_node("node", {.remoting = false});
    test::Recorder<std::pair<std::string, int>> out(node.system());
    auto pool = node.system().spawn<WorkerCommand>(
        Routers::pool(4, worker(out.ref())).with_random_routing(), "random");
    for (int i = 0; i < 50; ++i)
      pool.tell(Work{i});
    REQUIRE(world.await(out.has(50), 5s));
    return out.messages();
  };
  REQUIRE(run(7) == run(7));
  REQUIRE(run(7) != run(8));
}

TEMPLATE_TEST_CASE("a pool router drops routees that stop, and stops after the last", "[routers]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::pair<std::string, int>> out(*system);
  test::Recorder<DeadLetter> dead(*system);
  system->event_stream().subscribe(dead.ref());
  auto pool = system->spawn(Behavior<WorkerCommand>(Routers::pool(2, worker(out.ref()))), "pool");
  pool.tell(Quit{});  // to the first routee: it stops and leaves the pool
  // While the stopped routee were still listed, every other job would be a dead letter.
  REQUIRE(deliver_streak(h, pool, 4, out, dead));
  REQUIRE(jobs_per_routee(out.messages()).size() == 1);
  pool.tell(Quit{});
  REQUIRE(h.run_until([&] { return pool.recipient()->terminated(); }, 5s));
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("a routee restarts as its own supervision says and stays in the pool",
                   "[routers]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::pair<std::string, int>> out(*system);
  auto reply = out.ref();
  auto fragile = behaviors::receive<WorkerCommand>(
      [reply](ActorContext<WorkerCommand>& ctx, Work& w) {
        if (w.n < 0) throw std::runtime_error("bad job");
        reply.tell({ctx.path(), w.n});
      },
      [](ActorContext<WorkerCommand>&, Quit&) { return behaviors::stopped(); });
  Behavior<WorkerCommand> supervised =
      behaviors::supervise(fragile).template on_failure<std::runtime_error>(
          SupervisorStrategy::restart());
  auto pool = system->spawn(Behavior<WorkerCommand>(Routers::pool(2, supervised)), "pool");
  pool.tell(Work{-1});  // routee 1 fails and restarts
  for (int i = 1; i <= 4; ++i)
    pool.tell(Work{i});
  REQUIRE(h.run_until(out.has(4), 5s));
  REQUIRE(jobs_per_routee(out.messages()).size() == 2);  // both routees still serve
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("a group router follows the receptionist's listing", "[routers]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  const ServiceKey<WorkerCommand> key{"workers"};
  test::Recorder<std::pair<std::string, int>> out(*system);
  test::Recorder<DeadLetter> dead(*system);
  system->event_stream().subscribe(dead.ref());
  auto group = system->spawn(Behavior<WorkerCommand>(Routers::group(key)), "group");
  group.tell(Work{0});  // nobody registered yet: a dead letter
  REQUIRE(h.run_until(
      [&] {
        auto letters = dead.messages();
        return std::any_of(letters.begin(), letters.end(), [](const DeadLetter& d) {
          return d.recipient == "/user/group" && d.reason.find("workers") != std::string::npos;
        });
      },
      5s));
  auto a = system->spawn(worker(out.ref()), "a");
  auto b = system->spawn(worker(out.ref()), "b");
  system->receptionist().tell(receptionist::register_service(key, a));
  system->receptionist().tell(receptionist::register_service(key, b));
  // The listing reaches the router asynchronously: send until both have served.
  for (int i = 0; i < 200 && jobs_per_routee(out.messages()).size() < 2; ++i) {
    deliver_one(h, group, i, out, dead);
  }
  REQUIRE(jobs_per_routee(out.messages()).size() == 2);
  a.tell(Quit{});  // leaves the listing when it stops
  REQUIRE(h.run_until([&] { return a.recipient()->terminated(); }, 5s));
  // While a were still listed, every other job would be a dead letter.
  REQUIRE(deliver_streak(h, group, 6, out, dead));
  const auto messages = out.messages();
  for (std::size_t i = messages.size() - 6; i < messages.size(); ++i)
    REQUIRE(messages[i].first == "/user/b");
  h.shutdown(system);
}

}  // namespace
}  // namespace orrery
