// orrery-lint's determinism rules over planted trees: the calls it once missed (C clock(), raw
// descriptor I/O, fork and exec, the environment), sim/ held to the clock and random families,
// iteration over unordered containers, and type aliases that are not globals.

#include <catch2/catch.hpp>

#include "planted_tree.hpp"

namespace orrery::test {
namespace {

TEST_CASE("lint: C clock(), raw descriptors, fork, exec and getenv are flagged, members pass",
          "[lint]") {
  PlantedTree tree;
  tree.plant("runtime/src/os.cpp", R"(#include <unistd.h>
long a() { return clock(); }
long b() { return std::clock(); }
void c(int fd, char* buffer) { read(fd, buffer, 4); }
void d(int fd) { ::write(fd, "x", 1); }
void e(int fd, char* buffer) { pread(fd, buffer, 4, 0); }
void f(int fd, char* buffer) { pwrite(fd, buffer, 4, 0); }
void* g(int fd) { return mmap(nullptr, 4096, 3, 1, fd, 0); }
int h() { return fork(); }
void i(char** argv) { execv("/bin/sh", argv); }
void j(char** argv) { execvp("sh", argv); }
void k(char** argv, char** envp) { execve("/bin/sh", argv, envp); }
void l() { execl("/bin/sh", "sh", nullptr); }
const char* m() { return getenv("HOME"); }
const char* n() { return std::getenv("HOME"); }
const char* o() { return secure_getenv("HOME"); }
auto p(Env& env) { return env.clock.now(); }
void q(File& file, Writer& w) { file.read(0, 4); storage.write(file, 0, data); }
void r(Writer& w, int v) { Codec<int>::write(w, v); write(LogLevel::debug, format, v); }
Status read(Reader& r, int& value);
)");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "runtime/src/os.cpp:2: clock\n"
        "runtime/src/os.cpp:3: clock\n"
        "runtime/src/os.cpp:4: file\n"
        "runtime/src/os.cpp:5: file\n"
        "runtime/src/os.cpp:6: file\n"
        "runtime/src/os.cpp:7: file\n"
        "runtime/src/os.cpp:8: file\n"
        "runtime/src/os.cpp:9: process\n"
        "runtime/src/os.cpp:10: process\n"
        "runtime/src/os.cpp:11: process\n"
        "runtime/src/os.cpp:12: process\n"
        "runtime/src/os.cpp:13: process\n"
        "runtime/src/os.cpp:14: environment\n"
        "runtime/src/os.cpp:15: environment\n"
        "runtime/src/os.cpp:16: environment\n");
  CHECK(run.output.find("runtime/src/os.cpp:9: process: fork() starts a process; ") !=
        std::string::npos);
  CHECK(run.output.find("runtime/src/os.cpp:14: environment: getenv() reads the process "
                        "environment; ") != std::string::npos);
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: shells, spawns and the rand48 family are flagged, a system() accessor passes",
          "[lint]") {
  PlantedTree tree;
  tree.plant("runtime/src/spawn.cpp", R"(#include <spawn.h>
int a() { return system("ls"); }
int b(const std::string& command) { return std::system(command.c_str()); }
void* c() { return popen("ls", "r"); }
int d(pid_t* p, char** argv, char** envp) { return posix_spawn(p, "/bin/ls", 0, 0, argv, envp); }
int e(pid_t* p, char** argv, char** envp) { return posix_spawnp(p, "ls", 0, 0, argv, envp); }
long f() { return lrand48(); }
long g(unsigned short* x) { return nrand48(x); }
void h() { srand48(7); }
ActorSystem& i(Cell& cell) { return cell.system(); }
ActorSystem& j() { return system(); }
ActorSystem& k(std::string_view node) { return system(node); }
)");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "runtime/src/spawn.cpp:2: process\n"
        "runtime/src/spawn.cpp:3: process\n"
        "runtime/src/spawn.cpp:4: process\n"
        "runtime/src/spawn.cpp:5: process\n"
        "runtime/src/spawn.cpp:6: process\n"
        "runtime/src/spawn.cpp:7: random\n"
        "runtime/src/spawn.cpp:8: random\n"
        "runtime/src/spawn.cpp:9: random\n");
  CHECK(run.output.find("runtime/src/spawn.cpp:2: process: system() runs a shell command; ") !=
        std::string::npos);
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: sim/ is held to the clock and random rules, not the OS rules of the seam",
          "[lint]") {
  PlantedTree tree;
  tree.plant("sim/src/world.cpp", R"(#include <random>
auto a() { return std::chrono::steady_clock::now(); }
long b() { return time(nullptr); }
std::mt19937_64 engine;
int c(std::uint64_t n) { return std::uniform_int_distribution<int>(0, 9)(engine); }
std::uint64_t d() { std::random_device device; return device(); }
int e() { return rand(); }
long f() { return clock(); }
Instant g(World& world) { return world.now(); }
)");
  // The seam's other families are about the runtime reaching around its Env; sim/ is the Env.
  tree.plant("sim/src/disk.cpp", "std::vector<char> image;\nvoid h(File& f) { f.write(0, 1); }\n");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "sim/src/world.cpp:2: clock\n"
        "sim/src/world.cpp:3: clock\n"
        "sim/src/world.cpp:4: random\n"
        "sim/src/world.cpp:5: random\n"
        "sim/src/world.cpp:6: random\n"
        "sim/src/world.cpp:7: random\n"
        "sim/src/world.cpp:8: clock\n");
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: iterating an unordered container is flagged, lookup is not", "[lint]") {
  PlantedTree tree;
  tree.plant("cluster/src/peers.cpp", R"(#include <unordered_map>
using PeerSet = std::unordered_set<int>;
struct Peers {
  std::unordered_map<std::string, int> by_name_;
  PeerSet live_;
  std::map<std::string, int> ordered_;
  void a() { for (auto& [name, id] : by_name_) send(id); }
  void b() { for (int id : this->live_) send(id); }
  void c() { auto it = by_name_.begin(); send(it->second); }
  void d() { std::for_each(std::begin(live_), std::end(live_), send); }
  void e() { for (auto& [name, id] : ordered_) send(id); }
  void f(const std::string& n) { if (by_name_.find(n) != by_name_.end()) send(by_name_.at(n)); }
  void g(int id) { live_.insert(id); live_.erase(id); send(by_name_["x"] + live_.count(id)); }
  void h() { for (int i = 0; i < 3; ++i) send(i); }
};
void i(const std::unordered_map<int, int>& table) {
  for (const auto& entry : table)
    send(entry.first);
}
)");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) ==
        "cluster/src/peers.cpp:7: unordered-iteration\n"
        "cluster/src/peers.cpp:8: unordered-iteration\n"
        "cluster/src/peers.cpp:9: unordered-iteration\n"
        "cluster/src/peers.cpp:10: unordered-iteration\n"
        "cluster/src/peers.cpp:17: unordered-iteration\n");
  CHECK(run.output.find("cluster/src/peers.cpp:7: unordered-iteration: a range-for over "
                        "'by_name_' (unordered) iterates in hash order; ") != std::string::npos);
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: unordered iteration is checked in sim/ and escapable with a reason", "[lint]") {
  PlantedTree tree;
  tree.plant("sim/src/faults.cpp", R"(std::unordered_set<int> sites;
int a() { int n = 0; for (int s : sites) n += s; return n; }
int b() { int n = 0; for (int s : sites) n += s; return n; }  // orrery-lint: allow(unordered-iteration) a sum
)");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) == "sim/src/faults.cpp:2: unordered-iteration\n");
  CHECK(run.exit_code == 1);
}

TEST_CASE("lint: a type alias is not a mutable global, with or without __extension__", "[lint]") {
  PlantedTree tree;
  tree.plant("runtime/include/orrery/core/wide.hpp", R"(namespace orrery {
__extension__ using int128 = __int128;
__extension__ typedef unsigned __int128 uint128;
using Table = std::vector<int>;
typedef std::vector<int> List;
__extension__ int128 wide_counter = 0;
}  // namespace orrery
)");
  const LintRun run = tree.lint();
  CHECK(heads(run.output) == "runtime/include/orrery/core/wide.hpp:6: global\n");
  CHECK(run.exit_code == 1);
}

}  // namespace
}  // namespace orrery::test
