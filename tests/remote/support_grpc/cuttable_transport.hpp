#pragma once
// A transport in front of the gRPC one that a test can cut: while cut, frames are dropped both
// ways (a partition the peer cannot tell from a silent node), and a Random the production
// thread pool may share between threads. For remoting tests over real gRPC on 127.0.0.1.

#include <atomic>
#include <mutex>

#include <orrery/core/prng.hpp>
#include <orrery/env/random.hpp>
#include <orrery/env/transport.hpp>

namespace orrery::test {

class CuttableTransport final : public Transport, public FrameSink {
 public:
  explicit CuttableTransport(Transport& inner) : inner_(inner) {}
  void cut(bool on) { cut_.store(on); }

  const NodeAddress& local_address() const noexcept override { return inner_.local_address(); }
  void attach(FrameSink& sink) override {
    sink_ = &sink;
    inner_.attach(*this);
  }
  void detach() noexcept override { inner_.detach(); }
  SendStatus send(const NodeAddress& to, Frame frame) override {
    if (cut_.load()) return SendStatus::queued;  // lost on the way
    return inner_.send(to, std::move(frame));
  }
  void disconnect(const NodeAddress& peer) override { inner_.disconnect(peer); }
  void on_frame(const NodeAddress& from, Frame frame) override {
    if (!cut_.load()) sink_->on_frame(from, std::move(frame));
  }
  void on_link_up(const NodeAddress& peer) override { sink_->on_link_up(peer); }
  void on_link_down(const NodeAddress& peer) override { sink_->on_link_down(peer); }

 private:
  Transport& inner_;
  FrameSink* sink_ = nullptr;
  std::atomic<bool> cut_{false};
};

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

}  // namespace orrery::test
