#pragma once
// Storage: files for journals and snapshots. Production: the real filesystem under a root
// directory; simulator: SimDisk, where unsynced writes are lost or torn on a crash and I/O
// errors are injected. Every call returns a result; none throws.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <orrery/core/result.hpp>

namespace orrery {

/// An open file. Positional I/O only; not thread-safe (one owner at a time).
class File {
 public:
  virtual ~File() = default;
  /// Reads up to out.size() bytes at `offset`; fewer only at the end of the file.
  virtual Result<std::size_t> read_at(std::uint64_t offset, std::span<std::byte> out) = 0;
  /// Writes all of `data` at `offset`, extending the file as needed. Durable only after sync().
  virtual Status write_at(std::uint64_t offset, std::span<const std::byte> data) = 0;
  /// Makes every write so far durable (fsync).
  virtual Status sync() = 0;
  virtual Status truncate(std::uint64_t size) = 0;
  virtual Result<std::uint64_t> size() = 0;
};

enum class OpenMode : std::uint8_t {
  read_write,        // the file must exist
  create,            // created when missing
  create_exclusive,  // must not exist yet
};

/// Files under one root. Durability follows Linux: a file's contents are durable once it is
/// synced; a change to a directory (a file created, removed or renamed) is durable once that
/// directory is synced (sync_directory). An implementation may make a change durable sooner
/// (a file's sync also makes its own creation durable; PosixStorage syncs the directory after
/// every create and remove), never later. A failed File::sync() is reported once: the writes
/// before it may be lost even if a later sync succeeds (fsyncgate), so the caller rewrites them
/// or gives up on the file.
class Storage {
 public:
  virtual ~Storage() = default;
  /// Paths are relative, '/'-separated, without "." or ".." parts; directories are implicit.
  virtual Result<std::unique_ptr<File>> open(std::string_view path, OpenMode mode) = 0;
  /// Removes the file (not_found when missing); durable after a sync of its directory. Files
  /// open on it keep working on the removed file.
  virtual Status remove(std::string_view path) = 0;
  virtual Result<bool> exists(std::string_view path) = 0;
  /// Paths of the files whose path starts with `prefix`, sorted.
  virtual Result<std::vector<std::string>> list(std::string_view prefix) = 0;
  /// Renames the file `from` to `to` atomically, replacing a file at `to` (rename(2)); creates
  /// the directories leading to `to`. not_found when `from` is missing. Durable after a sync of
  /// `to`'s directory (and of `from`'s, when they differ); a crash before it leaves either the
  /// old or the new state of both names, never a mix. Files open on `from` keep working.
  virtual Status rename(std::string_view from, std::string_view to) = 0;
  /// Makes the changes to `directory` ("" is the root) durable: files created, removed or
  /// renamed in it (fsync of the directory). not_found when no file was ever created in it.
  virtual Status sync_directory(std::string_view directory) = 0;
};

/// Checks a Storage path: relative, no empty, "." or ".." parts. Both implementations use it.
Status validate_storage_path(std::string_view path);

}  // namespace orrery
