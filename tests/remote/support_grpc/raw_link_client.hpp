#pragma once
// Test peers that do not play by the rules: RawLinkClient speaks to a transport's Link service
// with whatever bytes a test gives it (gRPC's generic stub, plaintext), and SilentListener
// accepts TCP connections and never answers, so that a stream to it is never accepted.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <orrery/env/transport.hpp>

namespace orrery::test {

struct RawExchange {
  grpc::Status status;      // how the server ended the stream
  std::size_t written = 0;  // messages the server took before it ended the stream
  std::size_t replies = 0;  // messages it sent back (an Accepted)
};

/// One stream opened by hand: writes go out one by one; finish() half-closes, reads the replies
/// and returns how the server ended the stream.
class RawStream {
 public:
  RawStream(grpc::GenericStub& stub, std::chrono::milliseconds timeout);
  ~RawStream();
  RawStream(const RawStream&) = delete;
  RawStream& operator=(const RawStream&) = delete;
  /// False once the server has ended the stream.
  bool write(const std::string& message);
  RawExchange finish();

 private:
  grpc::ClientContext context_;
  grpc::CompletionQueue queue_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  RawExchange result_;
  bool open_ = false;
  bool finished_ = false;
};

class RawLinkClient {
 public:
  explicit RawLinkClient(const NodeAddress& server);
  /// Opens a stream, writes `messages` (raw gRPC message bytes) in order while the server
  /// takes them, half-closes, reads the replies and returns how the server ended the stream.
  RawExchange exchange(const std::vector<std::string>& messages,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// A stream to drive by hand (the client must outlive it).
  std::unique_ptr<RawStream> open(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Serialized LinkMessages, for the well-formed parts of an exchange.
  static std::string open_message(const NodeAddress& from, std::uint32_t version = 1);
  static std::string batch_message(const std::vector<std::string>& frames);

 private:
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
};

/// A TCP listener on 127.0.0.1 that accepts into its backlog and never reads or writes.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int socket_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace orrery::test
