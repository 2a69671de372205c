// Statement: a prepared SQLite statement, finalized on destruction; errors carry the Database's
// context (file, SQLite's message, the Storage error).
#include <fmt/format.h>
#include <sqlite3.h>

#include <orrery/persistence/sqlite/database.hpp>

namespace orrery::persistence::sqlite {

Statement::Statement(Statement&& other) noexcept
    : database_(other.database_), statement_(std::exchange(other.statement_, nullptr)) {
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    database_ = other.database_;
    statement_ = std::exchange(other.statement_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(statement_);
}

Status Statement::check_bind(int rc, int index) {
  if (rc == SQLITE_OK) return {};
  return database_->error(
      rc, fmt::format("binding parameter {} of '{}'", index, sqlite3_sql(statement_)));
}

Status Statement::bind(int index, std::int64_t value) {
  return check_bind(sqlite3_bind_int64(statement_, index, value), index);
}

Status Statement::bind_text(int index, std::string_view text) {
  return check_bind(sqlite3_bind_text64(statement_, index, text.data(), text.size(),
                                        SQLITE_TRANSIENT, SQLITE_UTF8),
                    index);
}

Status Statement::bind_blob(int index, std::string_view bytes) {
  // A null pointer binds NULL, not an empty blob; an empty payload must stay a blob.
  static constexpr char empty = 0;
  const char* data = bytes.empty() ? &empty : bytes.data();
  return check_bind(sqlite3_bind_blob64(statement_, index, data, bytes.size(), SQLITE_TRANSIENT),
                    index);
}

Status Statement::bind_null(int index) {
  return check_bind(sqlite3_bind_null(statement_, index), index);
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error error = database_->error(rc, fmt::format("running '{}'", sqlite3_sql(statement_)));
  sqlite3_reset(statement_);
  return error;
}

Status Statement::run() {
  auto row = step();
  reset();
  if (!row.ok()) return row.error();
  return {};
}

void Statement::reset() noexcept {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

std::int64_t Statement::column_int64(int column) const noexcept {
  return sqlite3_column_int64(statement_, column);
}

std::string_view Statement::column_text(int column) const noexcept {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  if (text == nullptr) return {};
  return {text, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))};
}

std::string_view Statement::column_blob(int column) const noexcept {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(statement_, column));
  if (data == nullptr) return {};
  return {data, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))};
}

bool Statement::column_is_null(int column) const noexcept {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

}  // namespace orrery::persistence::sqlite
