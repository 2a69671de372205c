#pragma once
// PosixStorage: the production Storage, files under one root directory of the real filesystem.
// Every call resolves its path relative to the root's descriptor (openat and friends), so the
// root may be renamed underneath and no path escapes it (validate_storage_path rejects
// absolute paths and ".." parts). Directories are implicit: creating "journal/0001.log" makes
// "journal/" when needed, and list() reports regular files only. Removing a file leaves its
// directory behind (an empty directory costs nothing and removing it would race a create).
//
// Durability: write_at() is durable after the file's sync(); creating or removing a file also
// syncs its directory (and a directory it created, its parent), so a file that create returned
// survives a crash, and so does a removal; a rename is durable after sync_directory().
//
//   auto storage = PosixStorage::open_root("/var/lib/orders");   // Result
//   auto file = (*storage)->open("journal/0001.log", OpenMode::create);
//
// Thread-safe: the storage holds only the root descriptor. Every error is a Status naming the
// operation, the full path and strerror; nothing throws.

#include <memory>
#include <string>

#include <orrery/core/result.hpp>
#include <orrery/env/storage.hpp>

namespace orrery {

class PosixStorage final : public Storage {
 public:
  /// Opens the directory `root`, creating it and its parents when missing.
  static Result<std::unique_ptr<PosixStorage>> open_root(const std::string& root);
  ~PosixStorage() override;
  PosixStorage(const PosixStorage&) = delete;
  PosixStorage& operator=(const PosixStorage&) = delete;

  /// read_write: a missing file is not_found. create: opens or creates. create_exclusive: an
  /// existing file is already_exists. A path naming a directory or a non-regular file is an
  /// error.
  Result<std::unique_ptr<File>> open(std::string_view path, OpenMode mode) override;
  /// A missing file is not_found.
  Status remove(std::string_view path) override;
  /// Whether `path` is a regular file (a directory is not).
  Result<bool> exists(std::string_view path) override;
  /// Regular files under the root, recursively, whose path starts with `prefix` (any string,
  /// not necessarily a valid path), sorted bytewise. Descends only into directories that can
  /// hold a match.
  Result<std::vector<std::string>> list(std::string_view prefix) override;

  /// renameat(2) within the root, after creating `to`'s directories. Not synced: the caller
  /// syncs the directories involved (sync_directory) when the rename must survive a crash.
  Status rename(std::string_view from, std::string_view to) override;
  /// fsync(2) of the directory opened with O_DIRECTORY ("" is the root).
  Status sync_directory(std::string_view directory) override;

  /// The root directory as given to open_root.
  const std::string& root() const noexcept { return root_; }

 private:
  PosixStorage(std::string root, int root_descriptor) noexcept;

  std::string full_path(std::string_view path) const;
  /// Creates the directories leading to `path`, syncing the parent of each one it creates.
  Status create_parents(std::string_view path);
  /// Opens an existing file, or creates one when `create`; sets `created` accordingly.
  Result<int> open_descriptor(const std::string& path, OpenMode mode, bool& created);

  std::string root_;
  int root_descriptor_;
};

}  // namespace orrery
