// Remoting on the production thread pool over an in-process transport that delivers each
// node's frames on a thread of its own (as gRPC does), so that TSan (make test-tsan runs the
// runtime area) sees remoting's locks from several threads, with no uninstrumented library in
// between: an ask's continuation, run on the delivering thread, sends to the replying node.
#include <condition_variable>
#include <deque>
#include <support/harness.hpp>
#include <support/manual_env.hpp>
#include <support/production_harness.hpp>
#include <thread>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>
#include <orrery/env/production/os_random.hpp>
#include <orrery/env/production/system_clock.hpp>
#include <orrery/env/production/thread_pool_executor.hpp>
#include <orrery/env/production/timer_service.hpp>
#include <orrery/remote/remoting.hpp>

namespace remoting_threads_test {
struct Pong {
  std::uint64_t n = 0;
};
struct Ping {
  std::uint64_t n = 0;
  orrery::ActorRef<Pong> reply_to;
};
}  // namespace remoting_threads_test

ORRERY_FIELDS(remoting_threads_test::Ping, &remoting_threads_test::Ping::n,
              &remoting_threads_test::Ping::reply_to);
ORRERY_FIELDS(remoting_threads_test::Pong, &remoting_threads_test::Pong::n);

namespace orrery {
namespace {

using namespace std::chrono_literals;
using remoting_threads_test::Ping;
using remoting_threads_test::Pong;

/// One node's inbound side: frames queue up and a thread of its own hands them to the sink.
class ThreadedEndpoint final : public Transport {
 public:
  explicit ThreadedEndpoint(NodeAddress address) : address_(std::move(address)) {}
  ~ThreadedEndpoint() override { stop(); }
  void connect(ThreadedEndpoint& other) { other_ = &other; }

  const NodeAddress& local_address() const noexcept override { return address_; }
  void attach(FrameSink& sink) override {
    sink_ = &sink;
    thread_ = std::thread([this] { run(); });
  }
  void detach() noexcept override { stop(); }
  SendStatus send(const NodeAddress&, Frame frame) override {
    other_->enqueue(address_, std::move(frame));
    return SendStatus::queued;
  }
  void disconnect(const NodeAddress&) override {}

 private:
  void enqueue(const NodeAddress& from, Frame frame) {
    std::lock_guard guard(mutex_);
    if (stopping_) return;
    inbound_.emplace_back(from, std::move(frame));
    ready_.notify_one();
  }
  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      ready_.wait(lock, [this] { return stopping_ || !inbound_.empty(); });
      if (stopping_) return;
      auto [from, frame] = std::move(inbound_.front());
      inbound_.pop_front();
      lock.unlock();
      sink_->on_frame(from, std::move(frame));
      lock.lock();
    }
  }
  void stop() noexcept {
    {
      std::lock_guard guard(mutex_);
      stopping_ = true;
      ready_.notify_one();
    }
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

  NodeAddress address_;
  ThreadedEndpoint* other_ = nullptr;
  FrameSink* sink_ = nullptr;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::pair<NodeAddress, Frame>> inbound_;
  bool stopping_ = false;
  std::thread thread_;
};

struct ThreadNode {
  explicit ThreadNode(NodeAddress address)
      : timers(clock),
        pool(ThreadPoolConfig{.workers = 2}),
        transport(address),
        env{clock, timers, pool, random, transport, storage, log} {}
  void start() {
    ActorSystemConfig config;
    config.name = transport.local_address().system;
    system = ActorSystem::create(env, config);
    REQUIRE(system->serialization().register_type<Ping>("threads.Ping").ok());
    REQUIRE(system->serialization().register_type<Pong>("threads.Pong").ok());
    remoting = Remoting::start(*system, transport);
  }
  ~ThreadNode() {
    remoting.reset();
    system.reset();
  }

  SystemClock clock;
  TimerService timers;
  ThreadPoolExecutor pool;
  OsRandom random;
  ThreadedEndpoint transport;
  test::NullStorage storage;
  test::LockedLog log;
  Env env;
  ActorSystemPtr system;
  RemotingPtr remoting;
};

TEST_CASE(
    "remoting on threads: an ask's continuation that sends to the replying node, from the "
    "delivering thread",
    "[remote][production]") {
  ThreadNode a(NodeAddress{"threads", "a", 1});
  ThreadNode b(NodeAddress{"threads", "b", 1});
  a.transport.connect(b.transport);
  b.transport.connect(a.transport);
  a.start();
  b.start();
  b.system->spawn(behaviors::receive<Ping>(
                      [](ActorContext<Ping>&, Ping& ping) { ping.reply_to.tell(Pong{ping.n}); }),
                  "ponger");
  auto remote = a.remoting->ref<Ping>("orrery://threads@b:1/user/ponger").value();
  std::atomic<std::uint64_t> continued{0};
  std::vector<Future<Pong>> seconds;
  std::mutex seconds_mutex;
  for (std::uint64_t round = 0; round < 50; ++round) {
    auto first = ask<Pong>(
        remote,
        [round](ActorRef<Pong> reply_to) {
          return Ping{round, reply_to};
        },
        5s);
    first.on_complete([&, remote](const Result<Pong>& result) {
      if (!result.ok()) return;
      // On the thread that delivered the reply: ask b again at once.
      auto second = ask<Pong>(
          remote,
          [n = result->n](ActorRef<Pong> reply_to) {
            return Ping{n + 1000, reply_to};
          },
          5s);
      std::lock_guard guard(seconds_mutex);
      seconds.push_back(std::move(second));
      ++continued;
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (continued.load() < 50 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  REQUIRE(continued.load() == 50);
  std::lock_guard guard(seconds_mutex);
  for (Future<Pong>& second : seconds) {
    Result<Pong> answer = second.get();
    REQUIRE(answer.ok());
    REQUIRE(answer->n >= 1000);
  }
}

}  // namespace
}  // namespace orrery
