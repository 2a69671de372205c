#pragma once
// Storage: files for journals and snapshots. Production: the real filesystem under a root
// directory; simulator: SimDisk, where unsynced writes are lost or torn on a crash and I/O
// errors are injected. Every call returns a result; none throws.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <orrery/core/result.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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
  read_write,         // the file must exist
  create,             // created when missing
  create_exclusive,   // must not exist yet
};

class Storage {
 public:
  virtual ~Storage() = default;
  /// Paths are relative, '/'-separated, without "." or ".." parts; directories are implicit.
  virtual Result<std::unique_ptr<File>> open(std::string_view path, OpenMode mode) = 0;
  virtual Status remove(std::string_view path) = 0;
  virtual Result<bool> exists(std::string_view path) = 0;
  /// Paths of the files whose path starts with `prefix`, sorted.
  virtual Result<std::vector<std::string>> list(std::string_view prefix) = 0;
};

/// Checks a Storage path: relative, no empty, "." or ".." parts. Both implementations use it.
Status validate_storage_path(std::string_view path);

}  // namespace orrery
