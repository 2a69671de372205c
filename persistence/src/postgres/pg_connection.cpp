// PgConnection over libpq: statements with text parameters (binary for bytea) and text results,
// SQLSTATE mapped to refused (the data) or io_error (everything else).

#include "pg_connection.hpp"

#include <charconv>

#include <fmt/format.h>

#include <orrery/core/assert.hpp>

namespace orrery::persistence::postgres {

namespace {

std::string trimmed(const char* message) {
  std::string text = message == nullptr ? "" : message;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

}  // namespace

Params& Params::text(std::string value) {
  lengths_.push_back(0);  // ignored for text
  formats_.push_back(0);
  values_.push_back(std::move(value));
  return *this;
}

Params& Params::integer(std::int64_t value) {
  return text(std::to_string(value));
}

Params& Params::bytes(std::string value) {
  ORRERY_ASSERT(value.size() <= static_cast<std::size_t>(INT32_MAX), "bytea above 2 GiB");
  lengths_.push_back(static_cast<int>(value.size()));
  formats_.push_back(1);
  values_.push_back(std::move(value));
  return *this;
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const std::string& value : values_)
    out.push_back(value.data());
  return out;
}

ExecStatusType PgResult::status() const {
  return result_ ? PQresultStatus(result_.get()) : PGRES_FATAL_ERROR;
}

std::string PgResult::sqlstate() const {
  const char* state = result_ ? PQresultErrorField(result_.get(), PG_DIAG_SQLSTATE) : nullptr;
  return state == nullptr ? "" : state;
}

const char* PgResult::error_message() const {
  return result_ ? PQresultErrorMessage(result_.get()) : "";
}

std::int64_t PgResult::affected() const {
  const char* tuples = PQcmdTuples(result_.get());
  std::int64_t n = 0;
  std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), n);
  return n;
}

std::string PgResult::text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::int64_t PgResult::integer(int row, int column) const {
  const char* value = PQgetvalue(result_.get(), row, column);
  const int length = PQgetlength(result_.get(), row, column);
  std::int64_t n = 0;
  const auto [end, error] = std::from_chars(value, value + length, n);
  ORRERY_ASSERT(error == std::errc() && end == value + length,
                "an integer column holds a non-integer");
  return n;
}

bool PgResult::boolean(int row, int column) const {
  return PQgetvalue(result_.get(), row, column)[0] == 't';
}

std::string PgResult::bytes(int row, int column) const {
  std::size_t length = 0;
  unsigned char* raw = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, column)), &length);
  ORRERY_ASSERT(raw != nullptr, "libpq could not unescape a bytea (out of memory)");
  std::string out(reinterpret_cast<const char*>(raw), length);
  PQfreemem(raw);
  return out;
}

PgConnection::PgConnection(PGconn* conn, LogSink& log) : conn_(conn), log_(log) {
  PQsetNoticeReceiver(conn_, &PgConnection::on_notice, this);
}

PgConnection::~PgConnection() {
  PQfinish(conn_);
}

void PgConnection::on_notice(void* self, const PGresult* result) {
  auto* connection = static_cast<PgConnection*>(self);
  const char* severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
  const std::string_view level = severity == nullptr ? "" : severity;
  // CREATE ... IF NOT EXISTS says NOTICE on every start: only warnings are worth a line.
  if (level != "WARNING") return;
  connection->log_.write(LogLevel::warning, "persistence.postgres", PQresultErrorMessage(result));
}

Result<std::unique_ptr<PgConnection>> PgConnection::connect(const std::string& conninfo,
                                                            LogSink& log) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr)
    return make_error(Errc::io_error, "PostgreSQL: libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    while (!message.empty() && message.back() == '\n')
      message.pop_back();
    PQfinish(conn);
    return make_error(
        Errc::io_error,
        fmt::format("PostgreSQL: cannot connect with PostgresStoreOptions.connection: {}",
                    message));
  }
  return std::unique_ptr<PgConnection>(new PgConnection(conn, log));
}

std::string PgConnection::describe() const {
  return fmt::format("host {} port {} database {}", PQhost(conn_), PQport(conn_), PQdb(conn_));
}

Result<PgResult> PgConnection::exec(std::string_view sql, const Params& params) {
  const std::string statement(sql);
  const std::vector<const char*> values = params.pointers();
  PgResult result(PQexecParams(conn_, statement.c_str(), static_cast<int>(params.size()), nullptr,
                               values.data(), params.lengths().data(), params.formats().data(), 0));
  const ExecStatusType status = result.status();
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  // A null result (out of memory, a lost connection) has no SQLSTATE: an I/O failure.
  const std::string state = result.sqlstate();
  const bool data_error = state.starts_with("22") || state.starts_with("23");
  std::string message = trimmed(result.error_message());
  if (message.empty()) message = trimmed(PQerrorMessage(conn_));
  if (broken()) message += " (the connection to the server is lost)";
  // 23505, a unique key taken: another writer's row (a sequence number it stored first).
  const Errc code = state == "23505" ? Errc::already_exists
                    : data_error     ? Errc::refused
                                     : Errc::io_error;
  return make_error(code,
                    fmt::format("PostgreSQL{}: {}", state.empty() ? "" : " " + state, message));
}

Status PgConnection::script(const std::string& sql) {
  PgResult result(PQexec(conn_, sql.c_str()));
  if (result.status() == PGRES_COMMAND_OK || result.status() == PGRES_TUPLES_OK) return {};
  std::string message = trimmed(result.error_message());
  if (message.empty()) message = trimmed(PQerrorMessage(conn_));
  return make_error(Errc::io_error, fmt::format("PostgreSQL {}: {}", result.sqlstate(), message));
}

Status PgConnection::run(std::string_view sql, const Params& params) {
  auto result = exec(sql, params);
  if (!result) return result.error();
  return {};
}

Status check_conninfo(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &error);
  if (parsed == nullptr) {
    std::string message = error == nullptr ? "out of memory" : trimmed(error);
    PQfreemem(error);
    return make_error(Errc::invalid_argument,
                      fmt::format("PostgresStoreOptions.connection: {}", message));
  }
  PQconninfoFree(parsed);
  return {};
}

}  // namespace orrery::persistence::postgres
