// The banned names of the seam lint, as a table: a pattern over the code (comments and literal
// contents removed), over string literals, or a C library function called by its plain name.

#include "seam_rules.hpp"

#include <array>
#include <regex>
#include <string_view>

#include "call_context.hpp"

namespace orrery::lint {
namespace {

constexpr std::string_view use_clock = "use the node's env.clock (orrery/env/clock.hpp)";
constexpr std::string_view use_timers =
    "schedule a timer instead (ctx.timers(), env.timers) or Driver::sleep on a fiber";
constexpr std::string_view use_executor = "work runs on the node's env.executor";
constexpr std::string_view use_random =
    "draw from env.random with the helpers of orrery/env/random.hpp (the same on every standard "
    "library and seed-replayable)";
constexpr std::string_view use_transport =
    "the node's network is env.transport (orrery/env/transport.hpp)";
constexpr std::string_view use_storage = "use env.storage (orrery/env/storage.hpp)";
constexpr std::string_view use_postgres_store =
    "libpq opens its own sockets, outside the Env: only the PostgreSQL store "
    "(persistence/src/postgres/, production only) uses it; use "
    "orrery/persistence/postgres_store.hpp";
constexpr std::string_view use_actors =
    "a node is one process-free ActorSystem; work runs as actors on env.executor";
constexpr std::string_view use_env_vfs =
    "open databases with sqlite::Database::open over an EnvVfs (orrery/persistence/sqlite/), "
    "which reaches the disk, clock and randomness through the node's Env";
constexpr std::string_view use_per_node =
    "SQLite's process-wide state is shared by every node in the process; keep it in the EnvVfs "
    "(persistence/src/sqlite/env_vfs.cpp), which seeds it from the node's Env";
constexpr std::string_view use_config =
    "pass it in through the ActorSystem's or the World's config (the environment differs from "
    "node to node and from run to run)";

/// A pattern whose first group names the offender, matched against the code or the strings.
struct PatternBan {
  std::string_view rule;
  std::string_view pattern;
  std::string_view what;  // "$ reads the machine's clock": $ is the matched name
  std::string_view instead;
  bool in_strings = false;
};

constexpr std::array pattern_bans{
    PatternBan{
        "clock",
        R"(\b((?:std\s*::\s*)?(?:chrono\s*::\s*)?(?:steady|system|high_resolution|utc|tai|gps|file)_clock)\b)",
        "$ reads the machine's clock", use_clock},
    PatternBan{"sleep", R"(\b((?:std\s*::\s*this_thread\s*::\s*)?sleep_(?:for|until))\b)",
               "$ blocks the thread", use_timers},
    PatternBan{"thread", R"(\b(std\s*::\s*(?:thread|jthread|async))\b)", "$ starts a thread",
               use_executor},
    PatternBan{"thread", R"(\b(pthread_create|thrd_create)\b)", "$ starts a thread", use_executor},
    PatternBan{
        "random",
        R"(\b(std\s*::\s*(?:random_device|mt19937(?:_64)?|minstd_rand0?|default_random_engine|ranlux\w*|knuth_b|\w+_distribution|shuffle|random_shuffle|sample))\b)",
        "$ is not our randomness", use_random},
    PatternBan{"random", R"(\b(getrandom|getentropy|arc4random\w*)\b)",
               "$ draws randomness from the OS", use_random},
    PatternBan{"random", R"((/dev/u?random)\b)", "$ draws randomness from the OS", use_random,
               true},
    PatternBan{
        "socket",
        R"(#\s*include\s*<((?:sys/socket|arpa/inet|netdb|sys/un)\.h|netinet/[^>]*|boost/asio[^>]*|boost/beast[^>]*|grpcpp?/[^>]*)>)",
        "<$> opens sockets", use_transport},
    PatternBan{"libpq",
               R"(#\s*include\s*<((?:libpq-fe|libpq-events)\.h|libpq/[^>]*|postgresql/[^>]*)>)",
               "<$> is libpq", use_postgres_store},
    PatternBan{"libpq", R"(\b(PQ[a-z]\w*)\s*\()", "$() is a libpq call", use_postgres_store},
    PatternBan{"file", R"(\b(fopen|fopen64|freopen|fdopen)\b)", "$ opens a file", use_storage},
    PatternBan{"file",
               R"(\b(std\s*::\s*(?:basic_)?(?:ifstream|ofstream|fstream|filebuf|filesystem))\b)",
               "$ touches the filesystem", use_storage},
    PatternBan{"file", R"(#\s*include\s*<(fstream|filesystem|fcntl\.h)>)", "<$> is for files",
               use_storage},
    PatternBan{"sqlite", R"(\b(sqlite3_(?:temp|data)_directory)\b)",
               "$ is process-wide SQLite state", use_per_node},
};

/// What the arguments of a plain (unqualified) call must look like for it to be the C library
/// function rather than a function of our own with the same name (Script::sleep(Duration),
/// Transport::connect(peer)). A `::name` or `std::name` call is the library's whatever they are.
enum class Arguments {
  any,              // the name is unmistakable
  integer_literal,  // sleep(1)
  null_or_address,  // time(nullptr), time(&now)
  descriptor,       // write(fd, data, size): a name or a number first, not write(Level::x, ...)
  command,          // system("ls"), system(cmd.c_str()): not a member system(node) of our own
  default_vfs,      // sqlite3_open_v2(name, &db, flags, nullptr): the fourth names no VFS
};

/// A C library function, banned when called by its plain (or ::, or std::) name with its own
/// number of arguments; members and declarations pass (see call_context.hpp).
struct CallBan {
  std::string_view rule;
  std::string_view name;
  std::string_view what;
  std::string_view instead;
  bool std_qualified_too;  // std::time is the same function; std::bind is not bind(2)
  int arity_min;
  int arity_max;
  Arguments arguments = Arguments::any;
};

constexpr std::array call_bans{
    CallBan{"clock", "time", "reads the machine's clock", use_clock, true, 1, 1,
            Arguments::null_or_address},
    CallBan{"clock", "clock_gettime", "reads the machine's clock", use_clock, false, 2, 2},
    CallBan{"clock", "gettimeofday", "reads the machine's clock", use_clock, false, 2, 2},
    CallBan{"clock", "timespec_get", "reads the machine's clock", use_clock, true, 2, 2},
    CallBan{"clock", "clock", "reads the process's CPU clock", use_clock, true, 0, 0},
    CallBan{"sleep", "sleep", "blocks the thread", use_timers, false, 1, 1,
            Arguments::integer_literal},
    CallBan{"sleep", "usleep", "blocks the thread", use_timers, false, 1, 1},
    CallBan{"sleep", "nanosleep", "blocks the thread", use_timers, false, 2, 2},
    CallBan{"sleep", "clock_nanosleep", "blocks the thread", use_timers, false, 4, 4},
    CallBan{"random", "rand", "is not our randomness", use_random, true, 0, 0},
    CallBan{"random", "srand", "is not our randomness", use_random, true, 1, 1},
    CallBan{"random", "random", "is not our randomness", use_random, false, 0, 0},
    CallBan{"random", "srandom", "is not our randomness", use_random, false, 1, 1},
    CallBan{"random", "drand48", "is not our randomness", use_random, false, 0, 0},
    CallBan{"random", "lrand48", "is not our randomness", use_random, false, 0, 0},
    CallBan{"random", "mrand48", "is not our randomness", use_random, false, 0, 0},
    CallBan{"random", "erand48", "is not our randomness", use_random, false, 1, 1},
    CallBan{"random", "nrand48", "is not our randomness", use_random, false, 1, 1},
    CallBan{"random", "jrand48", "is not our randomness", use_random, false, 1, 1},
    CallBan{"random", "srand48", "is not our randomness", use_random, false, 1, 1},
    CallBan{"random", "seed48", "is not our randomness", use_random, false, 1, 1},
    CallBan{"random", "lcong48", "is not our randomness", use_random, false, 1, 1},
    CallBan{"socket", "socket", "opens a socket", use_transport, false, 3, 3},
    CallBan{"socket", "socketpair", "opens a socket", use_transport, false, 4, 4},
    CallBan{"socket", "connect", "opens a connection", use_transport, false, 3, 3},
    CallBan{"socket", "bind", "binds a socket", use_transport, false, 3, 3},
    CallBan{"socket", "listen", "listens on a socket", use_transport, false, 2, 2},
    CallBan{"socket", "accept", "accepts a connection", use_transport, false, 3, 3},
    CallBan{"socket", "getaddrinfo", "resolves names over the network", use_transport, false, 4, 4},
    CallBan{"file", "open", "opens a file", use_storage, false, 2, 3},
    CallBan{"file", "openat", "opens a file", use_storage, false, 3, 4},
    CallBan{"file", "creat", "creates a file", use_storage, false, 2, 2},
    // Raw descriptors: whatever the descriptor is (a file, a socket, a pipe), it is the OS's.
    CallBan{"file", "read", "reads a raw descriptor", use_storage, false, 3, 3,
            Arguments::descriptor},
    CallBan{"file", "write", "writes a raw descriptor", use_storage, false, 3, 3,
            Arguments::descriptor},
    CallBan{"file", "pread", "reads a raw descriptor", use_storage, false, 4, 4,
            Arguments::descriptor},
    CallBan{"file", "pwrite", "writes a raw descriptor", use_storage, false, 4, 4,
            Arguments::descriptor},
    CallBan{"file", "mmap", "maps a descriptor into memory", use_storage, false, 6, 6},
    CallBan{"process", "fork", "starts a process", use_actors, false, 0, 0},
    CallBan{"process", "vfork", "starts a process", use_actors, false, 0, 0},
    CallBan{"process", "execv", "replaces the process", use_actors, false, 2, 2},
    CallBan{"process", "execvp", "replaces the process", use_actors, false, 2, 2},
    CallBan{"process", "execve", "replaces the process", use_actors, false, 3, 3},
    CallBan{"process", "execvpe", "replaces the process", use_actors, false, 3, 3},
    CallBan{"process", "execl", "replaces the process", use_actors, false, 2, 64},
    CallBan{"process", "execlp", "replaces the process", use_actors, false, 2, 64},
    CallBan{"process", "execle", "replaces the process", use_actors, false, 3, 64},
    CallBan{"process", "fexecve", "replaces the process", use_actors, false, 3, 3},
    CallBan{"process", "system", "runs a shell command", use_actors, true, 1, 1,
            Arguments::command},
    CallBan{"process", "popen", "runs a shell command", use_actors, false, 2, 2},
    CallBan{"process", "posix_spawn", "starts a process", use_actors, false, 6, 6},
    CallBan{"process", "posix_spawnp", "starts a process", use_actors, false, 6, 6},
    CallBan{"environment", "getenv", "reads the process environment", use_config, true, 1, 1},
    CallBan{"environment", "secure_getenv", "reads the process environment", use_config, false, 1,
            1},
    CallBan{"environment", "setenv", "changes the process environment", use_config, false, 3, 3},
    CallBan{"environment", "putenv", "changes the process environment", use_config, false, 1, 1},
    CallBan{"environment", "unsetenv", "changes the process environment", use_config, false, 1, 1},
    // SQLite: a database opened on the default VFS reaches the OS around the Env, and SQLite's
    // configuration, VFS list and PRNG are shared by every node in the process.
    CallBan{"sqlite", "sqlite3_open", "opens a database on the default VFS", use_env_vfs, false, 2,
            2},
    CallBan{"sqlite", "sqlite3_open16", "opens a database on the default VFS", use_env_vfs, false,
            2, 2},
    CallBan{"sqlite", "sqlite3_open_v2", "opens a database on the default VFS", use_env_vfs, false,
            4, 4, Arguments::default_vfs},
    CallBan{"sqlite", "sqlite3_config", "changes SQLite's process-wide configuration", use_per_node,
            false, 1, 64},
    CallBan{"sqlite", "sqlite3_vfs_register", "registers a VFS for the whole process", use_per_node,
            false, 2, 2},
    CallBan{"sqlite", "sqlite3_vfs_unregister", "unregisters a VFS of the whole process",
            use_per_node, false, 1, 1},
    CallBan{"sqlite", "sqlite3_test_control", "changes SQLite's process-wide state", use_per_node,
            false, 1, 64},
    CallBan{"sqlite", "sqlite3_randomness", "draws from SQLite's process-wide PRNG", use_per_node,
            false, 2, 2},
    CallBan{"sqlite", "sqlite3_mutex_alloc",
            "allocates one of SQLite's mutexes (a static one is "
            "locked by the whole process)",
            use_per_node, false, 1, 1},
    CallBan{"sqlite", "sqlite3_enable_shared_cache", "changes SQLite's process-wide state",
            use_per_node, false, 1, 1},
    CallBan{"sqlite", "sqlite3_soft_heap_limit64", "changes SQLite's process-wide state",
            use_per_node, false, 1, 1},
    CallBan{"sqlite", "sqlite3_hard_heap_limit64", "changes SQLite's process-wide state",
            use_per_node, false, 1, 1},
};

// The families that hold in sim/ too: it implements the seam over virtual time and the world's
// seed, so a real clock or OS randomness there would break replay as surely as in the runtime.
bool in_family(SeamFamilies families, std::string_view rule) {
  return families == SeamFamilies::all || rule == "clock" || rule == "random";
}

bool is_integer_literal(std::string_view text) {
  const std::size_t digits = text.find_first_not_of("0123456789'");
  if (digits == 0 || text.empty()) return false;
  return digits == std::string_view::npos ||
         text.substr(digits).find_first_not_of("uUlL") == std::string_view::npos;
}

// Whether a plain call with these arguments is the library function's.
bool library_shaped(const CallBan& ban, const std::vector<std::string_view>& arguments) {
  const auto count = static_cast<int>(arguments.size());
  if (count < ban.arity_min || count > ban.arity_max) return false;
  switch (ban.arguments) {
    case Arguments::any:
      return true;
    case Arguments::integer_literal:
      return is_integer_literal(arguments[0]);
    case Arguments::descriptor:
      return !arguments[0].empty() && arguments[0].find_first_of(":(\"<") == std::string_view::npos;
    case Arguments::command:
      return arguments[0].starts_with("\"") || arguments[0].ends_with(".c_str()") ||
             arguments[0].ends_with(".data()");
    case Arguments::default_vfs:
      return arguments[3] == "nullptr" || arguments[3] == "NULL" || arguments[3] == "0";
    case Arguments::null_or_address:
      return arguments[0] == "nullptr" || arguments[0] == "NULL" || arguments[0] == "0" ||
             arguments[0].starts_with("&");
  }
  return false;
}

std::string describe(std::string_view what, std::string_view name) {
  std::string text(what);
  const std::size_t dollar = text.find('$');
  if (dollar != std::string::npos) text.replace(dollar, 1, name);
  return text;
}

std::string squeeze_spaces(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c != ' ' && c != '\t' && c != '\n') out.push_back(c);
  }
  return out;
}

void check_pattern(const LintedFile& file, const PatternBan& ban, const std::regex& pattern,
                   std::vector<Violation>& out) {
  if (ban.in_strings) {
    for (int line = 1; line <= file.text.line_count(); ++line) {
      const std::string& strings = file.text.strings[static_cast<std::size_t>(line - 1)];
      std::smatch match;
      if (!std::regex_search(strings, match, pattern)) continue;
      out.push_back({file.path, line, std::string(ban.rule),
                     describe(ban.what, match.str(1)) + "; " + std::string(ban.instead)});
    }
    return;
  }
  const std::string& code = file.text.code;
  for (auto it = std::sregex_iterator(code.begin(), code.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    const int line = file.text.line_of(static_cast<std::size_t>(it->position(1)));
    out.push_back(
        {file.path, line, std::string(ban.rule),
         describe(ban.what, squeeze_spaces(it->str(1))) + "; " + std::string(ban.instead)});
  }
}

void check_call(const LintedFile& file, const CallBan& ban, const std::regex& pattern,
                std::vector<Violation>& out) {
  const std::string& code = file.text.code;
  for (auto it = std::sregex_iterator(code.begin(), code.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    const auto at = static_cast<std::size_t>(it->position(0));
    const std::size_t open = at + static_cast<std::size_t>(it->length(0)) - 1;
    if (!calls_library_function(code, at, open, ban.std_qualified_too)) continue;
    if (!is_qualified_call(code, at) && !library_shaped(ban, call_arguments(code, open))) continue;
    out.push_back(
        {file.path, file.text.line_of(at), std::string(ban.rule),
         std::string(ban.name) + "() " + std::string(ban.what) + "; " + std::string(ban.instead)});
  }
}

}  // namespace

struct SeamChecker::Compiled {
  std::vector<std::regex> patterns;  // one per pattern_bans entry
  std::vector<std::regex> calls;     // one per call_bans entry
};

SeamChecker::SeamChecker() : compiled_(std::make_unique<Compiled>()) {
  for (const PatternBan& ban : pattern_bans) {
    compiled_->patterns.emplace_back(ban.pattern.begin(), ban.pattern.end());
  }
  for (const CallBan& ban : call_bans) {
    compiled_->calls.emplace_back(R"(\b)" + std::string(ban.name) + R"(\s*\()");
  }
}

SeamChecker::~SeamChecker() = default;

void SeamChecker::check(const LintedFile& file, SeamFamilies families,
                        std::vector<Violation>& out) const {
  for (std::size_t i = 0; i < pattern_bans.size(); ++i) {
    if (!in_family(families, pattern_bans[i].rule)) continue;
    check_pattern(file, pattern_bans[i], compiled_->patterns[i], out);
  }
  for (std::size_t i = 0; i < call_bans.size(); ++i) {
    if (!in_family(families, call_bans[i].rule)) continue;
    check_call(file, call_bans[i], compiled_->calls[i], out);
  }
}

}  // namespace orrery::lint
