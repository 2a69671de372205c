#pragma once
// The raw SQLite peers' plumbing: a connection on SQLite's default (unix) VFS opened with the
// pragmas SqliteStore's Database runs with, prepared statements, and reading back what ours
// wrote (one row, the schema) so that the peer writes the same.

#include <cstdint>
#include <string>

#include <sqlite3.h>

#include "persist_workloads.hpp"

namespace orrery::bench::raw_sqlite {

/// A connection; every failing call asserts with SQLite's message (a benchmark cannot go on).
class Connection {
 public:
  /// Opens (creating) `path` with locking_mode=EXCLUSIVE, journal_mode=WAL, synchronous=FULL or
  /// NORMAL, temp_store=MEMORY, wal_autocheckpoint=1000 and foreign_keys=ON: Database::configure.
  Connection(const std::string& path, bool synchronous_full);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const noexcept { return db_; }
  void exec(const std::string& sql);
  std::int64_t query_int64(const std::string& sql);
  /// Asserts `rc` is one of the `ok` codes, naming `what`.
  void check(int rc, const char* what, int ok = SQLITE_OK, int also_ok = SQLITE_OK) const;

 private:
  sqlite3* db_ = nullptr;
};

/// A prepared statement, finalized with its owner.
class Statement {
 public:
  Statement(Connection& connection, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const noexcept { return statement_; }
  /// Steps a statement that returns no row, then resets it.
  void run();
  /// SQLITE_ROW or SQLITE_DONE.
  int step();
  void reset();

 private:
  Connection& connection_;
  sqlite3_stmt* statement_ = nullptr;
};

/// Fills `record`'s row, schema and event count from the database ours wrote at `path` (closed).
void read_back(const std::string& path, JournalRecord& record);

/// Creates `record`'s schema (with its application_id and user_version) in a fresh database.
void create_schema(Connection& connection, const JournalRecord& record);

}  // namespace orrery::bench::raw_sqlite
