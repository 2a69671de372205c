#pragma once
// InboundStream: the receiving end of a peer's stream. The first message must be an Open naming
// the sender; every later one a Batch of frames within the limits. Frames go to the sink in
// order, from gRPC's thread; anything else (unparseable bytes, a missing or second Open, an
// oversized batch or frame) ends this stream with a counter and a logged error, and nothing
// else: the server and the other streams go on.

#include <atomic>
#include <mutex>

#include "transport_impl.hpp"

namespace orrery::grpc_transport {

class InboundStream final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  InboundStream(GrpcTransport::Impl& transport, grpc::CallbackServerContext& context);
  /// Tells the transport the stream is gone (its last touch of the transport).
  ~InboundStream() override;
  InboundStream(const InboundStream&) = delete;
  InboundStream& operator=(const InboundStream&) = delete;
  /// Starts reading, or refuses the stream at once (too many streams, shutting down).
  void start(bool refuse);
  /// Ends the stream with `status` (once; later calls do nothing). Any thread.
  void finish(const grpc::Status& status);
  void retain() noexcept { references_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept;

  /// Guarded by the transport's inbound mutex: the key in its registry (0: refused, never
  /// registered), and the sender once its Open was accepted.
  std::uint64_t serial = 0;
  std::optional<NodeAddress> opened_from;

  void OnReadDone(bool ok) override;
  void OnDone() override;

 private:
  grpc::Status on_message();
  grpc::Status on_open();
  grpc::Status on_batch();
  /// Hands the batch to the sink unless a newer stream from the sender took over.
  grpc::Status deliver(std::uint64_t bytes);
  grpc::Status refuse(std::atomic<std::uint64_t>& counter, grpc::StatusCode code,
                      const std::string& problem);
  void continue_reading();

  GrpcTransport::Impl& transport_;
  const std::string peer_text_;  // gRPC's name for the other end, for logs
  grpc::ByteBuffer in_;
  grpc::ByteBuffer out_;
  wire::LinkMessage message_;
  NodeAddress from_;  // valid once opened_
  bool opened_ = false;
  std::shared_ptr<InboundSender> sender_;  // set once opened_
  std::mutex mutex_;
  bool finished_ = false;           // guarded by mutex_
  std::atomic<int> references_{1};  // gRPC's, released after OnDone
};

}  // namespace orrery::grpc_transport
