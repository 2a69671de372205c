// ProductionEnv: the parts assembled into one Env, with and without a transport, and an actor
// system running on it.

#include <atomic>
#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>
#include <orrery/env/production/production_env.hpp>

#include "conformance/production_factories.hpp"

namespace {

using namespace std::chrono_literals;
using orrery::ProductionConfig;
using orrery::ProductionEnv;

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(200us);
  }
  return true;
}

ProductionConfig config_under(const std::string& root) {
  ProductionConfig config;
  config.executor.workers = 2;
  config.storage_root = root;
  config.log_threshold = orrery::LogLevel::error;
  return config;
}

}  // namespace

TEST_CASE("production env: every part works through env()", "[production][env]") {
  orrery::conformance::TemporaryDirectory directory;
  auto created = ProductionEnv::create(config_under(directory.path() + "/node"));
  REQUIRE(created.ok());
  orrery::Env& env = (*created)->env();

  CHECK(env.buggify == nullptr);
  CHECK(env.executor.concurrency() == 2);
  CHECK(env.transport.send({"x", "localhost", 1}, "frame") == orrery::SendStatus::closed);
  CHECK(env.log.threshold() == orrery::LogLevel::error);
  CHECK(env.random.next() != env.random.next());

  std::atomic<bool> fired{false};
  env.timers.schedule_at(env.clock.now() + 1ms, [&fired] { fired = true; });
  CHECK(wait_for([&] { return fired.load(); }, 5000ms));

  auto file = env.storage.open("journal/1", orrery::OpenMode::create_exclusive);
  REQUIRE(file.ok());
  CHECK(std::filesystem::is_regular_file(directory.path() + "/node/journal/1"));
  CHECK((*created)->grpc_transport() == nullptr);
}

TEST_CASE("production env: an actor system runs on it", "[production][env]") {
  orrery::conformance::TemporaryDirectory directory;
  auto created = ProductionEnv::create(config_under(directory.path()));
  REQUIRE(created.ok());
  std::atomic<int> received{0};
  {
    orrery::ActorSystemConfig system_config;
    system_config.name = "production-env-test";
    auto system = orrery::ActorSystem::create((*created)->env(), system_config);
    auto counter = system->spawn(
        orrery::behaviors::receive<int>(
            [&received](orrery::ActorContext<int>&, int& value) { received.fetch_add(value); }),
        "counter");
    for (int message = 0; message < 100; ++message)
      counter.tell(1);
    CHECK(wait_for([&] { return received.load() == 100; }, 5000ms));
  }  // the system terminates before the env goes
  CHECK(received.load() == 100);
}

TEST_CASE("production env: a gRPC transport when configured", "[production][env]") {
  orrery::conformance::TemporaryDirectory directory;
  ProductionConfig config = config_under(directory.path());
  orrery::GrpcTransportConfig transport;
  transport.address = {"node", "127.0.0.1", 0};
  transport.plaintext = true;
  config.transport = transport;
  auto created = ProductionEnv::create(std::move(config));
  REQUIRE(created.ok());
  REQUIRE((*created)->grpc_transport() != nullptr);
  CHECK((*created)->env().transport.local_address().port != 0);
  CHECK(&(*created)->env().transport == (*created)->grpc_transport());
  CHECK((*created)->grpc_transport()->config().log == &(*created)->log());
}

TEST_CASE("production env: bad configurations are errors", "[production][env]") {
  orrery::conformance::TemporaryDirectory directory;
  auto no_root = ProductionEnv::create(config_under(""));
  REQUIRE_FALSE(no_root.ok());
  CHECK(no_root.error().message.find("storage_root") != std::string::npos);

  ProductionConfig too_many = config_under(directory.path());
  too_many.executor.workers = 5000;
  CHECK_FALSE(ProductionEnv::create(too_many).ok());

  ProductionConfig no_tls = config_under(directory.path());
  no_tls.transport = orrery::GrpcTransportConfig{};
  no_tls.transport->address = {"node", "127.0.0.1", 0};
  auto refused = ProductionEnv::create(no_tls);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("tls") != std::string::npos);
}
