// One outbound stream to a peer: open, batch writes started from whichever thread finds the
// stream idle, and the bookkeeping when it ends (dropped frames, backoff, the next attempt).
#include "outbound_stream.hpp"

#include <algorithm>

#include <grpc/support/time.h>

#include <orrery/core/assert.hpp>

namespace orrery::grpc_transport {

namespace {

gpr_timespec monotonic_deadline(Duration from_now) {
  const auto milliseconds = std::chrono::duration_cast<std::chrono::milliseconds>(from_now);
  return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                      gpr_time_from_millis(milliseconds.count(), GPR_TIMESPAN));
}

void fill_address(wire::NodeAddress& out, const NodeAddress& address) {
  out.set_system(address.system);
  out.set_host(address.host);
  out.set_port(address.port);
}

}  // namespace

OutboundStream::OutboundStream(GrpcTransport::Impl& transport, std::shared_ptr<Peer> peer)
    : transport_(transport),
      peer_(std::move(peer)),
      context_(std::make_unique<grpc::ClientContext>()),
      connect_alarm_(std::make_unique<grpc::Alarm>()) {
  ORRERY_ASSERT(peer_->stream == nullptr, "one stream per peer at a time");
  channel_ = transport_.make_channel(peer_->address);
  stub_ = wire::Link::NewStub(channel_);
  wire::Open& open = *open_.mutable_open();
  fill_address(*open.mutable_from(), transport_.address());
  open.set_protocol_version(protocol_version);
  stub_->async()->Stream(context_.get(), this);
  AddMultipleHolds(2);  // the writer hold and the connect alarm's
  StartWrite(&open_);
  StartRead(&reply_);
}

void OutboundStream::begin() {
  connect_alarm_->Set(monotonic_deadline(transport_.config().connect_timeout),
                      [this](bool fired) { on_connect_deadline(fired); });
  StartCall();
}

bool OutboundStream::take_batch_locked() {
  Peer& peer = *peer_;
  if (!up_ || write_in_flight_ || broken_ || peer.queue.empty()) return false;
  const GrpcTransportConfig& config = transport_.config();
  wire::Batch& batch = *batch_.mutable_batch();
  batch.clear_frames();
  std::uint32_t frames = 0;
  std::uint64_t bytes = 0;
  while (!peer.queue.empty() && frames < config.batch_frames_max) {
    Frame& next = peer.queue.front();
    // A batch closes before it would pass batch_bytes_max, but always takes one frame.
    if (frames > 0 && bytes + next.size() > config.batch_bytes_max) break;
    bytes += next.size();
    ++frames;
    batch.add_frames(std::move(next));
    peer.queue.pop_front();
  }
  ORRERY_ASSERT(frames > 0, "a batch out of an empty queue");
  ORRERY_ASSERT(peer.queued_bytes >= bytes, "queued bytes fell out of step with the queue");
  peer.queued_bytes -= bytes;
  batch_frames_ = frames;
  batch_bytes_ = bytes;
  write_in_flight_ = true;
  return true;
}

OutboundStream::~OutboundStream() {
  // The context holds the channel; everything that holds on to gRPC goes while the transport
  // (and its server) still lives.
  context_.reset();
  stub_.reset();
  channel_.reset();
  connect_alarm_.reset();
  peer_.reset();
  // The transport may be gone once this returns.
  transport_.callback_finished(GrpcTransport::Impl::Side::outbound);
}

void OutboundStream::release() noexcept {
  const int before = references_.fetch_sub(1, std::memory_order_acq_rel);
  ORRERY_ASSERT(before > 0, "an outbound stream released once too often");
  if (before == 1) delete this;
}

void OutboundStream::OnWriteDone(bool ok) {
  bool start = false;
  bool release_hold = false;
  {
    std::lock_guard guard(peer_->mutex);
    ORRERY_ASSERT(write_in_flight_, "a write completed that was never started");
    write_in_flight_ = false;
    Counters& counters = transport_.counters();
    if (!ok) {
      broken_ = true;
      Counters::add(counters.link_drops, batch_frames_);
    } else if (batch_frames_ > 0) {
      Counters::add(counters.frames_sent, batch_frames_);
      Counters::add(counters.bytes_sent, batch_bytes_);
      Counters::add(counters.batches_sent);
    }
    batch_frames_ = 0;
    batch_bytes_ = 0;
    if (broken_) {
      release_hold = std::exchange(writer_hold_, false);
    } else {
      start = take_batch_locked();
    }
  }
  if (start) write_batch();
  if (release_hold) RemoveHold();
}

void OutboundStream::OnReadDone(bool ok) {
  if (!ok) {
    on_broken();
    return;
  }
  bool expected = false;
  {
    std::lock_guard guard(peer_->mutex);
    expected = !up_ && reply_.has_accepted();
  }
  if (!expected) {
    transport_.errors().write(LogLevel::error, "unexpected reply from " +
                                                   peer_->address.to_string() +
                                                   " (protocol violation); dropping the link");
    cancel();
    on_broken();
    return;
  }
  on_accepted();
  StartRead(&reply_);  // pending for the stream's life: it completes when the stream ends
}

void OutboundStream::on_accepted() {
  bool start = false;
  {
    std::lock_guard guard(peer_->mutex);
    up_ = true;
    peer_->failures = 0;
    start = take_batch_locked();
  }
  connect_alarm_->Cancel();
  if (start) write_batch();
  Counters::add(transport_.counters().links_up);
  transport_.gate().link_up(peer_->address);
}

void OutboundStream::on_broken() {
  bool release_hold = false;
  {
    std::lock_guard guard(peer_->mutex);
    broken_ = true;
    if (!write_in_flight_) release_hold = std::exchange(writer_hold_, false);
  }
  connect_alarm_->Cancel();
  if (release_hold) RemoveHold();
}

void OutboundStream::on_connect_deadline(bool fired) {
  if (fired) {
    bool timed_out = false;
    {
      std::lock_guard guard(peer_->mutex);
      timed_out = !up_ && !broken_;
    }
    if (timed_out) cancel();
  }
  RemoveHold();
}

void OutboundStream::OnDone(const grpc::Status& status) {
  bool was_up = false;
  bool disconnected = false;
  std::uint64_t dropped = 0;
  GrpcTransport::Impl::Dial next;
  {
    std::lock_guard guard(peer_->mutex);
    Peer& peer = *peer_;
    ORRERY_ASSERT(peer.stream == this, "a peer's stream ended that was not its current one");
    ORRERY_ASSERT(!write_in_flight_, "a stream ended with a write in flight");
    peer.stream = nullptr;
    was_up = up_;
    disconnected = disconnected_;
    if (disconnected) {
      // disconnect() dropped the queue already; what queued since is for the next stream.
      peer.failures = 0;
      peer.next_attempt_at = {};
    } else {
      dropped = peer.queue.size();
      peer.queue.clear();
      peer.queued_bytes = 0;
      peer.failures = was_up ? 1 : std::min<std::uint32_t>(peer.failures + 1, 64);
      peer.next_attempt_at =
          std::chrono::steady_clock::now() + transport_.next_reconnect_delay(peer.failures);
    }
    if (!peer.queue.empty()) next = transport_.dial_or_wait_locked(peer_);
  }
  Counters& counters = transport_.counters();
  Counters::add(counters.link_drops, dropped);
  if (!was_up && !disconnected && !transport_.closed()) Counters::add(counters.connect_failures);
  if (was_up) {
    Counters::add(counters.links_down);
    transport_.gate().link_down(peer_->address);
  }
  if (!transport_.closed() && !disconnected) log_end(status, was_up, dropped);
  transport_.launch(peer_, std::move(next));
  release();
}

void OutboundStream::log_end(const grpc::Status& status, bool was_up, std::uint64_t dropped) {
  std::string message = was_up ? "lost the link to " : "cannot reach ";
  message += peer_->address.to_string();
  message += ": ";
  message += status.ok() ? std::string("the peer closed the stream") : status.error_message();
  if (dropped > 0) message += "; " + std::to_string(dropped) + " queued frames dropped";
  transport_.errors().write(LogLevel::warning, message);
}

}  // namespace orrery::grpc_transport
