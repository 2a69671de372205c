// Positional file I/O for the production storage.

#include "posix_file.hpp"

#include <cerrno>
#include <cstdint>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>

#include <orrery/core/assert.hpp>

#include "posix_errors.hpp"

namespace orrery::posix {

namespace {

constexpr std::uint64_t offset_max = std::numeric_limits<off_t>::max();

/// Whether [offset, offset + length) is addressable by off_t.
bool in_range(std::uint64_t offset, std::uint64_t length) {
  return offset <= offset_max && length <= offset_max - offset;
}

Error out_of_range(std::string_view operation, const std::string& path) {
  return make_error(Errc::invalid_argument,
                    std::string(operation) + " '" + path + "': offset beyond the largest file");
}

}  // namespace

PosixFile::PosixFile(int descriptor, std::string path) noexcept
    : descriptor_(descriptor), path_(std::move(path)) {
  ORRERY_ASSERT(descriptor >= 0);
}

PosixFile::~PosixFile() {
  // close() errors are not reported: after a successful sync() nothing is lost, and Linux
  // releases the descriptor even when close fails, so a retry could close someone else's.
  ::close(descriptor_);
}

Result<std::size_t> PosixFile::read_at(std::uint64_t offset, std::span<std::byte> out) {
  if (!in_range(offset, out.size())) return out_of_range("read", path_);
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t got = ::pread(descriptor_, out.data() + done, out.size() - done,
                                static_cast<off_t>(offset + done));
    if (got == 0) break;  // end of file
    if (got < 0) {
      if (errno == EINTR) continue;
      return make_posix_error("read", path_, errno);
    }
    done += static_cast<std::size_t>(got);
  }
  ORRERY_ASSERT(done <= out.size());
  return done;
}

Status PosixFile::write_at(std::uint64_t offset, std::span<const std::byte> data) {
  if (!in_range(offset, data.size())) return out_of_range("write", path_);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t wrote = ::pwrite(descriptor_, data.data() + done, data.size() - done,
                                   static_cast<off_t>(offset + done));
    if (wrote < 0) {
      if (errno == EINTR) continue;
      return make_posix_error("write", path_, errno);
    }
    // pwrite reports a full disk as a short write first and ENOSPC only on the next call; zero
    // bytes for a non-empty request would loop forever, so it is an error of its own.
    if (wrote == 0) return make_posix_error("write", path_, EIO);
    done += static_cast<std::size_t>(wrote);
  }
  ORRERY_ASSERT(done == data.size());
  return {};
}

Status PosixFile::sync() {
  while (::fsync(descriptor_) != 0) {
    if (errno != EINTR) return make_posix_error("sync", path_, errno);
  }
  return {};
}

Status PosixFile::truncate(std::uint64_t size) {
  if (!in_range(size, 0)) return out_of_range("truncate", path_);
  while (::ftruncate(descriptor_, static_cast<off_t>(size)) != 0) {
    if (errno != EINTR) return make_posix_error("truncate", path_, errno);
  }
  return {};
}

Result<std::uint64_t> PosixFile::size() {
  struct stat status {};
  if (::fstat(descriptor_, &status) != 0) return make_posix_error("size", path_, errno);
  ORRERY_ASSERT(status.st_size >= 0);
  return static_cast<std::uint64_t>(status.st_size);
}

}  // namespace orrery::posix
