// The raw gRPC peer of the remote workloads: a hand-written Echo service (proto/.../echo.proto)
// on gRPC's synchronous API, one bidirectional stream, one gRPC message per payload.
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include <orrery/bench/v1/echo.grpc.pb.h>
#include <orrery/core/assert.hpp>

#include "child_process.hpp"
#include "measure.hpp"
#include "remote_workloads.hpp"

namespace orrery::bench::raw_grpc {
namespace {

namespace v1 = orrery::bench::v1;

class EchoService final : public v1::Echo::Service {
 public:
  grpc::Status RoundTrip(grpc::ServerContext*,
                         grpc::ServerReaderWriter<v1::Payload, v1::Payload>* stream) override {
    v1::Payload payload;
    while (stream->Read(&payload)) {
      if (!stream->Write(payload)) break;
    }
    return grpc::Status::OK;
  }
  grpc::Status OneWay(grpc::ServerContext*,
                      grpc::ServerReaderWriter<v1::Ack, v1::Payload>* stream) override {
    v1::Payload payload;
    v1::Ack ack;
    std::uint64_t received = 0;
    while (stream->Read(&payload)) {
      if (++received % remote_ack_every != 0) continue;
      ack.set_received(received);
      if (!stream->Write(ack)) break;
    }
    return grpc::Status::OK;
  }
};

std::unique_ptr<v1::Echo::Stub> connect(std::uint16_t port) {
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  return v1::Echo::NewStub(channel);
}

/// One stream of payloads, at most spec.in_flight unacknowledged; payloads per second.
double one_way_stream(v1::Echo::Stub& stub, const OneWaySpec& spec) {
  ORRERY_ASSERT(spec.messages % remote_ack_every == 0,
                "one-way runs send whole acknowledgement rounds");
  grpc::ClientContext context;
  auto stream = stub.OneWay(&context);
  std::atomic<std::uint64_t> acknowledged{0};
  std::thread reader([&] {
    v1::Ack ack;
    while (stream->Read(&ack)) {
      acknowledged.store(ack.received(), std::memory_order_release);
      acknowledged.notify_all();
    }
  });
  v1::Payload payload;
  payload.set_data(std::string(remote_payload_bytes, 'x'));
  const Stopwatch stopwatch;
  for (std::uint64_t sent = 0; sent < spec.messages; ++sent) {
    for (std::uint64_t seen = acknowledged.load(std::memory_order_acquire);
         sent - seen >= spec.in_flight; seen = acknowledged.load(std::memory_order_acquire)) {
      acknowledged.wait(seen, std::memory_order_acquire);
    }
    ORRERY_ASSERT(stream->Write(payload), "the raw gRPC stream broke");
  }
  for (std::uint64_t seen = acknowledged.load(std::memory_order_acquire); seen < spec.messages;
       seen = acknowledged.load(std::memory_order_acquire)) {
    acknowledged.wait(seen, std::memory_order_acquire);
  }
  const double rate = static_cast<double>(spec.messages) / stopwatch.elapsed_s();
  stream->WritesDone();
  reader.join();
  ORRERY_ASSERT(stream->Finish().ok(), "the raw gRPC stream did not finish cleanly");
  return rate;
}

}  // namespace

const char* name() {
  return "grpc-raw";
}

std::vector<double> remote_round_trips(const RoundTripSpec& spec) {
  ChildServer server("--serve-grpc");
  auto stub = connect(server.port());
  grpc::ClientContext context;
  auto stream = stub->RoundTrip(&context);
  v1::Payload payload, reply;
  payload.set_data(std::string(remote_payload_bytes, 'x'));
  std::vector<double> micros;
  micros.reserve(spec.round_trips);
  for (std::uint64_t i = 0; i < spec.warmup + spec.round_trips; ++i) {
    const Stopwatch stopwatch;
    ORRERY_ASSERT(stream->Write(payload) && stream->Read(&reply), "the raw gRPC stream broke");
    ORRERY_ASSERT(reply.data().size() == remote_payload_bytes, "the echo came back changed");
    if (i >= spec.warmup) micros.push_back(stopwatch.elapsed_ns() / 1e3);
  }
  stream->WritesDone();
  ORRERY_ASSERT(stream->Finish().ok(), "the raw gRPC stream did not finish cleanly");
  return micros;
}

double remote_one_way(const OneWaySpec& spec) {
  ChildServer server("--serve-grpc");
  auto stub = connect(server.port());
  one_way_stream(*stub, OneWaySpec{10 * remote_ack_every, spec.in_flight});  // connects; warms up
  return one_way_stream(*stub, spec);
}

int serve_remote() {
  EchoService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ORRERY_ASSERT(server != nullptr && port > 0, "the raw gRPC server did not start");
  announce_port_and_wait(static_cast<std::uint16_t>(port));
  server->Shutdown();
  return 0;
}

}  // namespace orrery::bench::raw_grpc
