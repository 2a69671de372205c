// A quick look at the gRPC transport's loopback figures, printed, never asserted (speed belongs to
// orrery-bench): round trips with one frame in flight, and one-way throughput of 64-byte frames
// with 1,000 in flight. What is asserted is that every frame arrived, in order.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <orrery/env/production/grpc_transport.hpp>

#include "support_grpc/recording_sink.hpp"
#include "support_grpc/transport_fixtures.hpp"

using namespace std::chrono_literals;
using orrery::NodeAddress;
using orrery::SendStatus;
using Clock = std::chrono::steady_clock;

namespace {

/// Waits (spinning, then yielding) until `counter` reaches `target`; false after `limit`.
bool spin_until(const std::atomic<std::uint64_t>& counter, std::uint64_t target,
                Clock::duration limit = 10s) {
  const auto deadline = Clock::now() + limit;
  for (int spins = 0; counter.load(std::memory_order_acquire) < target; ++spins) {
    if (spins > 1000) std::this_thread::yield();
    if ((spins & 1023) == 0 && Clock::now() > deadline) return false;
  }
  return true;
}

double microseconds(Clock::duration duration) {
  return std::chrono::duration<double, std::micro>(duration).count();
}

}  // namespace

TEST_CASE("grpc transport: loopback round trip and throughput (printed)", "[remote][grpc]") {
  ORRERY_GRPC_REPRODUCE();
  orrery::test::LinesLog log;
  orrery::test::RecordingSink sink_a, sink_b;
  sink_a.count_only();
  sink_b.count_only();
  auto a = orrery::test::make_transport(orrery::test::plaintext_config("a", log));
  auto b = orrery::test::make_transport(orrery::test::plaintext_config("b", log));
  const NodeAddress A = a->local_address(), B = b->local_address();
  std::atomic<std::uint64_t> pongs{0}, arrived{0}, out_of_order{0};
  std::atomic<bool> echo{true};
  sink_b.on_frame_hook = [&](const NodeAddress&, const orrery::Frame& frame) {
    if (echo.load(std::memory_order_relaxed)) {
      b->send(A, frame);
      return;
    }
    const auto expected = arrived.load(std::memory_order_relaxed);
    if (frame.compare(0, 8, std::to_string(10'000'000 + expected)) != 0) {
      out_of_order.fetch_add(1, std::memory_order_relaxed);
    }
    arrived.fetch_add(1, std::memory_order_release);
  };
  sink_a.on_frame_hook = [&](const NodeAddress&, const orrery::Frame&) {
    pongs.fetch_add(1, std::memory_order_release);
  };
  a->attach(sink_a);
  b->attach(sink_b);

  // Round trips, one 64-byte frame in flight.
  const std::string ping(64, 'p');
  const int warmup = 200, rounds = 2000;
  std::vector<double> round_trips;
  for (int i = 0; i < warmup + rounds; ++i) {
    const auto start = Clock::now();
    REQUIRE(a->send(B, ping) == SendStatus::queued);
    REQUIRE(spin_until(pongs, static_cast<std::uint64_t>(i + 1)));
    if (i >= warmup) round_trips.push_back(microseconds(Clock::now() - start));
  }
  std::sort(round_trips.begin(), round_trips.end());
  const double p50 = round_trips[round_trips.size() / 2];
  const double p99 = round_trips[round_trips.size() * 99 / 100];

  // One way, 64-byte frames, at most 1,000 in flight.
  echo = false;
  const std::uint64_t total = 200'000, in_flight_max = 1000;
  std::string frame(64, 't');
  const auto batches_before = b->stats().batches_received;
  const auto start = Clock::now();
  for (std::uint64_t sent = 0; sent < total; ++sent) {
    if (sent - arrived.load(std::memory_order_acquire) >= in_flight_max) {
      REQUIRE(spin_until(arrived, sent - in_flight_max + 1));
    }
    frame.replace(0, 8, std::to_string(10'000'000 + sent));  // 8 digits: an order check
    REQUIRE(a->send(B, frame) == SendStatus::queued);
  }
  REQUIRE(spin_until(arrived, total, 60s));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const auto batches = b->stats().batches_received - batches_before;
  CHECK(out_of_order.load() == 0);

  WARN("grpc transport on 127.0.0.1: round trip p50 "
       << p50 << " us, p99 " << p99 << " us; one way " << total / seconds
       << " frames/s (64 B, 1000 in flight), " << double(total) / double(batches)
       << " frames per gRPC message");
}
