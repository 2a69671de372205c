// The remote workloads on Orrery: two ActorSystems in two processes, each on a ProductionEnv
// with the gRPC transport (plaintext on 127.0.0.1), talking through Remoting.
#include <string>
#include <variant>

#include <orrery/actor.hpp>
#include <orrery/remote/remoting.hpp>

#include "bench_env.hpp"
#include "child_process.hpp"
#include "measure.hpp"
#include "remote_workloads.hpp"

namespace orrery_bench_remote {
struct EchoReply {
  std::string payload;
};
struct EchoRequest {
  std::string payload;
  orrery::ActorRef<EchoReply> reply_to;
};
struct Ack {
  std::uint64_t received = 0;
};
/// Starts a one-way run: the sink counts from zero and acknowledges to `reply_to`.
struct SinkStart {
  orrery::ActorRef<Ack> reply_to;
};
struct Payload {
  std::string data;
};
}  // namespace orrery_bench_remote

ORRERY_FIELDS(orrery_bench_remote::EchoReply, &orrery_bench_remote::EchoReply::payload);
ORRERY_FIELDS(orrery_bench_remote::EchoRequest, &orrery_bench_remote::EchoRequest::payload,
              &orrery_bench_remote::EchoRequest::reply_to);
ORRERY_FIELDS(orrery_bench_remote::Ack, &orrery_bench_remote::Ack::received);
ORRERY_FIELDS(orrery_bench_remote::SinkStart, &orrery_bench_remote::SinkStart::reply_to);
ORRERY_FIELDS(orrery_bench_remote::Payload, &orrery_bench_remote::Payload::data);

namespace orrery::bench::ours {
namespace {

using namespace std::chrono_literals;
using namespace orrery_bench_remote;
using SinkCommand = std::variant<SinkStart, Payload>;
struct Go {};
using DriverCommand = std::variant<Go, Ack>;

/// One node of a remote benchmark: ProductionEnv with gRPC on 127.0.0.1 (port 0), remoting on.
struct RemoteNode {
  RemoteNode() : bench_env(config()) {
    system = ActorSystem::create(bench_env.env(), {.name = "bench"});
    for (const Status& registered :
         {system->serialization().register_type<EchoRequest>("bench.EchoRequest"),
          system->serialization().register_type<EchoReply>("bench.EchoReply"),
          system->serialization().register_type<Ack>("bench.Ack"),
          system->serialization().register_type<SinkStart>("bench.SinkStart"),
          system->serialization().register_type<Payload>("bench.Payload")}) {
      ORRERY_ASSERT(registered.ok(), "a benchmark message type did not register");
    }
    remoting = Remoting::start(*system, bench_env.env().transport);
  }
  ~RemoteNode() {
    remoting.reset();
    system.reset();  // terminates and waits
  }
  static BenchEnvConfig config() {
    GrpcTransportConfig transport;
    transport.address = NodeAddress{"bench", "127.0.0.1", 0};
    transport.plaintext = true;
    return BenchEnvConfig{.workers = 2, .transport = std::move(transport)};
  }
  std::uint16_t port() { return bench_env.env().transport.local_address().port; }

  BenchEnv bench_env;
  ActorSystemPtr system;
  RemotingPtr remoting;
};

std::string uri(std::uint16_t port, const char* path) {
  return "orrery://bench@127.0.0.1:" + std::to_string(port) + path;
}

/// Counts payloads and acknowledges every remote_ack_every-th to whoever started the run.
struct Sink {
  ActorRef<Ack> reply_to;
  std::uint64_t received = 0;
  void on_message(ActorContext<SinkCommand>&, SinkCommand& command) {
    if (auto* start = std::get_if<SinkStart>(&command)) {
      reply_to = start->reply_to;
      received = 0;
      return;
    }
    if (++received % remote_ack_every == 0 && reply_to) reply_to.tell(Ack{received});
  }
};

/// Sends spec.messages payloads to the sink, at most spec.in_flight unacknowledged.
struct Driver {
  ActorRef<SinkCommand> sink;
  OneWaySpec spec;
  CountDown* done;
  std::string payload = std::string(remote_payload_bytes, 'x');
  std::uint64_t sent = 0;
  std::uint64_t acknowledged = 0;
  void on_message(ActorContext<DriverCommand>& ctx, DriverCommand& command) {
    if (std::holds_alternative<Go>(command)) {
      sink.tell(SinkStart{ctx.self().template narrow<Ack>()});
    } else {
      acknowledged = std::get<Ack>(command).received;
    }
    for (; sent < spec.messages && sent - acknowledged < spec.in_flight; ++sent)
      sink.tell(Payload{payload});
    if (acknowledged == spec.messages) done->count_down();
  }
};

/// Runs one driver to completion; returns payloads per second.
double drive(RemoteNode& client, const ActorRef<SinkCommand>& sink, const OneWaySpec& spec) {
  ORRERY_ASSERT(spec.messages % remote_ack_every == 0,
                "one-way runs send whole acknowledgement rounds");
  CountDown done(1);
  auto driver = client.system->spawn_anonymous(
      behaviors::setup<DriverCommand>([sink, spec, done = &done](ActorContext<DriverCommand>&) {
        return behaviors::of<DriverCommand, Driver>(Driver{sink, spec, done});
      }));
  const Stopwatch stopwatch;
  driver.tell(Go{});
  done.wait();
  const double rate = static_cast<double>(spec.messages) / stopwatch.elapsed_s();
  return rate;
}

}  // namespace

std::vector<double> remote_round_trips(const RoundTripSpec& spec) {
  ChildServer server("--serve-orrery");
  RemoteNode client;
  auto echo = client.remoting->ref<EchoRequest>(uri(server.port(), "/user/echo"));
  ORRERY_ASSERT(echo.ok(), "the echo actor's address did not parse");
  const std::string payload(remote_payload_bytes, 'x');
  std::vector<double> micros;
  micros.reserve(spec.round_trips);
  for (std::uint64_t i = 0; i < spec.warmup + spec.round_trips; ++i) {
    const Stopwatch stopwatch;
    auto reply = ask<EchoReply>(
                     *echo,
                     [&](ActorRef<EchoReply> reply_to) {
                       return EchoRequest{payload, reply_to};
                     },
                     10s)
                     .get();
    ORRERY_ASSERT(reply.ok() && reply.value().payload.size() == payload.size(),
                  "a remote ask failed");
    if (i >= spec.warmup) micros.push_back(stopwatch.elapsed_ns() / 1e3);
  }
  return micros;
}

double remote_one_way(const OneWaySpec& spec) {
  ChildServer server("--serve-orrery");
  RemoteNode client;
  auto sink = client.remoting->ref<SinkCommand>(uri(server.port(), "/user/sink"));
  ORRERY_ASSERT(sink.ok(), "the sink's address did not parse");
  drive(client, *sink, OneWaySpec{10 * remote_ack_every, spec.in_flight});  // connects; warms up
  return drive(client, *sink, spec);
}

int serve_remote() {
  RemoteNode node;
  node.system->spawn(
      behaviors::receive<EchoRequest>([](ActorContext<EchoRequest>&, EchoRequest& request) {
        request.reply_to.tell(EchoReply{std::move(request.payload)});
      }),
      "echo");
  node.system->spawn(behaviors::setup<SinkCommand>([](ActorContext<SinkCommand>&) {
                       return behaviors::of<SinkCommand, Sink>(Sink{});
                     }),
                     "sink");
  announce_port_and_wait(node.port());
  return 0;
}

}  // namespace orrery::bench::ours
