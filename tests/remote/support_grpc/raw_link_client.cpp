// A rule-breaking Link client over gRPC's generic stub, and a listener that never answers.
#include "raw_link_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <orrery/core/assert.hpp>
#include <orrery/transport/v1/link.pb.h>

namespace orrery::test {

namespace wire = ::orrery::transport::v1;

namespace {

/// Waits for the one operation in flight; its tag must be `expected`.
bool await(grpc::CompletionQueue& queue, std::intptr_t expected) {
  void* tag = nullptr;
  bool ok = false;
  const bool got = queue.Next(&tag, &ok);
  ORRERY_ASSERT(got, "the completion queue shut down under a test");
  ORRERY_ASSERT(reinterpret_cast<std::intptr_t>(tag) == expected, "operations out of order");
  return ok;
}

void* tag_of(std::intptr_t value) {
  return reinterpret_cast<void*>(value);
}

}  // namespace

RawStream::RawStream(grpc::GenericStub& stub, std::chrono::milliseconds timeout) {
  context_.set_deadline(std::chrono::system_clock::now() + timeout);
  call_ = stub.PrepareCall(&context_, "/orrery.transport.v1.Link/Stream", &queue_);
  call_->StartCall(tag_of(1));
  open_ = await(queue_, 1);
}

RawStream::~RawStream() {
  if (!finished_) finish();
  queue_.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue_.Next(&tag, &ok)) {
  }
}

bool RawStream::write(const std::string& message) {
  if (!open_) return false;
  grpc::Slice slice(message);
  grpc::ByteBuffer buffer(&slice, 1);
  call_->Write(buffer, tag_of(2));
  open_ = await(queue_, 2);
  if (open_) ++result_.written;
  return open_;
}

RawExchange RawStream::finish() {
  ORRERY_ASSERT(!finished_, "a raw stream finishes once");
  finished_ = true;
  if (open_) {
    call_->WritesDone(tag_of(3));
    await(queue_, 3);
  }
  grpc::ByteBuffer reply;
  for (;;) {
    call_->Read(&reply, tag_of(4));
    if (!await(queue_, 4)) break;
    ++result_.replies;
  }
  call_->Finish(&result_.status, tag_of(5));
  await(queue_, 5);
  return result_;
}

RawLinkClient::RawLinkClient(const NodeAddress& server)
    : channel_(grpc::CreateChannel(server.host + ":" + std::to_string(server.port),
                                   grpc::InsecureChannelCredentials())),
      stub_(channel_) {
}

RawExchange RawLinkClient::exchange(const std::vector<std::string>& messages,
                                    std::chrono::milliseconds timeout) {
  RawStream stream(stub_, timeout);
  for (const std::string& message : messages) {
    if (!stream.write(message)) break;
  }
  return stream.finish();
}

std::unique_ptr<RawStream> RawLinkClient::open(std::chrono::milliseconds timeout) {
  return std::make_unique<RawStream>(stub_, timeout);
}

std::string RawLinkClient::open_message(const NodeAddress& from, std::uint32_t version) {
  wire::LinkMessage message;
  wire::Open& open = *message.mutable_open();
  open.mutable_from()->set_system(from.system);
  open.mutable_from()->set_host(from.host);
  open.mutable_from()->set_port(from.port);
  open.set_protocol_version(version);
  return message.SerializeAsString();
}

std::string RawLinkClient::batch_message(const std::vector<std::string>& frames) {
  wire::LinkMessage message;
  wire::Batch& batch = *message.mutable_batch();  // set even when empty
  for (const auto& frame : frames)
    batch.add_frames(frame);
  return message.SerializeAsString();
}

SilentListener::SilentListener() {
  socket_ = ::socket(AF_INET, SOCK_STREAM, 0);
  ORRERY_ASSERT(socket_ >= 0, "cannot open a socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ORRERY_ASSERT(::bind(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  ORRERY_ASSERT(::listen(socket_, 16) == 0);
  socklen_t length = sizeof address;
  ORRERY_ASSERT(::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  port_ = ntohs(address.sin_port);
}

SilentListener::~SilentListener() {
  ::close(socket_);
}

}  // namespace orrery::test
