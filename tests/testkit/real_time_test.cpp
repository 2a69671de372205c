// RealTime: the ActorTestKit over a ProductionEnv, waiting in real time. The same test bodies
// run over ManualTime (virtual time) and RealTime.
#include <filesystem>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <orrery/env/production/production_env.hpp>
#include <orrery/testkit/actor_testkit.hpp>
#include <orrery/testkit/real_time.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

/// An ActorTestKit over its own ManualTime.
struct ManualKit {
  ActorTestKit kit;
};

/// An ActorTestKit over a ProductionEnv (thread pool, timer thread, system clock) and RealTime.
struct RealKit {
  static std::unique_ptr<ProductionEnv> make_env(const std::filesystem::path& root) {
    ProductionConfig config;
    config.executor.workers = 2;
    config.storage_root = root.string();
    auto created = ProductionEnv::create(std::move(config));
    REQUIRE(created.ok());
    return std::move(created).value();
  }
  ~RealKit() { std::filesystem::remove_all(root); }
  std::filesystem::path root = std::filesystem::temp_directory_path() /
                               ("orrery-real-time-test-" + std::to_string(::getpid()));
  std::unique_ptr<ProductionEnv> production = make_env(root);
  RealTime time{production->env()};
  ActorTestKit kit{production->env(), time};
};

struct Ping {
  int n = 0;
  ActorRef<int> reply_to;
};

/// Answers each ping 50 ms later, through its timers.
Behavior<Ping> delayed_echo() {
  return behaviors::with_timers<Ping>([](TimerScheduler<Ping>& timers) {
    return behaviors::receive<Ping>([&timers](ActorContext<Ping>&, Ping& ping) -> Behavior<Ping> {
      if (ping.n < 0) return behaviors::stopped();
      if (ping.n >= 1000) {
        ping.reply_to.tell(ping.n - 1000);  // the timer's delivery
        return behaviors::same();
      }
      timers.start_single_timer("reply-" + std::to_string(ping.n),
                                Ping{ping.n + 1000, ping.reply_to}, 50ms);
      return behaviors::same();
    });
  });
}

TEMPLATE_TEST_CASE("one ActorTestKit test body passes over ManualTime and RealTime",
                   "[testkit][real-time]", ManualKit, RealKit) {
  TestType fixture;
  ActorTestKit& kit = fixture.kit;
  auto echo = kit.spawn(delayed_echo(), "echo");
  auto probe = kit.create_probe<int>();
  echo.tell(Ping{1, probe.ref()});
  echo.tell(Ping{2, probe.ref()});
  probe.expect_no_message(10ms);  // not yet: the replies are 50 ms away
  probe.expect_message(1);
  probe.expect_message(2);
  probe.expect_no_message(100ms);
  probe.watch(echo);
  echo.tell(Ping{-1, probe.ref()});
  probe.expect_terminated(echo);
  kit.shutdown();
}

TEST_CASE("RealTime waits on the Env's real clock, and times out", "[testkit][real-time]") {
  RealKit fixture;
  Env& env = fixture.production->env();
  REQUIRE_FALSE(fixture.time.virtual_time());
  const Instant start = env.clock.now();
  REQUIRE_FALSE(fixture.time.await([] { return false; }, 30ms));
  REQUIRE(env.clock.now() - start >= 30ms);
  const Instant before_pass = env.clock.now();
  fixture.time.pass(20ms);
  REQUIRE(env.clock.now() - before_pass >= 20ms);
  auto probe = fixture.kit.create_probe<int>();
  REQUIRE_THROWS_AS(probe.receive_message(20ms), ProbeFailure);
  fixture.kit.shutdown();
}

}  // namespace
}  // namespace orrery
