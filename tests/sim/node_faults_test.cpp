// Node faults: crash (memory gone, disk keeps what was synced), restart as a new incarnation,
// pause, clock jumps and drift, BUGGIFY.
#include <catch2/catch.hpp>

#include <orrery/actor.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>
#include <orrery/testkit/seeds.hpp>

namespace orrery::sim {
namespace {

using namespace std::chrono_literals;

struct Count {
  int by = 1;
};

std::span<const std::byte> bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

std::string read_all(File& file) {
  std::string out(static_cast<std::size_t>(file.size().value()), '\0');
  auto got = file.read_at(0, std::as_writable_bytes(std::span(out.data(), out.size())));
  REQUIRE(got.ok());
  out.resize(*got);
  return out;
}

TEST_CASE("a crash destroys the actor system, a restart runs on_start again as a new incarnation",
          "[node][crash]") {
  World world(11);
  auto counted = std::make_shared<int>(0);
  auto starts = std::make_shared<std::vector<std::uint64_t>>();
  Node& a = world.add_node(
      "a", {.remoting = false, .on_start = [counted, starts](Node& node) {
              starts->push_back(node.system().uid());
              auto total = std::make_shared<int>(0);
              auto ref = node.system().spawn(
                  behaviors::receive<Count>([counted, total](ActorContext<Count>&, Count& c) {
                    *total += c.by;
                    *counted = *total;
                  }),
                  "counter");
              ref.tell(Count{5});
            }});
  world.run_for(1s);
  REQUIRE(*counted == 5);
  REQUIRE(a.incarnation() == 0);
  world.crash(a);
  REQUIRE_FALSE(a.up());
  world.run_for(1s);
  world.restart(a);
  world.run_for(1s);
  REQUIRE(*counted == 5);  // a fresh counter: 0 + 5, not 10
  REQUIRE(a.incarnation() == 1);
  REQUIRE(starts->size() == 2);
  REQUIRE((*starts)[0] != (*starts)[1]);
}

TEST_CASE("a crash cancels an actor's await and drops its timers without running them",
          "[node][crash]") {
  World world(12);
  auto fired = std::make_shared<int>(0);
  Node& a = world.add_node(
      "a", {.remoting = false, .on_start = [fired](Node& node) {
              node.env().timers.schedule_at(node.now() + 5s, [fired] { ++*fired; });
              Promise<int> never(node.env());
              auto ref = node.system().spawn(
                  behaviors::receive<Count>([never](ActorContext<Count>& ctx, Count&) {
                    (void)ctx.await(never.future());
                  }),
                  "awaiting");
              ref.tell(Count{});
            }});
  world.run_for(1s);
  REQUIRE(world.describe_waiting().find("parked fibers: 1") != std::string::npos);
  world.crash(a);
  REQUIRE(world.describe_waiting().find("parked fibers: 0") != std::string::npos);
  world.run_for(10s);
  REQUIRE(*fired == 0);
}

TEST_CASE("the disk keeps synced writes across a crash, unsynced ones are applied, lost or torn",
          "[node][disk]") {
  int saw_loss = 0;
  int saw_survival = 0;
  for (std::uint64_t seed : test_seeds(40)) {
    ORRERY_SEED_INFO(seed);
    World world(seed);
    Node& a = world.add_node("a", {.remoting = false});
    {
      auto file = a.env().storage.open("journal/0001", OpenMode::create);
      REQUIRE(file.ok());
      REQUIRE((*file)->write_at(0, bytes("durable;")).ok());
      REQUIRE((*file)->sync().ok());
      REQUIRE((*file)->write_at(8, bytes("maybe")).ok());
      world.crash(a);
      // A handle from before the crash refuses service.
      REQUIRE((*file)->write_at(0, bytes("x")).error().code == Errc::closed);
    }
    world.restart(a);
    auto file = a.env().storage.open("journal/0001", OpenMode::read_write);
    REQUIRE(file.ok());
    const std::string content = read_all(**file);
    REQUIRE(content.starts_with("durable;"));
    REQUIRE(std::string("durable;maybe").starts_with(content));
    if (content == "durable;maybe") ++saw_survival;
    if (content.size() < 13) ++saw_loss;
  }
  if (test_seeds(40).size() > 1) {
    REQUIRE(saw_loss > 0);
    REQUIRE(saw_survival > 0);
  }
}

TEST_CASE("the disk injects I/O errors at its rate and stalls its node for its latency",
          "[node][disk]") {
  World world(13);
  Node& a = world.add_node(
      "a", {.disk = DiskConfig{.write_error_ppm = 200'000, .latency_min = 1ms, .latency_max = 1ms},
            .remoting = false});
  auto file = a.env().storage.open("f", OpenMode::create);
  REQUIRE(file.ok());
  int errors = 0;
  for (int i = 0; i < 500; ++i) {
    const Status status = (*file)->write_at(0, bytes("x"));
    if (!status.ok()) {
      ++errors;
      REQUIRE(status.error().code == Errc::io_error);
      REQUIRE(status.error().message.find("injected I/O error: write of 'f'") != std::string::npos);
    }
  }
  REQUIRE(errors > 60);
  REQUIRE(errors < 140);
  REQUIRE(a.state() == Node::State::paused);  // the calls blocked the node
  world.run_for(1s);
  REQUIRE(a.state() == Node::State::up);
}

/// Records when frames reach a bare node.
struct ArrivalLog final : FrameSink {
  explicit ArrivalLog(World& w) : world(w) {}
  void on_frame(const NodeAddress&, Frame frame) override {
    arrivals.emplace_back(std::move(frame), world.now());
  }
  void on_link_up(const NodeAddress&) override {}
  void on_link_down(const NodeAddress&) override {}
  World& world;
  std::vector<std::pair<std::string, Instant>> arrivals;
};

TEST_CASE("disk latency is real latency - what a turn does after a sync happens after it",
          "[node][disk]") {
  constexpr Duration latency = 40ms;
  constexpr Duration link = 1ms;
  World world(16, WorldConfig{.network = LinkConfig{.latency_min = link, .latency_max = link}});
  Node& a = world.add_node(
      "a", {.disk = DiskConfig{.latency_min = latency, .latency_max = latency}, .remoting = false});
  Node& b = world.add_node("b", {.remoting = false});
  ArrivalLog inbox(world);
  b.env().transport.attach(inbox);
  struct Seen {
    Instant sync_start{}, after_sync{}, world_at_sync{}, timer_fired{};
  };
  auto seen = std::make_shared<Seen>();
  auto file = a.env().storage.open("journal", OpenMode::create);  // outside a turn: held only
  REQUIRE(file.ok());
  std::shared_ptr<File> journal = std::move(*file);
  const NodeAddress to_b = b.address();
  Env* env = &a.env();
  auto writer =
      a.system().spawn(behaviors::receive<Count>([=, &world](ActorContext<Count>&, Count&) {
                         REQUIRE(journal->write_at(0, bytes("entry")).ok());  // one latency
                         seen->sync_start = env->clock.now();
                         seen->world_at_sync = world.now();
                         REQUIRE(journal->sync().ok());  // another
                         seen->after_sync = env->clock.now();
                         REQUIRE(env->transport.send(to_b, "ack") == SendStatus::queued);
                         env->timers.schedule_at(env->clock.now() + 5ms,
                                                 [=] { seen->timer_fired = env->clock.now(); });
                       }),
                       "writer");
  world.run_for(1s);
  writer.tell(Count{});
  world.run_for(1s);
  // The node's clock moved by the sync's latency within the turn.
  REQUIRE(seen->after_sync - seen->sync_start == latency);
  // The ack left after the sync: it arrives a link latency after the sync ended, in world time.
  REQUIRE(inbox.arrivals.size() == 1);
  REQUIRE(inbox.arrivals[0].second >= seen->world_at_sync + latency + link);
  // A timer started after the sync counts from after it.
  REQUIRE(seen->timer_fired >= seen->after_sync + 5ms);
  // Traced as disk latency, not as a pause.
  std::vector<std::string> kinds;
  world.trace().set_sink([&](std::string_view line) { kinds.emplace_back(line); });
  writer.tell(Count{});
  world.run_for(1s);
  const auto mentions = [&](std::string_view what) {
    return std::count_if(kinds.begin(), kinds.end(), [&](const std::string& line) {
      return line.find(what) != std::string::npos;
    });
  };
  REQUIRE(mentions("\"disk_latency\"") == 2);
  REQUIRE(mentions("\"pause\"") == 0);
}

TEST_CASE("storage paths are checked, open modes hold, list is sorted by prefix", "[node][disk]") {
  World world(14);
  Storage& disk = world.add_node("a", {.remoting = false}).env().storage;
  REQUIRE(disk.open("/abs", OpenMode::create).error().code == Errc::invalid_argument);
  REQUIRE(disk.open("a/../b", OpenMode::create).error().code == Errc::invalid_argument);
  REQUIRE(disk.open("missing", OpenMode::read_write).error().code == Errc::not_found);
  REQUIRE(disk.open("x/2", OpenMode::create).ok());
  REQUIRE(disk.open("x/1", OpenMode::create_exclusive).ok());
  REQUIRE(disk.open("x/1", OpenMode::create_exclusive).error().code == Errc::already_exists);
  REQUIRE(disk.open("y", OpenMode::create).ok());
  REQUIRE(disk.list("x/").value() == std::vector<std::string>{"x/1", "x/2"});
  REQUIRE(disk.remove("x/1").ok());
  REQUIRE_FALSE(disk.exists("x/1").value());
  REQUIRE(disk.remove("x/1").error().code == Errc::not_found);
}

TEST_CASE("a paused node runs nothing until the pause ends, what arrived meanwhile waits",
          "[node][pause]") {
  World world(15);
  auto seen = std::make_shared<std::vector<Instant>>();
  Node& a = world.add_node("a", {.remoting = false});
  auto ref =
      a.system().spawn(behaviors::receive<Count>([seen, &world](ActorContext<Count>&, Count&) {
                         seen->push_back(world.now());
                       }),
                       "r");
  world.run_for(1s);
  const Instant paused_at = world.now();
  world.pause(a, 3s);
  ref.tell(Count{});
  a.env().timers.schedule_at(a.now() + 1s, [seen, &world] { seen->push_back(world.now()); });
  world.run_for(5s);
  REQUIRE(seen->size() == 2);
  REQUIRE((*seen)[0] >= paused_at + 3s);
  REQUIRE((*seen)[1] >= paused_at + 3s);
}

TEST_CASE("clock jumps move the wall clock only, drift scales the node's time and its timers",
          "[node][clock]") {
  World world(16);
  Node& a = world.add_node("a", {.clock = ClockConfig{.offset = 1h}, .remoting = false});
  Node& b = world.add_node("b", {.remoting = false});
  REQUIRE(a.now() - b.now() == 1h);
  const Instant mono = a.now();
  const WallTime wall = a.env().clock.wall_now();
  world.jump_wall_clock(a, -10min);
  REQUIRE(a.now() == mono);
  REQUIRE(a.env().clock.wall_now() == wall - 10min);
  world.set_clock_drift(a, 100'000);  // 10% fast
  const Instant a0 = a.now();
  world.run_for(10s);
  REQUIRE(a.now() - a0 == 11s);
  bool fired = false;
  a.env().timers.schedule_at(a.now() + 11s, [&] { fired = true; });
  world.run_for(10s - 1ns);
  REQUIRE_FALSE(fired);
  world.run_for(1ns);
  REQUIRE(fired);
}

TEST_CASE("BUGGIFY fires only when enabled, the same way for the same seed", "[node][buggify]") {
  const auto firings = [](std::uint64_t seed, bool enabled) {
    World world(
        seed,
        WorldConfig{.buggify = enabled, .buggify_site_ppm = 500'000, .buggify_fire_ppm = 200'000});
    Node& a = world.add_node("a", {.remoting = false});
    std::string pattern;
    for (int i = 0; i < 200; ++i) {
      for (const char* site : {"site.one", "site.two", "site.three", "site.four"}) {
        pattern += ORRERY_BUGGIFY(a.env(), site) ? '1' : '0';
      }
    }
    return pattern;
  };
  REQUIRE(firings(21, false).find('1') == std::string::npos);
  const std::string once = firings(21, true);
  REQUIRE(once == firings(21, true));
  REQUIRE(once.find('1') != std::string::npos);
  bool another_differs = false;
  for (std::uint64_t seed = 22; seed < 30; ++seed)
    another_differs |= firings(seed, true) != once;
  REQUIRE(another_differs);
}

TEST_CASE("a crash is an abort - no PostStop and no shutdown task, unlike dropping the system",
          "[node][crash]") {
  World world(12);
  auto seen = std::make_shared<std::vector<std::string>>();
  Node& a = world.add_node(
      "a", {.remoting = false, .on_start = [seen](Node& node) {
              node.system().spawn(behaviors::receive<Count>([](ActorContext<Count>&, Count&) {
                                  }).receive_signal([seen](ActorContext<Count>&, const PostStop&) {
                seen->push_back("post-stop");
              }),
                                  "counter");
              static_cast<void>(node.system().coordinated_shutdown().add_task(
                  phase::service_stop, "note", [seen] {
                    seen->push_back("shutdown task");
                    return ready_future<Done>(Done{});
                  }));
            }});
  world.run_for(1s);
  world.crash(a);
  world.run_for(1s);
  REQUIRE(seen->empty());

  // The same actor and task on a system of the node's Env that is dropped: both run.
  world.restart(a);
  auto dropped = ActorSystem::create(a.env());
  dropped->spawn(behaviors::receive<Count>([](ActorContext<Count>&, Count&) {
                 }).receive_signal([seen](ActorContext<Count>&, const PostStop&) {
    seen->push_back("post-stop");
  }),
                 "counter");
  dropped.reset();
  REQUIRE(*seen == std::vector<std::string>{"post-stop"});
}
}  // namespace
}  // namespace orrery::sim
