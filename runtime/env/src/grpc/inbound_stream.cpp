// The receiving end of a peer's stream: validates the Open and each Batch, delivers frames in
// order, and ends only this stream on bad input.
#include "inbound_stream.hpp"

#include <algorithm>

#include <grpcpp/support/proto_buffer_reader.h>

#include <orrery/core/assert.hpp>

namespace orrery::grpc_transport {

namespace {

constexpr std::size_t address_part_bytes_max = 255;

bool valid_sender(const wire::Open& open) {
  if (!open.has_from()) return false;
  const wire::NodeAddress& from = open.from();
  return !from.system().empty() && from.system().size() <= address_part_bytes_max &&
         !from.host().empty() && from.host().size() <= address_part_bytes_max && from.port() > 0 &&
         from.port() <= 65535;
}

}  // namespace

InboundStream::InboundStream(GrpcTransport::Impl& transport, grpc::CallbackServerContext& context)
    : transport_(transport), peer_text_(context.peer()) {
}

InboundStream::~InboundStream() {
  transport_.callback_finished(GrpcTransport::Impl::Side::inbound);
}

void InboundStream::start(bool refuse) {
  if (refuse) {
    Counters::add(transport_.counters().refused_inbound);
    transport_.errors().write(LogLevel::warning,
                              "refused an inbound stream from " + peer_text_ +
                                  ": inbound_streams_max reached or shutting down");
    finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "too many streams, or shutting down"));
    return;
  }
  continue_reading();
}

void InboundStream::finish(const grpc::Status& status) {
  std::lock_guard guard(mutex_);
  if (finished_) return;
  finished_ = true;
  Finish(status);
}

void InboundStream::continue_reading() {
  std::lock_guard guard(mutex_);
  if (finished_) return;
  in_.Clear();
  StartRead(&in_);
}

void InboundStream::release() noexcept {
  const int before = references_.fetch_sub(1, std::memory_order_acq_rel);
  ORRERY_ASSERT(before > 0, "an inbound stream released once too often");
  if (before == 1) delete this;
}

void InboundStream::OnReadDone(bool ok) {
  if (!ok) {  // the sender closed or vanished, or we cancelled
    finish(grpc::Status::OK);
    return;
  }
  const grpc::Status verdict = on_message();
  if (!verdict.ok()) {
    finish(verdict);
    return;
  }
  continue_reading();
}

void InboundStream::OnDone() {
  transport_.inbound_done(*this);
  release();
}

grpc::Status InboundStream::on_message() {
  const std::uint64_t length = in_.Length();
  const std::uint64_t length_max = transport_.inbound_message_bytes_max();
  if (length > length_max) {
    return refuse(transport_.counters().oversized_inbound, grpc::StatusCode::RESOURCE_EXHAUSTED,
                  "a message of " + std::to_string(length) + " bytes, above the limit of " +
                      std::to_string(length_max));
  }
  message_.Clear();
  grpc::ProtoBufferReader reader(&in_);
  if (!reader.status().ok() || !message_.ParseFromZeroCopyStream(&reader)) {
    return refuse(transport_.counters().malformed_inbound, grpc::StatusCode::INVALID_ARGUMENT,
                  "an unparseable message of " + std::to_string(length) + " bytes");
  }
  return opened_ ? on_batch() : on_open();
}

grpc::Status InboundStream::on_open() {
  Counters& counters = transport_.counters();
  if (!message_.has_open()) {
    return refuse(counters.malformed_inbound, grpc::StatusCode::INVALID_ARGUMENT,
                  "the stream does not begin with an Open");
  }
  const wire::Open& open = message_.open();
  if (open.protocol_version() != protocol_version) {
    return refuse(counters.malformed_inbound, grpc::StatusCode::INVALID_ARGUMENT,
                  "protocol version " + std::to_string(open.protocol_version()) +
                      " (this node speaks " + std::to_string(protocol_version) + ")");
  }
  if (!valid_sender(open)) {
    return refuse(counters.malformed_inbound, grpc::StatusCode::INVALID_ARGUMENT,
                  "the Open names no valid sender (system, host, port)");
  }
  from_ = NodeAddress{open.from().system(), open.from().host(),
                      static_cast<std::uint16_t>(open.from().port())};
  opened_ = true;
  sender_ = transport_.inbound_opened(*this, from_);

  wire::LinkReply reply;
  wire::NodeAddress& receiver = *reply.mutable_accepted()->mutable_receiver();
  receiver.set_system(transport_.address().system);
  receiver.set_host(transport_.address().host);
  receiver.set_port(transport_.address().port);
  const std::string bytes = reply.SerializeAsString();
  grpc::Slice slice(bytes);
  out_ = grpc::ByteBuffer(&slice, 1);
  std::lock_guard guard(mutex_);
  if (!finished_) StartWrite(&out_);
  return grpc::Status::OK;
}

grpc::Status InboundStream::on_batch() {
  Counters& counters = transport_.counters();
  if (!message_.has_batch()) {
    return refuse(counters.malformed_inbound, grpc::StatusCode::INVALID_ARGUMENT,
                  "a message that is not a Batch after the Open");
  }
  const GrpcTransportConfig& config = transport_.config();
  auto& frames = *message_.mutable_batch()->mutable_frames();
  if (static_cast<std::uint64_t>(frames.size()) > config.batch_frames_max) {
    return refuse(counters.oversized_inbound, grpc::StatusCode::RESOURCE_EXHAUSTED,
                  "a batch of " + std::to_string(frames.size()) +
                      " frames, above batch_frames_max " + std::to_string(config.batch_frames_max));
  }
  std::uint64_t bytes = 0;
  for (const std::string& frame : frames) {
    if (frame.size() > config.frame_bytes_max) {
      return refuse(counters.oversized_inbound, grpc::StatusCode::RESOURCE_EXHAUSTED,
                    "a frame of " + std::to_string(frame.size()) +
                        " bytes, above frame_bytes_max " + std::to_string(config.frame_bytes_max));
    }
    bytes += frame.size();
  }
  const std::uint64_t batch_bytes_max =
      std::max<std::uint64_t>(config.batch_bytes_max, config.frame_bytes_max);
  if (bytes > batch_bytes_max) {
    return refuse(counters.oversized_inbound, grpc::StatusCode::RESOURCE_EXHAUSTED,
                  "a batch of " + std::to_string(bytes) + " bytes, above batch_bytes_max " +
                      std::to_string(batch_bytes_max));
  }
  return deliver(bytes);
}

grpc::Status InboundStream::deliver(std::uint64_t bytes) {
  Counters& counters = transport_.counters();
  auto& frames = *message_.mutable_batch()->mutable_frames();
  const auto count = static_cast<std::uint64_t>(frames.size());
  std::lock_guard delivery(sender_->delivery);
  if (sender_->current_serial.load(std::memory_order_acquire) != serial) {
    Counters::add(counters.link_drops, count);
    transport_.errors().write(LogLevel::warning, "a newer stream from " + from_.to_string() +
                                                     " took over; the old one ends");
    return grpc::Status(grpc::StatusCode::ABORTED, "superseded by a newer stream");
  }
  const bool delivered = transport_.gate().with_sink([&](FrameSink& sink) {
    // Counted first, so that whoever sees a frame also sees it in stats().
    Counters::add(counters.frames_received, count);
    Counters::add(counters.bytes_received, bytes);
    Counters::add(counters.batches_received);
    for (std::string& frame : frames)
      sink.on_frame(from_, std::move(frame));
  });
  if (!delivered) Counters::add(counters.unattached_drops, count);
  return grpc::Status::OK;
}

grpc::Status InboundStream::refuse(std::atomic<std::uint64_t>& counter, grpc::StatusCode code,
                                   const std::string& problem) {
  Counters::add(counter);
  const std::string sender = opened_ ? from_.to_string() + " (" + peer_text_ + ")" : peer_text_;
  transport_.errors().write(LogLevel::error,
                            "dropped the inbound stream from " + sender + ": " + problem);
  return grpc::Status(code, problem);
}

}  // namespace orrery::grpc_transport
