#pragma once
// PosixFile: a File over an open file descriptor, for PosixStorage. Positional I/O that loops
// over short transfers and EINTR, so that a caller sees only complete writes and reads that are
// short only at the end of the file.

#include <string>

#include <orrery/env/storage.hpp>

namespace orrery::posix {

class PosixFile final : public File {
 public:
  /// Takes ownership of `descriptor`; `path` (the full path) goes into error messages.
  PosixFile(int descriptor, std::string path) noexcept;
  ~PosixFile() override;
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  Result<std::size_t> read_at(std::uint64_t offset, std::span<std::byte> out) override;
  Status write_at(std::uint64_t offset, std::span<const std::byte> data) override;
  /// fsync. After a failed sync the kernel may have dropped the dirty pages and a later sync
  /// can succeed without them (PostgreSQL's "fsyncgate"): treat a failure as the loss of every
  /// write since the last successful sync.
  Status sync() override;
  Status truncate(std::uint64_t size) override;
  Result<std::uint64_t> size() override;

 private:
  int descriptor_;
  std::string path_;
};

}  // namespace orrery::posix
