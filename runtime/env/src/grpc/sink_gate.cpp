// The gate between the gRPC transport's threads and its FrameSink; see sink_gate.hpp.
#include "sink_gate.hpp"

#include <algorithm>

#include <orrery/core/assert.hpp>

namespace orrery::grpc_transport {

void SinkGate::attach(FrameSink& sink) {
  std::lock_guard guard(mutex_);
  ORRERY_ASSERT(sink_ == nullptr, "a transport is attached to one sink at a time");
  sink_ = &sink;
}

void SinkGate::detach() noexcept {
  std::unique_lock lock(mutex_);
  sink_ = nullptr;
  const auto self = std::this_thread::get_id();
  // A callback on this very thread is the caller's own frame: waiting for it would never end.
  left_.wait(lock, [&] {
    return std::all_of(inside_.begin(), inside_.end(), [&](auto id) { return id == self; });
  });
}

FrameSink* SinkGate::enter() {
  std::lock_guard guard(mutex_);
  if (sink_ == nullptr) return nullptr;
  inside_.push_back(std::this_thread::get_id());
  return sink_;
}

void SinkGate::leave() noexcept {
  std::lock_guard guard(mutex_);
  const auto found = std::find(inside_.begin(), inside_.end(), std::this_thread::get_id());
  ORRERY_ASSERT(found != inside_.end(), "leaving the sink gate without having entered it");
  inside_.erase(found);
  if (sink_ == nullptr) left_.notify_all();
}

void SinkGate::link_up(const NodeAddress& peer) {
  std::lock_guard guard(links_mutex_);
  const std::uint32_t live = ++live_streams_[peer];
  if (live == 1) with_sink([&](FrameSink& sink) { sink.on_link_up(peer); });
}

void SinkGate::link_down(const NodeAddress& peer) {
  std::lock_guard guard(links_mutex_);
  const auto found = live_streams_.find(peer);
  ORRERY_ASSERT(found != live_streams_.end(), "a link went down that never came up");
  ORRERY_ASSERT(found->second > 0, "a peer's live stream count fell below zero");
  if (--found->second > 0) return;
  live_streams_.erase(found);
  with_sink([&](FrameSink& sink) { sink.on_link_down(peer); });
}

}  // namespace orrery::grpc_transport
