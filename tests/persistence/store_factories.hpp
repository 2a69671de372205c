#pragma once
// The stores the SPI conformance suite runs against. Each factory owns a harness (an Env with its
// executor) and a store over it, and gives the Stores; add an implementation by adding a factory
// here and to ORRERY_STORE_FACTORIES.

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <support/harness.hpp>
#include <support/postgres_server.hpp>
#include <support/production_harness.hpp>
#include <support/sim_harness.hpp>

#include <orrery/env/production/posix_storage.hpp>
#include <catch2/catch.hpp>

#include <orrery/persistence/memory_store.hpp>
#include <orrery/persistence/postgres_store.hpp>
#include <orrery/persistence/sqlite_store.hpp>
#include <orrery/persistence/stores.hpp>

#include "sqlite_test_support.hpp"

namespace orrery::test {

/// A factory's contract: harness(), stores(), and a name.
template <class Harness>
struct MemoryStoreFactory {
  static constexpr const char* name = "memory";
  Harness h;
  std::shared_ptr<persistence::MemoryStore> store = std::make_shared<persistence::MemoryStore>(
      h.env(), std::make_shared<persistence::MemoryStoreData>(),
      persistence::MemoryStoreOptions{.event_bytes_max = 64 * 1024});
  test::Harness& harness() { return h; }
  persistence::Stores stores() { return persistence::Stores::of(store); }
};

inline persistence::SqliteStoreOptions conformance_sqlite_options() {
  return {.path = "store/persistence.db", .owner = "conformance", .event_bytes_max = 64 * 1024};
}

inline std::shared_ptr<persistence::SqliteStore> open_sqlite_store(
    Env& env, persistence::SqliteStoreOptions options) {
  auto store = persistence::SqliteStore::open(env, std::move(options));
  if (!store.ok()) FAIL(store.error().message);
  return std::move(*store);
}

/// SQLite through the EnvVfs on the real filesystem (a temporary directory), driven by the
/// harness's executor.
template <class Harness>
struct SqlitePosixStoreFactory {
  static constexpr const char* name = "sqlite-posix";
  Harness h;
  persistence::sqlite::test::TempDir dir;
  std::unique_ptr<PosixStorage> storage = PosixStorage::open_root(dir.path().string()).value();
  Env env{h.env().clock,     h.env().timers, h.env().executor, h.env().random,
          h.env().transport, *storage,       h.env().log,      h.env().buggify};
  std::shared_ptr<persistence::SqliteStore> store =
      open_sqlite_store(env, conformance_sqlite_options());
  test::Harness& harness() { return h; }
  persistence::Stores stores() { return persistence::Stores::of(store); }
  Env& store_env() { return env; }
  /// Closes the store and opens it again on the same files.
  void reopen_store() {
    store.reset();
    store = open_sqlite_store(env, conformance_sqlite_options());
  }
};

/// SQLite through the EnvVfs on the simulated node's SimDisk.
struct SqliteSimDiskStoreFactory {
  static constexpr const char* name = "sqlite-simdisk";
  SimHarness h;
  std::shared_ptr<persistence::SqliteStore> store =
      open_sqlite_store(h.env(), conformance_sqlite_options());
  test::Harness& harness() { return h; }
  persistence::Stores stores() { return persistence::Stores::of(store); }
  Env& store_env() { return h.env(); }
  void reopen_store() {
    store.reset();
    store = open_sqlite_store(h.env(), conformance_sqlite_options());
  }
};

/// A schema of its own on the process's one server, so that cases never see each other's rows
/// (a ctest entry is a process of its own, with a server of its own; the binary run whole shares
/// one). Production only: libpq's sockets are not the simulator's.
inline std::string fresh_postgres_schema() {
  static std::atomic<int> cases{0};
  return "case_" + std::to_string(cases.fetch_add(1));
}

/// The PostgreSQL store's options for a schema on the shared test server.
inline persistence::PostgresStoreOptions postgres_options(std::string schema) {
  return persistence::PostgresStoreOptions{
      .connection = PostgresServer::shared().conninfo("postgres"),
      .schema = std::move(schema),
      .event_bytes_max = 64 * 1024};
}

struct PostgresStoreFactory {
  static constexpr const char* name = "postgres";
  ProductionHarness h;
  std::shared_ptr<persistence::PostgresStore> store =
      PostgresServer::shared().available() ? std::make_shared<persistence::PostgresStore>(
                                                 h.env(), postgres_options(fresh_postgres_schema()))
                                           : nullptr;
  test::Harness& harness() { return h; }
  persistence::Stores stores() { return persistence::Stores::of(store); }
  static constexpr bool needs_server = true;
};

/// Whether a case must skip because the PostgreSQL server is absent: says so loudly (a Catch WARN
/// and a SKIPPED line on stderr). A server that is there but did not start fails the case.
inline bool postgres_server_skipped(const char* who) {
  const PostgresServer& server = PostgresServer::shared();
  if (server.available()) return false;
  if (!server.binaries_absent())
    FAIL("the PostgreSQL test server did not start: " << server.reason());
  WARN("SKIPPED (" << who << "): " << server.reason());
  std::fprintf(stderr, "SKIPPED: %s: %s\n", who, server.reason().c_str());
  return true;
}

/// Whether a conformance case must skip its store (only a server-backed one ever does).
template <class Factory>
bool store_skipped(const Factory&) {
  if constexpr (requires { Factory::needs_server; }) return postgres_server_skipped(Factory::name);
  return false;
}

}  // namespace orrery::test

#define ORRERY_STORE_FACTORIES                                                    \
  ::orrery::test::MemoryStoreFactory<::orrery::test::ManualHarness>,              \
      ::orrery::test::MemoryStoreFactory<::orrery::test::ProductionHarness>,      \
      ::orrery::test::MemoryStoreFactory<::orrery::test::SimHarness>,             \
      ::orrery::test::SqlitePosixStoreFactory<::orrery::test::ManualHarness>,     \
      ::orrery::test::SqlitePosixStoreFactory<::orrery::test::ProductionHarness>, \
      ::orrery::test::SqliteSimDiskStoreFactory,                                  \
      ::orrery::test::PostgresStoreFactory
