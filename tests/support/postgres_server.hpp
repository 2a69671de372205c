#pragma once
// PostgresServer: a throwaway PostgreSQL server for the tests and the benchmark, in a temporary
// directory on 127.0.0.1 and a free port, its unix socket in that directory too: initdb, pg_ctl
// start (waiting until it accepts connections), and at the end pg_ctl stop -m fast and the
// directory removed. The binaries are Debian's (/usr/lib/postgresql/N/bin, the newest N), or
// those in $ORRERY_PG_BIN. initdb refuses to run as root: as root, the server's commands run as
// `nobody` (runuser), who owns the directory.
//
// When the binaries are absent, available() is false, binaries_absent() true and reason() says
// why: callers skip loudly (a WARN and a SKIPPED line), never pass silently. A server that is
// there but does not start is a failure. A test process that crashes leaves its server running
// (its directory in /tmp/orrery-pg-*); `pg_ctl -D DIR/data stop` ends it.

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <libpq-fe.h>
#include <memory>
#include <netinet/in.h>
#include <optional>
#include <pwd.h>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace orrery::test {

class PostgresServer {
 public:
  struct Options {
    /// Off for the tests (durability is not what they test, and it halves their time); the
    /// benchmark keeps the server's default (on).
    bool fsync = false;
  };

  explicit PostgresServer(Options options) { start(options); }
  PostgresServer() : PostgresServer(Options{}) {}
  ~PostgresServer() { stop(); }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  /// One server per test process, started on first use and stopped at exit.
  static PostgresServer& shared() {
    static PostgresServer server;
    return server;
  }

  bool available() const { return running_; }
  /// Whether the server binaries are missing: the one reason to skip. Any other failure to
  /// start (reason()) is a test failure.
  bool binaries_absent() const { return absent_; }
  const std::string& reason() const { return reason_; }
  int port() const { return port_; }

  /// A libpq connection string for `database` on this server (TCP on 127.0.0.1).
  std::string conninfo(const std::string& database) const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + database +
           " connect_timeout=10";
  }

  /// Creates a database (an empty string when done, else the server's error).
  std::string create_database(const std::string& name) const {
    return execute("postgres", "CREATE DATABASE " + name);
  }

  /// Runs one SQL statement in `database` (an empty string when done, else the error).
  std::string execute(const std::string& database, const std::string& sql) const {
    PGconn* conn = PQconnectdb(conninfo(database).c_str());
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
      error = PQerrorMessage(conn);
    } else {
      PGresult* result = PQexec(conn, sql.c_str());
      const ExecStatusType status = PQresultStatus(result);
      if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        error = PQresultErrorMessage(result);
      PQclear(result);
    }
    PQfinish(conn);
    return error;
  }

 private:
  static std::optional<std::filesystem::path> find_binaries() {
    namespace fs = std::filesystem;
    if (const char* given = std::getenv("ORRERY_PG_BIN"); given != nullptr && *given != '\0') {
      if (fs::exists(fs::path(given) / "initdb")) return fs::path(given);
      return std::nullopt;
    }
    std::optional<fs::path> best;
    int best_version = -1;
    std::error_code ignored;
    if (!fs::is_directory("/usr/lib/postgresql", ignored)) return std::nullopt;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ignored)) {
      const fs::path bin = entry.path() / "bin";
      if (!fs::exists(bin / "initdb") || !fs::exists(bin / "pg_ctl")) continue;
      const int version = std::atoi(entry.path().filename().c_str());
      if (version > best_version) {
        best_version = version;
        best = bin;
      }
    }
    return best;
  }

  // A port nobody listens on now (the server binds it a moment later; a clash fails the start,
  // which is retried on another port).
  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
      port = ntohs(address.sin_port);
    ::close(fd);
    return port;
  }

  // Runs a server command (as `nobody` when we are root), its output appended to the log.
  int run(const std::string& command) const {
    const std::string line =
        as_user_ + command + " >>'" + (dir_ / "commands.log").string() + "' 2>&1";
    const int status = std::system(line.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string log_tail() const {
    std::ifstream in(dir_ / "commands.log");
    std::stringstream text;
    text << in.rdbuf();
    const std::string all = text.str();
    return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
  }

  void start(const Options& options) {
    const auto bin = find_binaries();
    if (!bin) {
      absent_ = true;
      reason_ =
          "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or "
          "$ORRERY_PG_BIN: install the `postgresql` package (tools/install-deps.sh)";
      return;
    }
    std::string pattern = (std::filesystem::temp_directory_path() / "orrery-pg-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      reason_ = "mkdtemp failed";
      return;
    }
    dir_ = pattern;
    if (geteuid() == 0) {
      const passwd* nobody = getpwnam("nobody");
      if (nobody == nullptr || chown(dir_.c_str(), nobody->pw_uid, nobody->pw_gid) != 0) {
        reason_ = "running as root, and cannot hand the server's directory to `nobody`";
        return;
      }
      as_user_ = "runuser -u nobody -- ";
    }
    bin_ = *bin;
    const std::string data = (dir_ / "data").string();
    if (run("'" + (bin_ / "initdb").string() + "' -D '" + data +
            "' -A trust -U postgres -E UTF8 --locale=C --no-sync") != 0) {
      reason_ = "initdb failed: " + log_tail();
      return;
    }
    for (int attempt = 0; attempt < 3 && !running_; ++attempt) {
      port_ = free_port();
      const std::string server_options = "-c listen_addresses=127.0.0.1 -p " +
                                         std::to_string(port_) + " -k " + dir_.string() +
                                         (options.fsync ? "" : " -c fsync=off");
      running_ =
          run("'" + (bin_ / "pg_ctl").string() + "' -D '" + data + "' -l '" +
              (dir_ / "server.log").string() + "' -w -t 60 -o '" + server_options + "' start") == 0;
    }
    if (!running_) reason_ = "pg_ctl start failed: " + log_tail();
  }

  void stop() {
    if (running_)
      (void)run("'" + (bin_ / "pg_ctl").string() + "' -D '" + (dir_ / "data").string() +
                "' -m fast -w stop");
    running_ = false;
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  std::filesystem::path bin_;
  std::filesystem::path dir_;
  std::string as_user_;
  std::string reason_;
  int port_ = -1;
  bool running_ = false;
  bool absent_ = false;
};

}  // namespace orrery::test
