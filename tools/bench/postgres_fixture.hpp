#pragma once
// journal.postgres's server: one local PostgreSQL (tests/support/postgres_server.hpp) started on
// first use, with fsync on (the server's default), stopped when the process exits; and a fresh
// schema name for every run of either side.

#include <string>
#include <support/postgres_server.hpp>

namespace orrery::bench {

/// The bench's server (started on first call). Check available() before use.
test::PostgresServer& bench_postgres_server();

/// "bench_<who>_<n>": a schema no run has used yet.
std::string fresh_bench_schema(const char* who);

/// A libpq connection to the bench's server's "postgres" database; asserts on failure.
PGconn* connect_bench_postgres();

}  // namespace orrery::bench
