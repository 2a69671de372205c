#pragma once
// OutboundStream: one attempt to reach a peer and, once the peer accepts it, the link frames
// travel over. It opens with an Open naming this node; after the peer's Accepted, every write
// carries a batch of whatever queued while the previous write was in flight, so throughput
// grows with batching while a lone frame still goes out at once. The sender's thread starts
// the write when the stream is idle (no thread hop); gRPC's threads continue it.
//
// Lifetime: gRPC calls OnDone once every operation and hold is finished; whoever else touches
// the stream from outside a reaction (cancel from disconnect or shutdown) holds a reference, and
// the last reference deletes it. Two holds keep the call from finishing under us: the writer
// hold (sender threads start writes from outside the reactions) and the connect-deadline
// alarm's hold. The destructor lets go of everything that holds on to gRPC (context, channel,
// stub, alarm, peer) before it tells the transport the stream is gone: gRPC's process-wide
// callback threads must never drop the last reference to its library or callback queue (they
// would try to shut themselves down), and while the transport lives, its server holds one.

#include <atomic>
#include <memory>

#include "transport_impl.hpp"

namespace orrery::grpc_transport {

class OutboundStream final : public grpc::ClientBidiReactor<wire::LinkMessage, wire::LinkReply> {
 public:
  /// Prepares the call with `peer` locked; begin() starts it once the peer is unlocked.
  OutboundStream(GrpcTransport::Impl& transport, std::shared_ptr<Peer> peer);
  ~OutboundStream() override;
  OutboundStream(const OutboundStream&) = delete;
  OutboundStream& operator=(const OutboundStream&) = delete;
  void begin();

  /// When the link is up and idle and frames wait: moves them into the next batch and marks a
  /// write in flight. The peer is locked; on true, call write_batch() once it is unlocked.
  bool take_batch_locked();
  void write_batch() { StartWrite(&batch_); }

  /// disconnect(): the queue is already dropped; what queues later survives this stream.
  void mark_disconnected_locked() noexcept { disconnected_ = true; }
  void cancel() { context_->TryCancel(); }
  void retain() noexcept { references_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept;

  void OnWriteDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  void on_accepted();
  void on_broken();
  void on_connect_deadline(bool fired);
  void log_end(const grpc::Status& status, bool was_up, std::uint64_t dropped);

  GrpcTransport::Impl& transport_;
  std::shared_ptr<Peer> peer_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<wire::Link::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::Alarm> connect_alarm_;
  wire::LinkMessage open_;
  wire::LinkMessage batch_;
  wire::LinkReply reply_;
  std::atomic<int> references_{1};  // gRPC's, released after OnDone

  // Guarded by the peer's mutex.
  bool up_ = false;              // the peer accepted the stream
  bool write_in_flight_ = true;  // the Open goes first
  bool broken_ = false;          // a read or write failed: no more writes
  bool writer_hold_ = true;      // released once broken and no write is in flight
  bool disconnected_ = false;
  std::uint32_t batch_frames_ = 0;  // in the write in flight
  std::uint64_t batch_bytes_ = 0;
};

}  // namespace orrery::grpc_transport
