#pragma once
// PgConnection: one libpq connection and the few calls the PostgreSQL store makes over it
// (parameterized statements with text results), with libpq's failures turned into Errors. It
// blocks; only the store's worker calls it.

#include <cstdint>
#include <libpq-fe.h>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <orrery/core/result.hpp>
#include <orrery/env/log_sink.hpp>

namespace orrery::persistence::postgres {

/// A statement's parameters in order ($1, $2, ...): text, or binary for bytea.
class Params {
 public:
  Params& text(std::string value);
  Params& integer(std::int64_t value);
  Params& bytes(std::string value);
  std::size_t size() const noexcept { return values_.size(); }

  // For PgConnection::exec: pointers into the values, valid while the Params live unchanged.
  std::vector<const char*> pointers() const;
  const std::vector<int>& lengths() const noexcept { return lengths_; }
  const std::vector<int>& formats() const noexcept { return formats_; }

 private:
  std::vector<std::string> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

/// A statement's result (text format). Column numbers are those of the statement's select list.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result, &PQclear) {}
  ExecStatusType status() const;
  /// The error's SQLSTATE ("23505"), empty when there is none.
  std::string sqlstate() const;
  const char* error_message() const;
  int rows() const { return PQntuples(result_.get()); }
  /// Rows a command changed (INSERT, UPDATE, DELETE).
  std::int64_t affected() const;
  bool null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  bool boolean(int row, int column) const;
  /// A bytea column, unescaped from its text form.
  std::string bytes(int row, int column) const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

class PgConnection {
 public:
  /// Connects (blocking) with a libpq connection string; notices go to `log`.
  static Result<std::unique_ptr<PgConnection>> connect(const std::string& conninfo, LogSink& log);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// Runs one statement. Errors: Errc::refused for what the data broke (SQLSTATE classes 22 and
  /// 23: a bad value, a unique key already taken), Errc::io_error for the rest (the server, the
  /// connection); broken() tells whether the connection itself was lost.
  Result<PgResult> exec(std::string_view sql, const Params& params = {});
  /// Runs a statement that returns no rows, with the error of exec().
  Status run(std::string_view sql, const Params& params = {});
  /// Runs several statements without parameters (libpq's simple protocol), as one string.
  Status script(const std::string& sql);
  /// Whether the connection is lost (the next use must reconnect).
  bool broken() const { return PQstatus(conn_) == CONNECTION_BAD; }
  /// "host H port P database D": where the connection goes, for messages (never the password).
  std::string describe() const;

 private:
  PgConnection(PGconn* conn, LogSink& log);
  static void on_notice(void* self, const PGresult* result);

  PGconn* conn_;
  LogSink& log_;
};

/// Checks a connection string without connecting (libpq's own parser).
Status check_conninfo(const std::string& conninfo);

}  // namespace orrery::persistence::postgres
