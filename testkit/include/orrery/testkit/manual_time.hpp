#pragma once
// ManualTime: one node's Env in virtual time, driven by the test (Akka's ManualTime): a clock
// that moves only when told, timers fired in time order, ready work run on one thread (in
// arrival order, or in an order drawn from a seed), a seeded Random, a log that keeps its lines.
// Transport and storage refuse service: use the simulator for several nodes and disks.
//
//   ManualTime time;
//   auto system = ActorSystem::create(time.env());
//   ... tell ...
//   time.advance(5s);   // every timer due within 5 s fires, in order, with its work run

#include <deque>
#include <map>
#include <orrery/env/env.hpp>
#include <orrery/fiber/fiber_host.hpp>
#include <orrery/testkit/time_driver.hpp>
#include <string>
#include <vector>

namespace orrery {

class ManualTime final : public TimeDriver {
 public:
  struct Options {
    std::uint64_t seed = 1;
    /// Run ready work in an order drawn from the seed (explores interleavings).
    bool shuffle = false;
    LogLevel log_threshold = LogLevel::info;
    /// Also print log lines to stderr.
    bool echo_log = false;
  };

  ManualTime();
  explicit ManualTime(Options options);
  ~ManualTime() override;
  ManualTime(const ManualTime&) = delete;
  ManualTime& operator=(const ManualTime&) = delete;

  Env& env() noexcept;
  Instant now() const noexcept;
  /// Runs ready work, then fires the timers due within `duration` in time order (running the
  /// work each makes ready), and leaves the clock at now + duration.
  void advance(Duration duration);
  /// Runs ready work without moving the clock.
  void run_ready();
  std::size_t timers_pending() const noexcept;
  const std::vector<std::string>& log_lines() const noexcept;

  bool await(const std::function<bool()>& ready, Duration timeout) override;
  void pass(Duration duration) override { advance(duration); }
  bool virtual_time() const noexcept override { return true; }

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace orrery
