// The SQLite store as a projection's offset store: offsets by projection name, and the
// exactly-once commit that runs the projection's own writes and stores its offset in one
// transaction of the store's connection.
#include <exception>

#include <fmt/format.h>
#include <sqlite3.h>

#include "store_core.hpp"

namespace orrery::persistence::sqlite {

namespace {

constexpr const char* upsert_offset_sql =
    "INSERT INTO projection_offsets(projection, stored_offset) VALUES (?1, ?2) "
    "ON CONFLICT(projection) DO UPDATE SET stored_offset = excluded.stored_offset";

}  // namespace

Result<std::optional<Offset>> StoreCore::load_offset(const std::string& projection) {
  if (Status ready = usable(); !ready.ok()) return ready.error();
  auto rows = statement("SELECT stored_offset FROM projection_offsets WHERE projection = ?1");
  if (!rows.ok()) return rows.error();
  if (Status bound = (*rows)->bind_text(1, projection); !bound.ok()) return bound.error();
  auto row = (*rows)->step();
  if (!row.ok()) return row.error();
  std::optional<Offset> offset;
  if (*row) offset = (*rows)->column_int64(0);
  (*rows)->reset();
  return offset;
}

Result<Done> StoreCore::save_offset(const std::string& projection, Offset offset) {
  return in_transaction([&]() -> Status {
    auto upsert = statement(upsert_offset_sql);
    if (!upsert.ok()) return upsert.error();
    Status status = (*upsert)->bind_text(1, projection);
    if (status.ok()) status = (*upsert)->bind(2, offset);
    if (status.ok()) status = (*upsert)->run();
    return status;
  });
}

Result<Done> StoreCore::commit_projection(const std::string& projection, Offset offset,
                                          UniqueFunction<Status(Database&)>& writes) {
  if (Status ready = usable(); !ready.ok()) return ready.error();
  const std::uint64_t io_errors_before = vfs_->stats().io_errors;
  if (Status begun = database_->exec("BEGIN IMMEDIATE"); !begun.ok()) {
    roll_back();
    return note_failure(begun.error());
  }
  Status written;
  try {
    written = writes(*database_);
  } catch (const std::exception& thrown) {
    written =
        make_error(Errc::invalid_argument,
                   fmt::format("projection '{}': its writes threw: {}", projection, thrown.what()));
  }
  if (written.ok() && sqlite3_get_autocommit(database_->handle()) != 0) {
    written = make_error(Errc::invalid_argument,
                         fmt::format("projection '{}': its writes ended the store's transaction, "
                                     "so they were committed without the offset",
                                     projection));
  }
  if (!written.ok()) {
    roll_back();
    // The projection's own error, unless SQLite met an I/O error meanwhile: then what the
    // connection wrote is unknown, as after any failed write.
    if (vfs_->stats().io_errors != io_errors_before) {
      note_failure(make_error(Errc::io_error, written.error().message));
    }
    return written.error();
  }
  auto upsert = statement(upsert_offset_sql);
  Status status = upsert.ok() ? Status{} : Status(upsert.error());
  if (status.ok()) status = (*upsert)->bind_text(1, projection);
  if (status.ok()) status = (*upsert)->bind(2, offset);
  if (status.ok()) status = (*upsert)->run();
  if (status.ok()) status = database_->exec("COMMIT");
  if (!status.ok()) {
    roll_back();
    return note_failure(status.error());
  }
  return Done{};
}

}  // namespace orrery::persistence::sqlite
