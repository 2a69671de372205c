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
ORRERY_FIELDS(orrery::DeadLetter, &orrery::DeadLetter::recipient, &orrery::DeadLetter::message_type,
              &orrery::DeadLetter::reason);

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
    add_reader();
  }
  /// Another thread that takes frames too, as a second gRPC stream from the same peer does.
  void add_reader() {
    std::lock_guard guard(mutex_);
    threads_.emplace_back([this] { run(); });
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
      ready_.notify_all();
    }
    std::vector<std::thread> threads;
    {
      std::lock_guard guard(mutex_);
      threads.swap(threads_);
    }
    for (std::thread& thread : threads) {
      if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) thread.join();
      if (thread.joinable()) thread.detach();  // stopped from its own thread: it ends by itself
    }
  }

  NodeAddress address_;
  ThreadedEndpoint* other_ = nullptr;
  FrameSink* sink_ = nullptr;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::pair<NodeAddress, Frame>> inbound_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

struct ThreadNode {
  explicit ThreadNode(NodeAddress address, RemoteConfig remote_config = {},
                      std::uint32_t workers = 2)
      : timers(clock),
        pool(ThreadPoolConfig{.workers = workers}),
        transport(address),
        remote(remote_config),
        env{clock, timers, pool, random, transport, storage, log} {}
  void start() {
    ActorSystemConfig config;
    config.name = transport.local_address().system;
    system = ActorSystem::create(env, config);
    REQUIRE(system->serialization().register_type<Ping>("threads.Ping").ok());
    REQUIRE(system->serialization().register_type<Pong>("threads.Pong").ok());
    REQUIRE(system->serialization().register_type<DeadLetter>("threads.DeadLetter").ok());
    remoting = Remoting::start(*system, transport, remote);
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
  RemoteConfig remote;
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

/// What the deliveries of one test saw, in the order they were handed over.
class Journal {
 public:
  void add(std::string entry) {
    std::lock_guard guard(mutex_);
    entries_.push_back(std::move(entry));
  }
  std::vector<std::string> entries() const {
    std::lock_guard guard(mutex_);
    return entries_;
  }
  bool wait_for(std::size_t count, std::chrono::milliseconds limit) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (entries().size() < count && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    return entries().size() >= count;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> entries_;
};

/// Holds the one thread that passes it until the test opens it.
class Gate {
 public:
  void pass() {
    std::unique_lock lock(mutex_);
    reached_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  bool wait_reached() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [this] { return reached_; });
  }
  void open() {
    std::lock_guard guard(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool reached_ = false;
  bool open_ = false;
};

/// Answers each Ping, and stops after answering the one numbered `last`.
Behavior<Ping> stopping_ponger(std::uint64_t last) {
  return behaviors::receive<Ping>([last](ActorContext<Ping>&, Ping& ping) -> Behavior<Ping> {
    ping.reply_to.tell(Pong{ping.n});
    if (ping.n == last) return behaviors::stopped();
    return behaviors::same();
  });
}

Future<Pong> ask_ping(ActorRef<Ping> remote, std::uint64_t n) {
  return ask<Pong>(
      remote,
      [n](ActorRef<Pong> reply_to) {
        return Ping{n, reply_to};
      },
      10s);
}

TEST_CASE(
    "remoting on threads: a death notice admitted after messages is handed over after them, "
    "while a second inbound thread finds the first one still delivering",
    "[remote][production]") {
  ThreadNode a(NodeAddress{"threads", "a", 1});
  ThreadNode b(NodeAddress{"threads", "b", 1});
  a.transport.connect(b.transport);
  b.transport.connect(a.transport);
  a.start();
  b.start();
  b.system->spawn(stopping_ponger(2), "ponger");
  auto remote = a.remoting->ref<Ping>("orrery://threads@b:1/user/ponger").value();
  auto journal = std::make_shared<Journal>();
  a.system->spawn(behaviors::setup<Pong>([remote, journal](ActorContext<Pong>& ctx) {
                    ctx.watch(UntypedActorRef(remote));
                    return behaviors::receive<Pong>([](ActorContext<Pong>&, Pong&) {})
                        .receive_signal([journal](ActorContext<Pong>&, const Terminated&) {
                          journal->add("terminated");
                        });
                  }),
                  "watcher");
  Gate gate;
  auto first = ask_ping(remote, 1);
  // The first reply's continuation runs on a's inbound thread and holds it there, delivering.
  first.on_complete([&gate, journal](const Result<Pong>&) {
    gate.pass();
    journal->add("pong 1");
  });
  auto second = ask_ping(remote, 2);
  second.on_complete([journal](const Result<Pong>&) { journal->add("pong 2"); });
  REQUIRE(gate.wait_reached());
  // The second reply and the ponger's death notice come in on another thread meanwhile.
  a.transport.add_reader();
  // Before the fix the Terminated arrived here already; wait long enough to see it if so.
  journal->wait_for(1, 1s);
  gate.open();
  REQUIRE(journal->wait_for(3, 10s));
  CHECK(journal->entries() == std::vector<std::string>{"pong 1", "pong 2", "terminated"});
}

TEST_CASE(
    "remoting on threads: an ask's continuation that throws while its reply is handed over "
    "does not wedge the peer - later messages still arrive",
    "[remote][production]") {
  ThreadNode a(NodeAddress{"threads", "a", 1});
  ThreadNode b(NodeAddress{"threads", "b", 1});
  a.transport.connect(b.transport);
  b.transport.connect(a.transport);
  a.start();
  b.start();
  b.system->spawn(stopping_ponger(0), "ponger");
  auto remote = a.remoting->ref<Ping>("orrery://threads@b:1/user/ponger").value();
  auto throwing = ask_ping(remote, 1);
  throwing.on_complete(
      [](const Result<Pong>&) { throw std::runtime_error("a continuation that throws"); });
  REQUIRE(throwing.get().ok());
  std::vector<Future<Pong>> later;
  for (std::uint64_t n = 2; n < 12; ++n)
    later.push_back(ask_ping(remote, n));
  for (Future<Pong>& answer : later) {
    Result<Pong> pong = answer.get();
    REQUIRE(pong.ok());
  }
  // The ask isolates its continuations (and logs what one threw): nothing reaches remoting.
  CHECK(a.remoting->stats().delivery_exceptions == 0);
}

TEST_CASE(
    "remoting on threads: a peer's inbox holds at most inbox_messages_max, the rest go to dead "
    "letters and are counted",
    "[remote][production]") {
  RemoteConfig config;
  config.inbox_messages_max = 2;
  ThreadNode a(NodeAddress{"threads", "a", 1}, config);
  ThreadNode b(NodeAddress{"threads", "b", 1});
  a.transport.connect(b.transport);
  b.transport.connect(a.transport);
  a.start();
  b.start();
  b.system->spawn(stopping_ponger(0), "ponger");
  auto remote = a.remoting->ref<Ping>("orrery://threads@b:1/user/ponger").value();
  Gate gate;
  auto first = ask_ping(remote, 1);
  first.on_complete([&gate](const Result<Pong>&) { gate.pass(); });
  REQUIRE(gate.wait_reached());
  // The first reply holds a's inbound thread: the next five wait in the inbox, which takes two.
  a.transport.add_reader();
  std::vector<Future<Pong>> later;
  for (std::uint64_t n = 2; n < 7; ++n)
    later.push_back(ask_ping(remote, n));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (a.remoting->stats().inbox_overflow < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  gate.open();
  CHECK(a.remoting->stats().inbox_overflow == 3);
  CHECK(later[0].get().ok());
  CHECK(later[1].get().ok());
}

/// Watches and unwatches `target` `times` times in one turn (so watching at the end when
/// `times` is odd), then counts itself done.
struct Toggle {
  UntypedActorRef target;
  int times = 0;
  std::shared_ptr<std::atomic<int>> done;
};

Behavior<Toggle> toggler(std::string name, std::shared_ptr<Journal> journal) {
  return behaviors::receive<Toggle>([](ActorContext<Toggle>& ctx, Toggle& toggle) {
           for (int i = 0; i < toggle.times; ++i) {
             if (i % 2 == 0) {
               ctx.watch(toggle.target);
             } else {
               ctx.unwatch(toggle.target);
             }
           }
           toggle.done->fetch_add(1);
         })
      .receive_signal(
          [name = std::move(name), journal](ActorContext<Toggle>&, const Terminated& terminated) {
            journal->add(name + " saw " + terminated.ref.path());
          });
}

template <class Condition>
bool wait_until(Condition condition, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  return condition();
}

/// An actor on b that stops at its first Ping.
Behavior<Ping> stops_when_pinged() {
  return behaviors::receive<Ping>(
      [](ActorContext<Ping>&, Ping&) -> Behavior<Ping> { return behaviors::stopped(); });
}

TEST_CASE(
    "remoting on threads: watches and unwatches of one remote actor from several threads - "
    "the watched node ends up holding exactly the watch the watching node holds",
    "[remote][production]") {
  constexpr int togglers_count = 8;
  ThreadNode a(NodeAddress{"threads", "a", 1}, {}, togglers_count);
  ThreadNode b(NodeAddress{"threads", "b", 1});
  a.transport.connect(b.transport);
  b.transport.connect(a.transport);
  a.start();
  b.start();
  auto journal = std::make_shared<Journal>();
  std::vector<ActorRef<Toggle>> togglers;
  for (int i = 0; i < togglers_count; ++i) {
    const std::string name = "toggler-" + std::to_string(i);
    togglers.push_back(a.system->spawn(toggler(name, journal), name));
  }
  auto sentinel_journal = std::make_shared<Journal>();
  auto sentinel = a.system->spawn(toggler("sentinel", sentinel_journal), "sentinel");
  constexpr int rounds = 200;
  for (int round = 0; round < rounds; ++round) {
    INFO("round " << round);
    const std::string name = "watchee-" + std::to_string(round);
    auto watchee = b.system->spawn(stops_when_pinged(), name);
    auto remote = a.remoting->ref<Ping>("orrery://threads@b:1/user/" + name).value();
    // Even rounds: toggler-0 ends watching, the others not. Odd rounds: nobody ends watching.
    const bool watched_at_end = round % 2 == 0;
    auto done = std::make_shared<std::atomic<int>>(0);
    for (int i = 0; i < togglers_count; ++i) {
      const int times = (i == 0 && watched_at_end) ? 301 : 300;
      togglers[i].tell(Toggle{UntypedActorRef(remote), times, done});
    }
    REQUIRE(wait_until([&] { return done->load() == togglers_count; }, 10s));
    const std::size_t expected = watched_at_end ? 1 : 0;
    REQUIRE(a.remoting->watches_held() == expected);
    // A watch decided after all of theirs, of an actor stopped at once: its Terminated comes
    // back once b has handled every Watch and Unwatch before it (one sequence per peer).
    const std::string sentinel_name = "sentinel-" + std::to_string(round);
    auto sentinel_watchee = b.system->spawn(stops_when_pinged(), sentinel_name);
    sentinel.tell(
        Toggle{UntypedActorRef(
                   a.remoting->ref<Ping>("orrery://threads@b:1/user/" + sentinel_name).value()),
               1, done});
    REQUIRE(wait_until([&] { return done->load() == togglers_count + 1; }, 10s));
    sentinel_watchee.tell(Ping{0, {}});
    REQUIRE(sentinel_journal->wait_for(static_cast<std::size_t>(round) + 1, 10s));
    // b holds what a holds: a watch lost (an Unwatch sent after a later Watch) or kept stale
    // would show here.
    REQUIRE(b.remoting->watched_for_peers() == expected);
    const std::size_t seen_before = journal->entries().size();
    watchee.tell(Ping{0, {}});
    if (watched_at_end) {
      // The watch b holds fires: toggler-0 hears of the death, the others watch no more.
      REQUIRE(journal->wait_for(seen_before + 1, 5s));
      CHECK(journal->entries().back() == "toggler-0 saw orrery://threads@b:1/user/" + name);
      CHECK(wait_until([&] { return a.remoting->watches_held() == 0; }, 5s));
    }
    CHECK(wait_until([&] { return b.remoting->watched_for_peers() == 0; }, 5s));
  }
  // Nothing but the even rounds' toggler-0 heard a death.
  CHECK(journal->entries().size() == static_cast<std::size_t>((rounds + 1) / 2));
}

TEST_CASE(
    "remoting on threads: a dead-letter subscriber that is a remote ref to the sending peer gets "
    "the dead letters its frames made, from the delivering thread - no self-deadlock",
    "[remote][production]") {
  ThreadNode a(NodeAddress{"threads", "a", 1});
  ThreadNode b(NodeAddress{"threads", "b", 1});
  a.transport.connect(b.transport);
  b.transport.connect(a.transport);
  a.start();
  b.start();
  auto letters = std::make_shared<Journal>();
  b.system->spawn(
      behaviors::receive<DeadLetter>([letters](ActorContext<DeadLetter>&, DeadLetter& letter) {
        letters->add(letter.recipient + ": " + letter.reason);
      }),
      "letters");
  // a publishes its dead letters to b: each publish, on a's inbound thread, sends to b.
  a.system->event_stream().subscribe(
      a.remoting->ref<DeadLetter>("orrery://threads@b:1/user/letters").value());
  auto nobody = b.remoting->ref<Pong>("orrery://threads@a:1/user/nobody").value();
  constexpr std::size_t sent = 20;
  for (std::uint64_t n = 0; n < sent; ++n)
    nobody.tell(Pong{n});
  REQUIRE(letters->wait_for(sent, 10s));
  for (const std::string& entry : letters->entries())
    CHECK(entry == "/user/nobody: no such actor");
  CHECK(a.remoting->stats().undeliverable == sent);
}

}  // namespace
}  // namespace orrery
