// orrery-test-node: one node of the remoting scenario (scenarios/remoting) as an OS process, for
// the multi-process gRPC test. It runs a production node (ProductionEnv, GrpcTransport on
// 127.0.0.1, Remoting), spawns /user/server, which answers every Request with a Reply naming this
// node and its incarnation, prints
//
//   ready <port> <uid of /user/server> <uid of the actor system>
//
// on stdout, and serves until SIGTERM or SIGINT (then terminates the actor system cleanly).
//
//   orrery-test-node --name b --port 0 --system shop --cert-dir DIR
//       [--plaintext] [--storage-root DIR] [--heartbeat-ms N] [--unreachable-ms N]
//
// With --cert-dir the node uses mutual TLS with DIR/ca.pem, DIR/node-<name>.pem and
// DIR/node-<name>.key (the layout of tests/remote/support_grpc/test_certificates.hpp).
// Plaintext only when --plaintext is given.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <pthread.h>
#include <remoting/remoting_messages.hpp>
#include <string>
#include <string_view>

#include <orrery/actor.hpp>
#include <orrery/env/production/production_env.hpp>
#include <orrery/remote/remoting.hpp>

namespace {

using namespace orrery;
using scenarios::remoting::Reply;
using scenarios::remoting::Request;

struct NodeOptions {
  std::string name;
  std::uint16_t port = 0;
  std::string system = "shop";
  std::string cert_dir;
  bool plaintext = false;
  std::string storage_root;  // empty: a fresh temporary directory, removed on a clean exit
  RemoteConfig remote;
};

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "orrery-test-node: %s\nusage: orrery-test-node --name NAME --port PORT --system "
               "SYSTEM (--cert-dir DIR | --plaintext) [--storage-root DIR] [--heartbeat-ms N] "
               "[--unreachable-ms N]\n",
               problem.c_str());
  std::exit(2);
}

std::uint64_t parse_number(std::string_view flag, const std::string& text, std::uint64_t max) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value > max) usage(std::string(flag) + " takes a number");
  return value;
}

NodeOptions parse_options(int argc, char** argv) {
  NodeOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--plaintext") {
      options.plaintext = true;
      continue;
    }
    if (i + 1 >= argc) usage(std::string(flag) + " needs a value");
    const std::string value = argv[++i];
    if (flag == "--name") {
      options.name = value;
    } else if (flag == "--port") {
      options.port = static_cast<std::uint16_t>(parse_number(flag, value, 65535));
    } else if (flag == "--system") {
      options.system = value;
    } else if (flag == "--cert-dir") {
      options.cert_dir = value;
    } else if (flag == "--storage-root") {
      options.storage_root = value;
    } else if (flag == "--heartbeat-ms") {
      options.remote.heartbeat_interval =
          std::chrono::milliseconds(parse_number(flag, value, 60'000));
    } else if (flag == "--unreachable-ms") {
      options.remote.unreachable_after =
          std::chrono::milliseconds(parse_number(flag, value, 600'000));
    } else {
      usage("unknown flag " + std::string(flag));
    }
  }
  if (options.name.empty()) usage("--name is required");
  // Plaintext is never a fallback: a node without certificates must be told so explicitly.
  if (options.cert_dir.empty() == !options.plaintext)
    usage("give exactly one of --cert-dir and --plaintext");
  return options;
}

ProductionConfig production_config(const NodeOptions& options) {
  ProductionConfig config;
  config.executor.workers = 2;
  config.storage_root = options.storage_root;
  config.log_threshold = LogLevel::warning;
  GrpcTransportConfig transport;
  transport.address = NodeAddress{options.system, "127.0.0.1", options.port};
  if (options.plaintext) {
    transport.plaintext = true;
  } else {
    const std::string& dir = options.cert_dir;
    transport.tls = GrpcTlsConfig{PemSource::file(dir + "/ca.pem"),
                                  PemSource::file(dir + "/node-" + options.name + ".pem"),
                                  PemSource::file(dir + "/node-" + options.name + ".key"),
                                  {}};
  }
  // Peers of a test come and go within seconds: redial them quickly.
  transport.reconnect_backoff_min = std::chrono::milliseconds(20);
  transport.reconnect_backoff_max = std::chrono::milliseconds(200);
  transport.connect_timeout = std::chrono::seconds(2);
  config.transport = std::move(transport);
  return config;
}

Behavior<Request> server(std::string name, std::uint64_t incarnation) {
  return behaviors::receive<Request>([name, incarnation](ActorContext<Request>&, Request& request) {
    request.reply_to.tell(Reply{request.seq, name, incarnation});
  });
}

/// A temporary storage root when none is given; removed on a clean exit.
std::string temporary_storage_root() {
  const char* temporary = std::getenv("TMPDIR");
  std::string pattern =
      std::string(temporary != nullptr ? temporary : "/tmp") + "/orrery-test-node-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) usage("cannot create a temporary directory");
  return pattern;
}

/// Runs the node until SIGTERM or SIGINT; the exit code.
int run(const NodeOptions& options, const sigset_t& stop_signals) {
  auto production = ProductionEnv::create(production_config(options));
  if (!production.ok()) {
    std::fprintf(stderr, "orrery-test-node %s: %s\n", options.name.c_str(),
                 production.error().message.c_str());
    return 1;
  }
  ActorSystemConfig system_config;
  system_config.name = options.system;
  system_config.log_level = LogLevel::warning;
  ActorSystemPtr system = ActorSystem::create((*production)->env(), system_config);
  auto& serialization = system->serialization();
  // The manifests are the simulated scenario's: the same messages, the same wire.
  if (!serialization.register_type<Request>("scenario.remoting.Request").ok() ||
      !serialization.register_type<Reply>("scenario.remoting.Reply").ok()) {
    std::fprintf(stderr, "orrery-test-node: cannot register the scenario's messages\n");
    return 1;
  }
  RemotingPtr remoting = Remoting::start(*system, (*production)->transport(), options.remote);
  const ActorRef<Request> server_ref = system->spawn(server(options.name, system->uid()), "server");
  std::printf("ready %u %llu %llu\n",
              static_cast<unsigned>((*production)->transport().local_address().port),
              static_cast<unsigned long long>(server_ref.recipient()->uid()),
              static_cast<unsigned long long>(system->uid()));
  std::fflush(stdout);

  int received = 0;
  sigwait(&stop_signals, &received);
  system->terminate("orrery-test-node: signal " + std::to_string(received));
  system->when_terminated().get();
  remoting.reset();
  system.reset();
  production->reset();  // the transport first: see ProductionEnv
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  NodeOptions options = parse_options(argc, argv);
  // Blocked before any thread starts, so every thread inherits the mask and sigwait() gets them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const bool temporary_root = options.storage_root.empty();
  if (temporary_root) options.storage_root = temporary_storage_root();
  const int code = run(options, stop_signals);
  if (temporary_root) {
    std::error_code ignored;
    std::filesystem::remove_all(options.storage_root, ignored);
  }
  return code;
}
