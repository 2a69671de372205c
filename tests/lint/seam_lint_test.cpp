// orrery-lint's seam rules over planted trees: each family flags what it bans, with the exact
// `path:line: rule` and a non-zero exit, and passes look-alikes that are not the banned thing.

#include <catch2/catch.hpp>

#include "planted_tree.hpp"

namespace orrery::test {
namespace {

TEST_CASE("lint: a clean tree passes with no output", "[lint]") {
  PlantedTree tree;
  tree.plant("runtime/src/clean.cpp", R"(#include <orrery/env/env.hpp>
namespace orrery {
Instant now(Env& env) { return env.clock.now(); }
}  // namespace orrery
)");
  const LintRun run = tree.lint();
  CHECK(run.output.empty());
  CHECK(run.exit_code == 0);
}

TEST_CASE("lint: clock reads are flagged", "[lint]") {
  PlantedTree tree;
  tree.plant("runtime/src/clock.cpp", R"(#include <chrono>
auto a() { return std::chrono::steady_clock::now(); }
auto b() { return std::chrono::system_clock::now(); }
auto c() { return std::chrono::high_resolution_clock::now(); }
long d() { return time(nullptr); }
void e(timespec* t) { clock_gettime(CLOCK_MONOTONIC, t); }
void f(timeval* t) { gettimeofday(t, nullptr); }
auto g(Kit& kit) { return kit.time(); }
)");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "runtime/src/clock.cpp:2: clock\n"
        "runtime/src/clock.cpp:3: clock\n"
        "runtime/src/clock.cpp:4: clock\n"
        "runtime/src/clock.cpp:5: clock\n"
        "runtime/src/clock.cpp:6: clock\n"
        "runtime/src/clock.cpp:7: clock\n");
  CHECK(run.output.starts_with(
      "runtime/src/clock.cpp:2: clock: std::chrono::steady_clock reads the machine's clock; use "
      "the node's env.clock (orrery/env/clock.hpp)\n"));
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: sleeping is flagged", "[lint]") {
  PlantedTree tree;
  tree.plant("cluster/src/sleep.cpp", R"(void a() { std::this_thread::sleep_for(1ms); }
void b(Instant t) { std::this_thread::sleep_until(t); }
void c() { usleep(10); }
void d() { nanosleep(&ts, nullptr); }
void e() {
  sleep(1);
}
void f(Driver& d) { d.sleep(1s); }
void Script::pause(Duration poll, Duration left) {
  sleep(std::min(poll, left));  // our own Script::sleep: not an integer of seconds
  sleep(poll);
}
)");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "cluster/src/sleep.cpp:1: sleep\n"
        "cluster/src/sleep.cpp:2: sleep\n"
        "cluster/src/sleep.cpp:3: sleep\n"
        "cluster/src/sleep.cpp:4: sleep\n"
        "cluster/src/sleep.cpp:6: sleep\n");
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: starting threads is flagged", "[lint]") {
  PlantedTree tree;
  tree.plant("persistence/src/thread.cpp", R"(void a() { std::thread t([] {}); }
void b() { std::jthread t([] {}); }
void c() { pthread_create(&id, nullptr, run, nullptr); }
void d() { auto f = std::async([] { return 1; }); }
)");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "persistence/src/thread.cpp:1: thread\n"
        "persistence/src/thread.cpp:2: thread\n"
        "persistence/src/thread.cpp:3: thread\n"
        "persistence/src/thread.cpp:4: thread\n");
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: randomness outside env.random is flagged", "[lint]") {
  PlantedTree tree;
  tree.plant("testkit/src/random.cpp", R"(std::random_device device;
std::mt19937_64 engine;
std::uniform_int_distribution<int> dice(1, 6);
int a() { return rand(); }
void b() { srand(7); }
void c(void* p) { getrandom(p, 8, 0); }
const char* d() { return "/dev/urandom"; }
void e(std::vector<int>& v, Random& r) { std::shuffle(v.begin(), v.end(), r); }
std::uint64_t f(Env& env) { return env.random.next(); }
)");
  const LintRun run = tree.lint();
  // Lines 1 and 2 are also mutable globals (line 3's direct initialization reads as a call).
  CHECK(heads(run.output) ==
        "testkit/src/random.cpp:1: global\n"
        "testkit/src/random.cpp:1: random\n"
        "testkit/src/random.cpp:2: global\n"
        "testkit/src/random.cpp:2: random\n"
        "testkit/src/random.cpp:3: random\n"
        "testkit/src/random.cpp:4: random\n"
        "testkit/src/random.cpp:5: random\n"
        "testkit/src/random.cpp:6: random\n"
        "testkit/src/random.cpp:7: random\n"
        "testkit/src/random.cpp:8: random\n");
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: sockets are flagged but not std::bind or members", "[lint]") {
  PlantedTree tree;
  tree.plant("runtime/src/socket.cpp", R"(#include <sys/socket.h>
#include <netinet/in.h>
int a() { return socket(AF_INET, SOCK_STREAM, 0); }
void b(int fd) { connect(fd, address, length); }
void c(int fd) { ::bind(fd, address, length); }
auto d() { return std::bind(f, 1); }
void e(Transport& t, const NodeAddress& n) { t.connect(n); }
void Link::redial() { connect(peer_); }  // our own Link::connect: not connect(2)'s arguments
)");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "runtime/src/socket.cpp:1: socket\n"
        "runtime/src/socket.cpp:2: socket\n"
        "runtime/src/socket.cpp:3: socket\n"
        "runtime/src/socket.cpp:4: socket\n"
        "runtime/src/socket.cpp:5: socket\n");
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: files are flagged but not Storage's own open", "[lint]") {
  PlantedTree tree;
  tree.plant("runtime/src/file.cpp", R"(#include <fstream>
FILE* a() { return fopen("x", "r"); }
void b() { std::ifstream in("x"); }
void c() { std::ofstream out("x"); }
int d() { return open("x", O_RDONLY); }
bool e() { return std::filesystem::exists("x"); }
Result<std::unique_ptr<File>> open(std::string_view path, OpenMode mode);
auto f(Storage& s) { return s.open("journal", OpenMode::read); }
)");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "runtime/src/file.cpp:1: file\n"
        "runtime/src/file.cpp:2: file\n"
        "runtime/src/file.cpp:3: file\n"
        "runtime/src/file.cpp:4: file\n"
        "runtime/src/file.cpp:5: file\n"
        "runtime/src/file.cpp:6: file\n");
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: mutable globals are flagged but not constants", "[lint]") {
  PlantedTree tree;
  tree.plant("runtime/src/global.cpp", R"(namespace orrery {
int counter = 0;
static std::atomic<int> live{0};
thread_local Worker* current = nullptr;
const int limit = 3;
constexpr std::string_view name = "x";
struct Registry {
  static int count;
  static constexpr int bound = 4;
  static Registry make();
 public:
  static std::vector<int> entries;
};
int next() {
  static int calls = 0;
  static const std::string label = "y";
  for (int i = 0; i < 3; ++i) {
  }
  return ++calls;
}
}  // namespace orrery
)");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "runtime/src/global.cpp:2: global\n"
        "runtime/src/global.cpp:3: global\n"
        "runtime/src/global.cpp:4: global\n"
        "runtime/src/global.cpp:8: global\n"
        "runtime/src/global.cpp:12: global\n"
        "runtime/src/global.cpp:15: global\n");
  CHECK(run.output.find("runtime/src/global.cpp:15: global: mutable function-local static "
                        "'calls'") != std::string::npos);
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: the seam's production code and the folders outside the rules may use the OS",
          "[lint]") {
  PlantedTree tree;
  const std::string uses_os = R"(thread_local int worker = -1;
void run() { std::thread t([] { std::this_thread::sleep_for(1ms); }); t.join(); }
)";
  tree.plant("runtime/env/src/production/pool.cpp", uses_os);
  tree.plant("runtime/env/src/grpc/transport.cpp", uses_os);
  tree.plant("runtime/env/include/orrery/env/production/pool.hpp", uses_os);
  tree.plant("tools/cli/main.cpp", uses_os);
  tree.plant("tests/runtime/harness.cpp", uses_os);
  tree.plant("sim/src/world.cpp", "#include <orrery/env/env.hpp>\n");
  const LintRun run = tree.lint();
  CHECK(run.output.empty());
  CHECK(run.exit_code == 0);
}

TEST_CASE("lint: libpq is confined to the PostgreSQL store, where the other rules still hold",
          "[lint]") {
  PlantedTree tree;
  const std::string uses_libpq = R"(#include <libpq-fe.h>
PGconn* connect_to(const char* conninfo) { return PQconnectdb(conninfo); }
const char* text = "PQconnectdb(x) in a string passes";
int version(PGconn* c) { return PQserverVersion(c); }
)";
  tree.plant("persistence/src/postgres/connection.cpp", uses_libpq);
  tree.plant("persistence/src/sqlite/sneaky.cpp", uses_libpq);
  tree.plant("cluster/src/postgres/also_not.cpp", "#include <postgresql/libpq-fe.h>\n");
  tree.plant("tools/bench/raw_libpq.cpp", uses_libpq);
  tree.plant("persistence/src/postgres/sleeps.cpp", "void nap() { usleep(10); }\n");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "cluster/src/postgres/also_not.cpp:1: libpq\n"
        "persistence/src/postgres/sleeps.cpp:1: sleep\n"
        "persistence/src/sqlite/sneaky.cpp:1: libpq\n"
        "persistence/src/sqlite/sneaky.cpp:2: libpq\n"
        "persistence/src/sqlite/sneaky.cpp:4: libpq\n");
  CHECK(run.output.find("persistence/src/sqlite/sneaky.cpp:2: libpq: PQconnectdb() is a libpq "
                        "call; libpq opens its own sockets") != std::string::npos);
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: no BUGGIFY site in persistence, which is built once for both variants", "[lint]") {
  PlantedTree tree;
  const std::string site = R"(bool flaky(Env& env) { return ORRERY_BUGGIFY(env, "store.slow"); }
// ORRERY_BUGGIFY(env, "in a comment") passes
bool direct(Cell& c) { return c.system().buggify()->fire("x"); }
)";
  tree.plant("persistence/src/sqlite/flaky.cpp", site);
  tree.plant("runtime/src/actor/actor_system.cpp", site);
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "persistence/src/sqlite/flaky.cpp:1: buggify\n"
        "persistence/src/sqlite/flaky.cpp:3: buggify\n");
  CHECK(run.exit_code == 1);
}

}  // namespace
}  // namespace orrery::test
