// Database: one SQLite connection over an EnvVfs, opened with the pragmas every Orrery database
// runs with, and refusing files that are not ours (foreign, corrupt, or newer) before writing.
#include <fmt/format.h>
#include <sqlite3.h>

#include <orrery/persistence/sqlite/database.hpp>
#include <orrery/persistence/sqlite/env_vfs.hpp>

namespace orrery::persistence::sqlite {

Errc errc_for_sqlite(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
      return Errc::corrupt;
    case SQLITE_CONSTRAINT:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
      return Errc::refused;
    case SQLITE_NOMEM:
    case SQLITE_TOOBIG:
      return Errc::overflow;
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
    case SQLITE_ERROR:
      return Errc::invalid_argument;
    default:
      return Errc::io_error;  // IOERR, FULL, CANTOPEN, PROTOCOL, ...
  }
}

Database::Database(EnvVfs& vfs, std::string path, DatabaseOptions options, sqlite3* handle) noexcept
    : vfs_(vfs), path_(std::move(path)), options_(options), handle_(handle) {
}

Database::~Database() {
  // close_v2 never fails for want of finalized statements (it defers); a Statement alive now
  // would be a bug that leaves the VFS with an open file, which EnvVfs's destructor catches.
  sqlite3_close_v2(handle_);
}

Error Database::error(int rc, std::string_view what) const {
  const char* message = handle_ != nullptr ? sqlite3_errmsg(handle_) : sqlite3_errstr(rc);
  std::string text =
      fmt::format("SQLite database '{}': {}: {} ({})", path_, what, message, sqlite3_errstr(rc));
  if (auto storage = vfs_.take_last_error()) text += fmt::format("; storage: {}", storage->message);
  Errc code = errc_for_sqlite(rc);
  if ((rc & 0xff) == SQLITE_CANTOPEN && !options_.create) code = Errc::not_found;
  return make_error(code, std::move(text));
}

Result<std::unique_ptr<Database>> Database::open(EnvVfs& vfs, std::string path,
                                                 DatabaseOptions options) {
  // SQLite's PRNG is process-wide: seed it from this node before the database can draw from it
  // (WAL salts), so the bytes written depend only on the node's seed.
  vfs.reseed_sqlite_prng();
  static_cast<void>(vfs.take_last_error());
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  if (options.create) flags |= SQLITE_OPEN_CREATE;
  sqlite3* handle = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &handle, flags, vfs.name().c_str());
  std::unique_ptr<Database> database(new Database(vfs, std::move(path), options, handle));
  if (rc != SQLITE_OK) return database->error(rc, "open");
  sqlite3_extended_result_codes(handle, 1);
  if (Status configured = database->configure(); !configured.ok()) return configured.error();
  return database;
}

Status Database::configure() {
  // Exclusive locking first: it is what lets WAL run without shared memory (and keeps any other
  // connection out for good).
  auto locking = query_text("PRAGMA locking_mode=EXCLUSIVE");
  if (!locking.ok()) return locking.error();
  if (Status identity = check_identity(); !identity.ok()) return identity;
  auto journal = query_text("PRAGMA journal_mode=WAL");
  if (!journal.ok()) return journal.error();
  if (*journal != "wal") {
    return make_error(
        Errc::io_error,
        fmt::format("SQLite database '{}': journal_mode=WAL gave '{}'", path_, *journal));
  }
  const char* synchronous = options_.synchronous == Synchronous::full ? "FULL" : "NORMAL";
  Status pragmas =
      exec(fmt::format("PRAGMA synchronous={}; PRAGMA temp_store=MEMORY; "
                       "PRAGMA wal_autocheckpoint={}; PRAGMA foreign_keys=ON",
                       synchronous, options_.wal_autocheckpoint_pages));
  if (!pragmas.ok() || !options_.checkpoint_on_open) return pragmas;
  return checkpoint();
}

Status Database::checkpoint() {
  auto statement = prepare("PRAGMA wal_checkpoint(TRUNCATE)");
  if (!statement.ok()) return statement.error();
  auto row = statement->step();
  if (!row.ok()) return row.error();
  // One row: (busy, frames in the WAL, frames checkpointed); busy cannot happen with one
  // connection, and a partial checkpoint would leave frames only the WAL holds.
  if (*row && statement->column_int64(0) != 0) {
    return make_error(Errc::io_error,
                      fmt::format("SQLite database '{}': checkpoint did not complete", path_));
  }
  return {};
}

// Reads the header before anything writes: a foreign or corrupt file fails here unchanged.
Status Database::check_identity() {
  auto application_id = query_int64("PRAGMA application_id");
  if (!application_id.ok()) return application_id.error();
  auto version = query_int64("PRAGMA user_version");
  if (!version.ok()) return version.error();
  auto tables = query_int64("SELECT count(*) FROM sqlite_schema");
  if (!tables.ok()) return tables.error();
  const bool blank = *application_id == 0 && *version == 0 && *tables == 0;
  if (options_.application_id != 0 && *application_id != options_.application_id && !blank) {
    return make_error(Errc::corrupt,
                      fmt::format("SQLite database '{}' belongs to another program "
                                  "(application_id {:#x}, {} schema entries; expected {:#x}): "
                                  "refusing to open it",
                                  path_, *application_id, *tables, options_.application_id));
  }
  if (*version > options_.schema_version) {
    return make_error(Errc::unsupported,
                      fmt::format("SQLite database '{}' was written by a newer schema version "
                                  "({}; this build reads up to {}): refusing to open it",
                                  path_, *version, options_.schema_version));
  }
  stored_schema_version_ = static_cast<std::int32_t>(*version);
  return {};
}

Status Database::write_schema_version(std::int32_t version) {
  return exec(fmt::format("PRAGMA application_id={}; PRAGMA user_version={}",
                          options_.application_id, version));
}

Status Database::exec(std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(handle_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(rc, fmt::format("'{}'", sql));
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  const int rc = sqlite3_prepare_v3(handle_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (rc != SQLITE_OK) return error(rc, fmt::format("preparing '{}'", sql));
  return Statement(*this, statement);
}

Result<std::int64_t> Database::query_int64(std::string_view sql) {
  auto statement = prepare(sql);
  if (!statement.ok()) return statement.error();
  auto row = statement->step();
  if (!row.ok()) return row.error();
  return *row ? statement->column_int64(0) : std::int64_t{0};
}

Result<std::string> Database::query_text(std::string_view sql) {
  auto statement = prepare(sql);
  if (!statement.ok()) return statement.error();
  auto row = statement->step();
  if (!row.ok()) return row.error();
  return *row ? std::string(statement->column_text(0)) : std::string();
}

std::int64_t Database::last_insert_rowid() const noexcept {
  return sqlite3_last_insert_rowid(handle_);
}

std::int64_t Database::changes() const noexcept {
  return sqlite3_changes64(handle_);
}

}  // namespace orrery::persistence::sqlite
