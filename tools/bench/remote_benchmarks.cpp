// The remote benchmarks against a raw gRPC stream (CAF's io middleman beside, for round trips):
// sizes and registry entries. Each run starts its own server process.
#include <algorithm>

#include <fmt/format.h>

#include "benchmark.hpp"
#include "measure.hpp"
#include "remote_workloads.hpp"
#include "workloads.hpp"

namespace orrery::bench {
namespace {

RoundTripSpec round_trips(const RunScale& s) {
  return s.quick ? RoundTripSpec{100, 1000} : RoundTripSpec{1000, 10'000};
}
OneWaySpec one_way(const RunScale& s) {
  return {s.quick ? 20'000u : 300'000u, 1000};
}

/// The median (p50) round trip, with p50 and p99 as the detail.
template <class F>
Measure latency(F measure) {
  return [measure](const RunScale& scale) {
    std::vector<double> micros = measure(round_trips(scale));
    std::sort(micros.begin(), micros.end());
    const double p50 = quantile(micros, 0.50), p99 = quantile(micros, 0.99);
    return Measurement{p50, fmt::format("p50 {:.1f} us, p99 {:.1f} us", p50, p99)};
  };
}

template <class F>
Measure rate(F measure) {
  return [measure](const RunScale& scale) {
    return Measurement{measure(one_way(scale)), {}};
  };
}

}  // namespace

std::vector<Benchmark> remote_benchmarks() {
  std::vector<Benchmark> list;
  list.push_back(
      {"remote.rtt",
       "us/rtt",
       Better::lower,
       "request-response between two processes on 127.0.0.1, one in flight, 64-byte payload "
       "(ours: ask over GrpcTransport + Remoting; peer: raw gRPC bidi echo; also CAF io)",
       latency([](const RoundTripSpec& spec) { return ours::remote_round_trips(spec); }),
       raw_grpc::name(),
       latency([](const RoundTripSpec& spec) { return raw_grpc::remote_round_trips(spec); }),
       {Aside{caf_peer::name(), latency([](const RoundTripSpec& spec) {
                return caf_peer::remote_round_trips(spec);
              })}},
       3});
  list.push_back(
      {"remote.throughput",
       "msg/s",
       Better::higher,
       "64-byte actor messages one way between two processes, 1,000 in flight (peer: one gRPC "
       "message per payload on a raw stream)",
       rate([](const OneWaySpec& spec) { return ours::remote_one_way(spec); }),
       raw_grpc::name(),
       rate([](const OneWaySpec& spec) { return raw_grpc::remote_one_way(spec); }),
       {},
       3});
  return list;
}

}  // namespace orrery::bench
