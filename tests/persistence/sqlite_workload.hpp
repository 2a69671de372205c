#pragma once
// A SQLite workload for crash and fault tests: numbered transactions of rows with payloads that
// follow from their keys, committed one by one (reopening the database now and then), and the
// check that a reopened database holds every acknowledged transaction whole, and nothing else
// but the one in flight when the run failed.

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "sqlite_test_support.hpp"

namespace orrery::persistence::sqlite::test {

inline std::string payload_for(std::int64_t txn, std::int64_t key) {
  const auto size = static_cast<std::size_t>((txn * 379 + key * 1013) % 5000 + 1);
  return std::string(size, static_cast<char>('a' + (txn + key) % 26));
}

inline std::int64_t rows_in(std::int64_t txn) {
  return txn % 4 + 1;
}

inline DatabaseOptions workload_options() {
  // Small checkpoints, so that crashes also land inside checkpoints and WAL restarts.
  return DatabaseOptions{.wal_autocheckpoint_pages = 8};
}

struct WorkloadResult {
  std::set<std::int64_t> acknowledged;
  std::optional<std::int64_t> in_flight;  // the transaction a failure interrupted
  std::optional<Error> failure;
};

/// Opens `path` over `vfs` and commits transactions first_txn, first_txn + 1, ... up to `count`
/// of them, until one fails. Closes and reopens the database every `reopen_every` commits.
inline WorkloadResult run_workload(EnvVfs& vfs, const std::string& path, std::int64_t first_txn,
                                   std::int64_t count, std::int64_t reopen_every = 10) {
  WorkloadResult result;
  std::unique_ptr<Database> database;
  auto fail = [&](std::int64_t txn, Error error) {
    result.in_flight = txn;
    result.failure = std::move(error);
  };
  for (std::int64_t txn = first_txn; txn < first_txn + count; ++txn) {
    if (database && (txn - first_txn) % reopen_every == 0) database.reset();
    if (!database) {
      auto opened = Database::open(vfs, path, workload_options());
      if (!opened.ok()) {
        fail(txn, opened.error());
        return result;
      }
      database = std::move(*opened);
      Status schema = database->exec(
          "CREATE TABLE IF NOT EXISTS rows(txn INTEGER, key INTEGER, payload BLOB, "
          "PRIMARY KEY(txn, key))");
      if (!schema.ok()) {
        fail(txn, schema.error());
        return result;
      }
    }
    Status status = database->exec("BEGIN IMMEDIATE");
    auto insert = database->prepare("INSERT INTO rows(txn, key, payload) VALUES (?1, ?2, ?3)");
    if (!insert.ok()) status = insert.error();
    for (std::int64_t key = 0; status.ok() && key < rows_in(txn); ++key) {
      REQUIRE(insert->bind(1, txn).ok());
      REQUIRE(insert->bind(2, key).ok());
      REQUIRE(insert->bind_blob(3, payload_for(txn, key)).ok());
      status = insert->run();
    }
    if (status.ok()) status = database->exec("COMMIT");
    if (!status.ok()) {
      fail(txn, status.error());
      return result;
    }
    result.acknowledged.insert(txn);
  }
  return result;
}

/// Checks a reopened database against what the workload acknowledged (`maybe`: transactions
/// in flight when a run failed, which may or may not be there); returns the transactions found.
/// Fails the test on a lost, partial or unexpected transaction.
inline std::set<std::int64_t> check_recovered(Database& database,
                                              const std::set<std::int64_t>& acknowledged,
                                              const std::set<std::int64_t>& maybe) {
  REQUIRE(query_one(database, "PRAGMA integrity_check") == "ok");
  std::set<std::int64_t> found;
  if (query_one(database, "SELECT count(*) FROM sqlite_schema WHERE name = 'rows'") == "0") {
    CHECK(acknowledged.empty());
    return found;
  }
  auto rows = database.prepare("SELECT txn, key, payload FROM rows ORDER BY txn, key");
  REQUIRE(rows.ok());
  std::int64_t counted_txn = -1;
  std::int64_t counted = 0;
  auto close_txn = [&] {
    if (counted_txn >= 0) CHECK(counted == rows_in(counted_txn));  // whole or absent
  };
  while (true) {
    auto row = rows->step();
    REQUIRE(row.ok());
    if (!*row) break;
    const std::int64_t txn = rows->column_int64(0);
    const std::int64_t key = rows->column_int64(1);
    CHECK(rows->column_blob(2) == payload_for(txn, key));
    if (txn != counted_txn) {
      close_txn();
      counted_txn = txn;
      counted = 0;
    }
    ++counted;
    found.insert(txn);
  }
  close_txn();
  for (std::int64_t txn : acknowledged) {
    INFO("acknowledged transaction " << txn << " lost");
    CHECK(found.count(txn) == 1);
  }
  for (std::int64_t txn : found) {
    INFO("transaction " << txn << " was never committed");
    CHECK((acknowledged.count(txn) == 1 || maybe.count(txn) == 1));
  }
  return found;
}

inline std::set<std::int64_t> check_recovered(Database& database, const WorkloadResult& run) {
  std::set<std::int64_t> maybe;
  if (run.in_flight) maybe.insert(*run.in_flight);
  return check_recovered(database, run.acknowledged, maybe);
}

}  // namespace orrery::persistence::sqlite::test
