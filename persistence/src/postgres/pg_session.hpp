#pragma once
// Session: the store's one connection, made on first use and made again after it is lost, with
// the schema checked (or created) each time it connects. A database written by a newer schema
// version is refused for good: retrying cannot make it older.

#include <memory>
#include <optional>
#include <string>

#include <orrery/core/result.hpp>
#include <orrery/env/log_sink.hpp>

#include "pg_connection.hpp"

namespace orrery::persistence::postgres {

class Session {
 public:
  Session(std::string conninfo, std::string schema, LogSink& log);

  /// The connection, connecting first when there is none or it was lost (one attempt per call:
  /// a server that is down fails each call once, not in a loop).
  Result<PgConnection*> connection();
  /// Drops a connection whose outcome is unclear, so the next call starts afresh.
  void reset() { connection_.reset(); }

 private:
  Status ensure_schema(PgConnection& connection);

  std::string conninfo_;
  std::string schema_;
  LogSink& log_;
  std::unique_ptr<PgConnection> connection_;
  std::optional<Error> refused_;  // sticky: a newer schema version
};

}  // namespace orrery::persistence::postgres
