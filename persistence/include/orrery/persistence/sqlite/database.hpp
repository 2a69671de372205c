#pragma once
// Database and Statement: a thin RAII layer over one SQLite connection opened through an EnvVfs,
// with errors as Results carrying SQLite's message and code, the file's name, and the Storage
// error behind an I/O failure.
//
//   auto vfs = EnvVfs::create(EnvVfs::vfs_name("orders@host:2552", "journal.db"),
//   VfsEnv::from(env)); auto db = Database::open(**vfs, "journal.db", {.application_id =
//   0x4f525259, .schema_version = 1}); auto insert = (*db)->prepare("INSERT INTO t(x) VALUES
//   (?1)"); insert->bind(1, std::int64_t{7}); insert->step();
//
// Opening sets the pragmas every Orrery database runs with, in the order SQLite needs:
// locking_mode=EXCLUSIVE (one connection; the WAL index on the heap), journal_mode=WAL,
// synchronous=FULL (or NORMAL), temp_store=MEMORY. It refuses, naming the file and changing
// nothing in it: a file that is not a SQLite database or is corrupt (Errc::corrupt), a SQLite
// database of another program (another application_id, or tables without ours: Errc::corrupt),
// and one written by a newer schema version than this build knows (Errc::unsupported).
//
// Not thread-safe: one owner at a time (the store's serial worker).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <orrery/core/result.hpp>

struct sqlite3;
struct sqlite3_stmt;

namespace orrery::persistence::sqlite {

class EnvVfs;
class Database;

enum class Synchronous : std::uint8_t {
  /// A commit returns once its WAL frames are synced: durable.
  full,
  /// The WAL is synced only at checkpoints: a crash may lose the newest commits, never corrupt.
  normal,
};

struct DatabaseOptions {
  Synchronous synchronous = Synchronous::full;
  /// Create the file when it is missing (else a missing file is not_found).
  bool create = true;
  /// PRAGMA application_id of the program's files; a file with another one is foreign. 0: no
  /// check (any SQLite database opens).
  std::int32_t application_id = 0;
  /// The newest schema version (PRAGMA user_version) this build reads; a file with a higher one
  /// is refused.
  std::int32_t schema_version = 0;
  /// WAL frames before an automatic checkpoint (SQLite's default is 1000).
  std::int32_t wal_autocheckpoint_pages = 1000;
  /// Checkpoint the WAL into the database file (synced) and truncate it when opening. After a
  /// failed sync the OS may keep writes in its cache that will never reach the disk
  /// (fsyncgate); a reopened connection would read them back and build on them. Rewriting
  /// everything visible and syncing it makes what the connection sees durable before it goes on.
  bool checkpoint_on_open = true;
};

/// A prepared statement of one Database; must not outlive it.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  /// Parameters count from 1, as in SQLite.
  Status bind(int index, std::int64_t value);
  Status bind_text(int index, std::string_view text);
  Status bind_blob(int index, std::string_view bytes);
  Status bind_null(int index);
  /// Runs to the next row: true when there is one, false when the statement is done.
  Result<bool> step();
  /// Runs a statement that returns no rows (an INSERT, an UPDATE), then resets it.
  Status run();
  /// Makes the statement ready to run again and clears its bindings.
  void reset() noexcept;

  /// Columns count from 0. Views stay valid until the next step or reset.
  std::int64_t column_int64(int column) const noexcept;
  std::string_view column_text(int column) const noexcept;
  std::string_view column_blob(int column) const noexcept;
  bool column_is_null(int column) const noexcept;

 private:
  friend class Database;
  Statement(Database& database, sqlite3_stmt* statement) noexcept
      : database_(&database), statement_(statement) {}
  Status check_bind(int rc, int index);

  Database* database_;
  sqlite3_stmt* statement_;
};

class Database {
 public:
  /// Opens (or creates) `path` over `vfs`, which must outlive the Database.
  static Result<std::unique_ptr<Database>> open(EnvVfs& vfs, std::string path,
                                                DatabaseOptions options = {});
  /// Closes the connection (SQLite checkpoints the WAL); statements must be gone.
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  /// Runs one or more statements that return no rows.
  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);

  /// Copies the WAL into the database file, syncs it and truncates the WAL.
  Status checkpoint();

  std::int64_t last_insert_rowid() const noexcept;
  /// Rows changed by the newest INSERT, UPDATE or DELETE.
  std::int64_t changes() const noexcept;
  /// The file's PRAGMA user_version when it was opened: 0 for a new database.
  std::int32_t stored_schema_version() const noexcept { return stored_schema_version_; }
  /// Marks the file as the program's, at `version` (application_id and user_version); run it
  /// inside the transaction that creates or upgrades the schema.
  Status write_schema_version(std::int32_t version);

  const std::string& path() const noexcept { return path_; }
  EnvVfs& vfs() const noexcept { return vfs_; }
  sqlite3* handle() const noexcept { return handle_; }

  /// An Error for SQLite result `rc` while doing `what`: SQLite's message and code, the file,
  /// and the Storage error behind an I/O failure.
  Error error(int rc, std::string_view what) const;

 private:
  Database(EnvVfs& vfs, std::string path, DatabaseOptions options, sqlite3* handle) noexcept;
  Status configure();
  Status check_identity();
  Result<std::int64_t> query_int64(std::string_view sql);
  Result<std::string> query_text(std::string_view sql);

  EnvVfs& vfs_;
  std::string path_;
  DatabaseOptions options_;
  sqlite3* handle_;
  std::int32_t stored_schema_version_ = 0;
};

/// The Errc for a SQLite result code (corrupt, io_error, refused for constraints, ...).
Errc errc_for_sqlite(int rc) noexcept;

}  // namespace orrery::persistence::sqlite
