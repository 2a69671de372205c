// Remoting over real gRPC on 127.0.0.1 when the transport refuses a user message's frame: a frame
// above the transport's size limit, and any frame once the transport is closed, is dead-lettered
// with its reason and counted under that reason, never delivered, while the messages around it
// arrive in order (the gRPC world of the simulator's refusal test, remoting_sim_backpressure).
#include <atomic>
#include <mutex>
#include <string>
#include <support/production_harness.hpp>
#include <support/recorder.hpp>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>
#include <orrery/env/production/grpc_transport.hpp>
#include <orrery/env/production/system_clock.hpp>
#include <orrery/env/production/timer_service.hpp>
#include <orrery/remote/remoting.hpp>

#include "support_grpc/recording_sink.hpp"
#include "support_grpc/transport_fixtures.hpp"

namespace grpc_refusal_test {
struct Blob {
  std::uint64_t n = 0;
  std::string data;
};
}  // namespace grpc_refusal_test

ORRERY_FIELDS(grpc_refusal_test::Blob, &grpc_refusal_test::Blob::n, &grpc_refusal_test::Blob::data);

namespace orrery {
namespace {

using namespace std::chrono_literals;
using grpc_refusal_test::Blob;

constexpr std::uint32_t frame_bytes_max = 64 * 1024;

class LockedRandom final : public Random {
 public:
  explicit LockedRandom(std::uint64_t seed) : generator_(seed) {}
  std::uint64_t next() override {
    std::lock_guard guard(mutex_);
    return generator_.next();
  }

 private:
  std::mutex mutex_;
  Xoshiro256 generator_;
};

/// A production node over gRPC whose transport takes frames up to frame_bytes_max.
struct Node {
  Node(const std::string& name, std::uint64_t seed)
      : timers(clock),
        pool(ThreadPoolConfig{.workers = 2}),
        random(seed),
        transport(test::make_transport(small_frames(test::plaintext_config(name, log)))),
        env{clock, timers, pool, random, *transport, storage, log} {
    ActorSystemConfig config;
    config.name = name;
    system = ActorSystem::create(env, config);
    REQUIRE(system->serialization().register_type<Blob>("test.refusal.Blob").ok());
    remoting = Remoting::start(*system, *transport);
  }
  ~Node() {
    remoting.reset();
    system.reset();
  }
  static GrpcTransportConfig small_frames(GrpcTransportConfig config) {
    config.frame_bytes_max = frame_bytes_max;
    return config;
  }
  std::string uri(const std::string& path) const {
    return "orrery://" + transport->local_address().to_string() + path;
  }

  test::LinesLog log;
  SystemClock clock;
  TimerService timers;
  ThreadPoolExecutor pool;
  LockedRandom random;
  test::NullStorage storage;
  std::unique_ptr<GrpcTransport> transport;
  Env env;
  ActorSystemPtr system;
  RemotingPtr remoting;
};

/// The numbers of the blobs it receives, thread-safe.
struct Received {
  std::mutex mutex;
  std::vector<std::uint64_t> numbers;
  std::vector<std::uint64_t> snapshot() {
    std::lock_guard guard(mutex);
    return numbers;
  }
};

Blob small(std::uint64_t n) {
  return Blob{n, "small"};
}

TEST_CASE(
    "grpc transport: remoting dead-letters a frame above the size limit and frames after close, "
    "counted per reason and never delivered",
    "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  Node a("alpha", 11);
  Node b("beta", 12);
  auto received = std::make_shared<Received>();
  b.system->spawn(behaviors::receive<Blob>([received](ActorContext<Blob>&, Blob& blob) {
                    std::lock_guard guard(received->mutex);
                    received->numbers.push_back(blob.n);
                  }),
                  "sink");
  test::Recorder<DeadLetter> dead(*a.system);
  a.system->event_stream().subscribe(dead.ref());
  auto sink = a.remoting->ref<Blob>(b.uri("/user/sink"));
  REQUIRE(sink.ok());

  // First contact: the handshake is done once a message went through.
  sink->tell(small(1));
  REQUIRE(test::eventually([&] { return received->snapshot().size() == 1; }, 10s));
  REQUIRE(dead.count() == 0);

  // Too large: refused by the transport at once, dead-lettered, counted; the next one arrives.
  const RemoteStats before = a.remoting->stats();
  sink->tell(Blob{2, std::string(2 * frame_bytes_max, 'x')});
  sink->tell(small(3));
  REQUIRE(test::eventually([&] { return received->snapshot().size() == 2; }, 10s));
  const RemoteStats after_large = a.remoting->stats();
  CHECK(after_large.messages_refused_too_large - before.messages_refused_too_large == 1);
  CHECK(after_large.messages_refused_overflow == before.messages_refused_overflow);
  CHECK(after_large.messages_refused_closed == before.messages_refused_closed);
  CHECK(after_large.send_failures - before.send_failures == 1);
  CHECK(a.transport->stats().too_large_drops == 1);
  REQUIRE(test::eventually([&] { return dead.count() == 1; }, 5s));
  const std::string recipient_prefix = "orrery://" + b.transport->local_address().to_string();
  {
    const DeadLetter letter = dead.messages()[0];
    CHECK(letter.message_type == type_name<Blob>());
    CHECK(letter.recipient.rfind(recipient_prefix, 0) == 0);
    CHECK(letter.recipient.find("/user/sink") != std::string::npos);
    CHECK(letter.reason.find("above the transport's frame size limit") != std::string::npos);
  }
  CHECK(a.log.contains("dropped " + std::string(type_name<Blob>())));

  // Closed: every later message is refused as closed, dead-lettered, counted.
  a.transport->shutdown();
  sink->tell(small(4));
  sink->tell(small(5));
  const RemoteStats after_close = a.remoting->stats();
  CHECK(after_close.messages_refused_closed - after_large.messages_refused_closed == 2);
  CHECK(after_close.messages_refused_too_large == after_large.messages_refused_too_large);
  REQUIRE(test::eventually([&] { return dead.count() == 3; }, 5s));
  for (std::size_t i = 1; i < 3; ++i) {
    const DeadLetter letter = dead.messages()[i];
    CHECK(letter.message_type == type_name<Blob>());
    CHECK(letter.reason.find("remote transport closed") != std::string::npos);
  }

  // Nothing refused was delivered: b saw 1 and 3, in order, and nothing more arrives.
  std::this_thread::sleep_for(300ms);
  CHECK(received->snapshot() == std::vector<std::uint64_t>{1, 3});
  CHECK(b.remoting->stats().malformed_frames == 0);
}

}  // namespace
}  // namespace orrery
