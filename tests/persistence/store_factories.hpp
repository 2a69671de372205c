#pragma once
// The stores the SPI conformance suite runs against. Each factory owns a harness (an Env with its
// executor) and a store over it, and gives the Stores; add an implementation by adding a factory
// here and to ORRERY_STORE_FACTORIES.

#include <memory>
#include <support/harness.hpp>
#include <support/production_harness.hpp>
#include <support/sim_harness.hpp>

#include <orrery/env/production/posix_storage.hpp>
#include <orrery/persistence/memory_store.hpp>
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

}  // namespace orrery::test

#define ORRERY_STORE_FACTORIES                                                    \
  ::orrery::test::MemoryStoreFactory<::orrery::test::ManualHarness>,              \
      ::orrery::test::MemoryStoreFactory<::orrery::test::ProductionHarness>,      \
      ::orrery::test::MemoryStoreFactory<::orrery::test::SimHarness>,             \
      ::orrery::test::SqlitePosixStoreFactory<::orrery::test::ManualHarness>,     \
      ::orrery::test::SqlitePosixStoreFactory<::orrery::test::ProductionHarness>, \
      ::orrery::test::SqliteSimDiskStoreFactory
