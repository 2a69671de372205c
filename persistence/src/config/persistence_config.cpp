// The [persistence] configuration schemas, and opening the store they choose.
#include <fmt/format.h>

#include <orrery/persistence/persistence_config.hpp>

namespace orrery::persistence {

namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t payload_bytes_max = std::uint64_t{1} << 30;  // PostgreSQL's bytea limit

std::string check_storage_path(const std::string& path) {
  if (path.empty()) return "the database needs a path";
  const Status valid = validate_storage_path(path);
  return valid.ok() ? std::string() : valid.error().message;
}

std::string check_not_empty(const std::string& text) {
  return text.empty() ? std::string("must not be empty") : std::string();
}

ConfigSchema<PersistenceStoreChoice> make_choice_schema() {
  ConfigSchema<PersistenceStoreChoice> schema("persistence");
  schema
      .enumeration("store", &PersistenceStoreChoice::store,
                   {{"sqlite", StoreKind::sqlite},
                    {"memory", StoreKind::memory},
                    {"postgres", StoreKind::postgres}})
      .subtable("memory")
      .subtable("sqlite")
      .subtable("postgres");
  return schema;
}

ConfigSchema<MemoryStoreOptions> make_memory_schema() {
  ConfigSchema<MemoryStoreOptions> schema("persistence.memory");
  schema.bytes("event-bytes-max", &MemoryStoreOptions::event_bytes_max, 1, payload_bytes_max);
  return schema;
}

ConfigSchema<SqliteStoreOptions> make_sqlite_schema() {
  ConfigSchema<SqliteStoreOptions> schema("persistence.sqlite");
  schema.string("path", &SqliteStoreOptions::path, check_storage_path)
      .string("owner", &SqliteStoreOptions::owner, check_not_empty)
      .enumeration("synchronous", &SqliteStoreOptions::synchronous,
                   {{"full", sqlite::Synchronous::full}, {"normal", sqlite::Synchronous::normal}})
      .bytes("event-bytes-max", &SqliteStoreOptions::event_bytes_max, 1, payload_bytes_max)
      .integer("batch-writes-max", &SqliteStoreOptions::batch_writes_max, 1, 1'000'000)
      .integer("wal-autocheckpoint-pages", &SqliteStoreOptions::wal_autocheckpoint_pages, 0,
               1'000'000'000)
      .boolean("reopen-on-failure", &SqliteStoreOptions::reopen_on_failure);
  return schema;
}

ConfigSchema<PostgresStoreOptions> make_postgres_schema() {
  ConfigSchema<PostgresStoreOptions> schema("persistence.postgres");
  schema.string("connection", &PostgresStoreOptions::connection)
      .string("schema", &PostgresStoreOptions::schema, check_not_empty)
      .bytes("event-bytes-max", &PostgresStoreOptions::event_bytes_max, 1, payload_bytes_max)
      .integer("group-writes-max", &PostgresStoreOptions::group_writes_max, 1, 1'000'000);
  return schema;
}

// Built once, never changed: the schemas are descriptions, not state.
const ConfigSchema<PersistenceStoreChoice>& choice_schema() {
  static const ConfigSchema<PersistenceStoreChoice> schema = make_choice_schema();  // immutable
  return schema;
}
const ConfigSchema<MemoryStoreOptions>& memory_schema() {
  static const ConfigSchema<MemoryStoreOptions> schema = make_memory_schema();  // immutable
  return schema;
}
const ConfigSchema<SqliteStoreOptions>& sqlite_schema() {
  static const ConfigSchema<SqliteStoreOptions> schema = make_sqlite_schema();  // immutable
  return schema;
}
const ConfigSchema<PostgresStoreOptions>& postgres_schema() {
  static const ConfigSchema<PostgresStoreOptions> schema = make_postgres_schema();  // immutable
  return schema;
}

/// "file:line: key 'persistence.store': ..." at the store key, or the table when not written.
Error at_store_key(const ConfigDocument& document, std::string_view problem) {
  const ConfigDocument::Entry* entry = document.find("persistence.store");
  if (entry == nullptr) entry = document.find("persistence");
  const std::uint32_t line = entry != nullptr ? entry->line : 0;
  return make_error(Errc::invalid_argument, fmt::format("{}:{}: key 'persistence.store': {}",
                                                        document.origin(), line, problem));
}

}  // namespace

std::vector<ConfigSection> persistence_config_sections() {
  return {choice_schema().section(), memory_schema().section(), sqlite_schema().section(),
          postgres_schema().section()};
}

Result<PersistenceConfig> load_persistence_config(const ConfigDocument& document) {
  PersistenceStoreChoice choice;
  PersistenceConfig config;
  if (Status status = choice_schema().apply(document, choice); !status.ok()) return status.error();
  config.store = choice.store;
  if (Status status = memory_schema().apply(document, config.memory); !status.ok()) {
    return status.error();
  }
  if (Status status = sqlite_schema().apply(document, config.sqlite); !status.ok()) {
    return status.error();
  }
  if (Status status = postgres_schema().apply(document, config.postgres); !status.ok()) {
    return status.error();
  }
  if (config.store == StoreKind::postgres && config.postgres.connection.empty()) {
    return at_store_key(document,
                        "\"postgres\" needs [persistence.postgres] connection (a libpq "
                        "connection string)");
  }
  return config;
}

Result<Stores> open_stores(Env& env, const PersistenceConfig& config) {
  switch (config.store) {
    case StoreKind::memory:
      return Stores::of(
          std::make_shared<MemoryStore>(env, std::make_shared<MemoryStoreData>(), config.memory));
    case StoreKind::sqlite: {
      auto store = SqliteStore::open(env, config.sqlite);
      if (!store.ok()) return store.error();
      return Stores::of(std::move(*store));
    }
    case StoreKind::postgres: {
      auto store = PostgresStore::open(env, config.postgres);
      if (!store.ok()) {
        return make_error(store.error().code,
                          fmt::format("[persistence.postgres]: {}", store.error().message));
      }
      return Stores::of(std::move(*store));
    }
  }
  ORRERY_ASSERT(false, "a store kind without a case");
  return make_error(Errc::invalid_argument, "unknown store kind");
}

}  // namespace orrery::persistence
