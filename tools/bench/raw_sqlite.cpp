// The raw SQLite peers' plumbing: connections, statements, and reading back ours' file.
#include "raw_sqlite.hpp"

#include <fmt/format.h>

#include <orrery/core/assert.hpp>

namespace orrery::bench::raw_sqlite {

Connection::Connection(const std::string& path, bool synchronous_full) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  check(sqlite3_open_v2(path.c_str(), &db_, flags, nullptr), "open");
  // As Database::configure: exclusive locking first, then WAL, then the rest.
  exec("PRAGMA locking_mode=EXCLUSIVE");
  exec("PRAGMA journal_mode=WAL");
  exec(
      fmt::format("PRAGMA synchronous={}; PRAGMA temp_store=MEMORY; "
                  "PRAGMA wal_autocheckpoint=1000; PRAGMA foreign_keys=ON",
                  synchronous_full ? "FULL" : "NORMAL"));
}

Connection::~Connection() {
  sqlite3_close_v2(db_);
}

void Connection::check(int rc, const char* what, int ok, int also_ok) const {
  if (rc == ok || rc == also_ok) return;
  const std::string message =
      fmt::format("raw SQLite peer: {}: {} ({})", what, db_ != nullptr ? sqlite3_errmsg(db_) : "",
                  sqlite3_errstr(rc));
  ORRERY_UNREACHABLE(message.c_str());
}

void Connection::exec(const std::string& sql) {
  check(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), sql.c_str());
}

std::int64_t Connection::query_int64(const std::string& sql) {
  Statement statement(*this, sql.c_str());
  const int rc = statement.step();
  check(rc, sql.c_str(), SQLITE_ROW, SQLITE_DONE);
  return rc == SQLITE_ROW ? sqlite3_column_int64(statement.get(), 0) : 0;
}

Statement::Statement(Connection& connection, const char* sql) : connection_(connection) {
  connection_.check(sqlite3_prepare_v3(connection.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT,
                                       &statement_, nullptr),
                    sql);
}

Statement::~Statement() {
  sqlite3_finalize(statement_);
}

void Statement::run() {
  connection_.check(sqlite3_step(statement_), sqlite3_sql(statement_), SQLITE_DONE);
  reset();
}

int Statement::step() {
  return sqlite3_step(statement_);
}

void Statement::reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

namespace {

std::string column_text(sqlite3_stmt* statement, int column) {
  const auto* text = sqlite3_column_text(statement, column);
  return text == nullptr
             ? std::string()
             : std::string(reinterpret_cast<const char*>(text),
                           static_cast<std::size_t>(sqlite3_column_bytes(statement, column)));
}

}  // namespace

void read_back(const std::string& path, JournalRecord& record) {
  Connection connection(path, true);
  record.application_id = connection.query_int64("PRAGMA application_id");
  record.user_version = connection.query_int64("PRAGMA user_version");
  record.events = static_cast<std::uint64_t>(connection.query_int64("SELECT count(*) FROM events"));
  Statement row(connection,
                "SELECT manifest, version, payload, writer FROM events WHERE persistence_id = ?1 "
                "AND sequence_nr = 1");
  const std::string first = entity_id(0);
  sqlite3_bind_text(row.get(), 1, first.data(), static_cast<int>(first.size()), SQLITE_STATIC);
  connection.check(row.step(), "reading ours' first row", SQLITE_ROW);
  record.manifest = column_text(row.get(), 0);
  record.version = sqlite3_column_int64(row.get(), 1);
  record.payload = column_text(row.get(), 2);
  record.writer = column_text(row.get(), 3);
  row.reset();
  // Tables and indexes in creation order; SQLite's own (sqlite_sequence, autoindexes) it makes
  // itself.
  Statement schema(connection,
                   "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE "
                   "'sqlite_%' ORDER BY rowid");
  record.schema_sql.clear();
  while (schema.step() == SQLITE_ROW)
    record.schema_sql += column_text(schema.get(), 0) + ";\n";
  ORRERY_ASSERT(record.schema_sql.find("CREATE TABLE events") != std::string::npos,
                "ours' file holds the events table");
}

void create_schema(Connection& connection, const JournalRecord& record) {
  ORRERY_ASSERT(!record.schema_sql.empty(), "the peer needs ours' schema");
  connection.exec("BEGIN IMMEDIATE");
  connection.exec(fmt::format("PRAGMA application_id={}; PRAGMA user_version={}",
                              record.application_id, record.user_version));
  connection.exec(record.schema_sql);
  connection.exec("COMMIT");
}

}  // namespace orrery::bench::raw_sqlite
