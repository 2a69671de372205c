#pragma once
// The [persistence] tables of a node's configuration file: which store the node's persistent
// actors use, and that store's options. docs/reference.toml lists every key with its default.
//
//   [persistence]
//   store = "sqlite"            # or "memory", "postgres"
//
//   [persistence.sqlite]
//   path = "orders/persistence.db"
//   synchronous = "full"
//
//   auto document = ConfigDocument::parse(text, "orders.toml");            // Result
//   auto config = persistence::load_persistence_config(*document);         // Result
//   auto stores = persistence::open_stores(env, *config);                  // Result<Stores>
//
// Every error names the file, the line and the key. The library depends on the runtime, not the
// other way round: persistence_config_sections() is what a reference check adds to the runtime's.

#include <cstdint>
#include <vector>

#include <orrery/config/config_document.hpp>
#include <orrery/config/config_schema.hpp>
#include <orrery/core/result.hpp>
#include <orrery/env/env.hpp>
#include <orrery/persistence/memory_store.hpp>
#include <orrery/persistence/postgres_store.hpp>
#include <orrery/persistence/sqlite_store.hpp>
#include <orrery/persistence/stores.hpp>

namespace orrery::persistence {

/// The store behind a node's persistent actors.
enum class StoreKind : std::uint8_t {
  /// MemoryStore: nothing survives the process (tests, caches).
  memory,
  /// SqliteStore: one SQLite database through the node's Env (the default).
  sqlite,
  /// PostgresStore: a PostgreSQL server through libpq (production only).
  postgres,
};

/// [persistence] itself: the choice of store.
struct PersistenceStoreChoice {
  StoreKind store = StoreKind::sqlite;
};

struct PersistenceConfig {
  StoreKind store = StoreKind::sqlite;
  /// [persistence.memory]
  MemoryStoreOptions memory;
  /// [persistence.sqlite]
  SqliteStoreOptions sqlite;
  /// [persistence.postgres]
  PostgresStoreOptions postgres;
};

/// The four tables for the reference-file check, with the code's defaults.
std::vector<ConfigSection> persistence_config_sections();

/// Reads the [persistence] tables over the defaults. Errors name the file, the line and the key:
/// a wrong type, a value out of range, an unknown key or enumeration value, and a store chosen
/// without what it needs (postgres without a connection).
Result<PersistenceConfig> load_persistence_config(const ConfigDocument& document);

/// Opens the configured store on `env` (the SQLite database now, through the Env's Storage) and
/// gives its Stores; an error names the store and why.
Result<Stores> open_stores(Env& env, const PersistenceConfig& config);

}  // namespace orrery::persistence
