// journal.postgres's server and schema names.
#include "postgres_fixture.hpp"

#include <fmt/format.h>

#include <orrery/core/assert.hpp>

#include "persist_workloads.hpp"

namespace orrery::bench {

test::PostgresServer& bench_postgres_server() {
  static test::PostgresServer server(test::PostgresServer::Options{.fsync = true});
  return server;
}

std::string fresh_bench_schema(const char* who) {
  static int runs = 0;
  return fmt::format("bench_{}_{}", who, ++runs);
}

PGconn* connect_bench_postgres() {
  test::PostgresServer& server = bench_postgres_server();
  ORRERY_ASSERT(server.available(), "the bench's PostgreSQL server runs");
  PGconn* connection = PQconnectdb(server.conninfo("postgres").c_str());
  if (PQstatus(connection) != CONNECTION_OK) {
    const std::string message = fmt::format("libpq peer: {}", PQerrorMessage(connection));
    ORRERY_UNREACHABLE(message.c_str());
  }
  return connection;
}

std::string postgres_unavailable() {
  test::PostgresServer& server = bench_postgres_server();
  if (server.available()) return {};
  // Absent binaries are a skip; a server that is there and does not start is a failure.
  if (!server.binaries_absent()) {
    const std::string message = "the bench's PostgreSQL server did not start: " + server.reason();
    ORRERY_UNREACHABLE(message.c_str());
  }
  return server.reason();
}

}  // namespace orrery::bench
