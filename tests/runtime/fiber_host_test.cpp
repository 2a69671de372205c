// FiberHost: loops on pooled fibers, parking a turn mid-way, drivers, cancellation.
#include <catch2/catch.hpp>
#include <deque>
#include <orrery/fiber/fiber_host.hpp>
#include <string>
#include <vector>

namespace orrery {
namespace {

/// A single-threaded executor over a FIFO, enough to drive a FiberHost in tests.
class FifoLoop : public Executor {
 public:
  FifoLoop() : host_(FiberConfig{}, [this] { return step(); }) {}
  void schedule(Runnable& r) override { ready_.push_back(&r); }
  std::uint32_t concurrency() const noexcept override { return 1; }
  void drain() { host_.run(); }
  FiberHost& host() { return host_; }

 private:
  bool step() {
    if (ready_.empty()) return false;
    Runnable* r = ready_.front();
    ready_.pop_front();
    r->run(host_);
    return true;
  }
  std::deque<Runnable*> ready_;
  FiberHost host_;
};

struct Task : Runnable {
  explicit Task(UniqueFunction<void(FiberHost&)> f) : body(std::move(f)) {}
  void run(FiberHost& host) override { body(host); }
  UniqueFunction<void(FiberHost&)> body;
};

TEST_CASE("a turn parks mid-way while the loop goes on, then finishes", "[fiber]") {
  FifoLoop loop;
  std::vector<std::string> log;
  Fiber* parked = nullptr;
  Task waiter([&](FiberHost& host) {
    log.push_back("waiter starts");
    host.suspend("the answer", [&](Fiber& f) { parked = &f; });
    log.push_back("waiter resumes");
  });
  Task other([&](FiberHost&) { log.push_back("other runs"); });
  loop.schedule(waiter);
  loop.schedule(other);
  loop.drain();
  REQUIRE(log == std::vector<std::string>{"waiter starts", "other runs"});
  REQUIRE(parked != nullptr);
  REQUIRE(loop.host().parked().size() == 1);
  REQUIRE(loop.host().parked()[0].waiting_for == "the answer");
  loop.schedule(FiberHost::runnable(*parked));
  loop.drain();
  REQUIRE(log.back() == "waiter resumes");
  REQUIRE(loop.host().parked().empty());
}

TEST_CASE("driver fibers read sequentially and reuse stacks", "[fiber]") {
  FifoLoop loop;
  int steps = 0;
  Fiber* parked = nullptr;
  for (int round = 0; round < 100; ++round) {
    Fiber& driver = loop.host().spawn("driver", [&] {
      ++steps;
      loop.host().suspend("a wake-up", [&](Fiber& f) { parked = &f; });
      ++steps;
    });
    loop.schedule(FiberHost::runnable(driver));
    loop.drain();
    loop.schedule(FiberHost::runnable(*parked));
    loop.drain();
  }
  REQUIRE(steps == 200);
  REQUIRE(loop.host().stacks_mapped() <= 3);
}

TEST_CASE("cancelling a parked fiber unwinds its frames", "[fiber]") {
  bool unwound = false;
  {
    FifoLoop loop;
    struct Guard {
      bool& flag;
      ~Guard() { flag = true; }
    };
    Task waiter([&](FiberHost& host) {
      Guard guard{unwound};
      host.suspend("forever", [](Fiber&) {});
    });
    loop.schedule(waiter);
    loop.drain();
    REQUIRE_FALSE(unwound);
  }
  REQUIRE(unwound);
}

}  // namespace
}  // namespace orrery
