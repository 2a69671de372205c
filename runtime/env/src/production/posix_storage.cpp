// The production storage: openat/mkdirat/unlinkat/renameat relative to the root's descriptor,
// a directory sync after every create and remove, and a pruned walk for list().

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <orrery/core/assert.hpp>
#include <orrery/env/production/posix_storage.hpp>

#include "posix_errors.hpp"
#include "posix_file.hpp"

namespace orrery {

namespace {

using posix::make_posix_error;

constexpr int file_flags = O_RDWR | O_CLOEXEC;
constexpr int directory_flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
constexpr mode_t file_permissions = 0644;
constexpr mode_t directory_permissions = 0755;

/// openat, retried on EINTR (a signal during an open that waits, e.g. on a network filesystem).
int open_at(int directory, const char* path, int flags, mode_t permissions = 0) {
  int descriptor = -1;
  do {
    descriptor = ::openat(directory, path, flags, permissions);
  } while (descriptor < 0 && errno == EINTR);
  return descriptor;
}

std::string_view parent_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

/// Whether a directory (given with its trailing '/') can hold a path starting with `prefix`.
bool may_hold_match(std::string_view directory_slash, std::string_view prefix) {
  return prefix.starts_with(directory_slash) || directory_slash.starts_with(prefix);
}

/// mkdir -p for the root itself, which lies outside any descriptor we hold.
Status make_directories(const std::string& path) {
  for (std::size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
    const std::string part = path.substr(0, end);
    if (!part.empty() && ::mkdir(part.c_str(), directory_permissions) != 0 && errno != EEXIST) {
      return make_posix_error("create directory", part, errno);
    }
    if (end == std::string::npos) return {};
  }
}

}  // namespace

Result<std::unique_ptr<PosixStorage>> PosixStorage::open_root(const std::string& root) {
  if (root.empty()) return make_error(Errc::invalid_argument, "the storage root is empty");
  if (auto made = make_directories(root); !made) return made.error();
  const int descriptor = open_at(AT_FDCWD, root.c_str(), directory_flags);
  if (descriptor < 0) return make_posix_error("open storage root", root, errno);
  return std::unique_ptr<PosixStorage>(new PosixStorage(root, descriptor));
}

PosixStorage::PosixStorage(std::string root, int root_descriptor) noexcept
    : root_(std::move(root)), root_descriptor_(root_descriptor) {
  ORRERY_ASSERT(root_descriptor_ >= 0);
}

PosixStorage::~PosixStorage() {
  ::close(root_descriptor_);
}

std::string PosixStorage::full_path(std::string_view path) const {
  std::string full = root_;
  if (!full.ends_with('/')) full += '/';
  full += path;
  return full;
}

Result<std::unique_ptr<File>> PosixStorage::open(std::string_view path, OpenMode mode) {
  if (auto valid = validate_storage_path(path); !valid) return valid.error();
  const std::string relative(path);
  bool created = false;
  auto opened = open_descriptor(relative, mode, created);
  if (!opened) return opened.error();
  auto file = std::make_unique<posix::PosixFile>(*opened, full_path(relative));
  struct stat status {};
  if (::fstat(*opened, &status) != 0) return make_posix_error("open", full_path(relative), errno);
  if (!S_ISREG(status.st_mode)) {
    return make_error(Errc::invalid_argument,
                      "open '" + full_path(relative) + "': not a regular file");
  }
  if (created) {
    // The new directory entry is durable only once its directory is synced.
    if (auto synced = sync_directory(parent_of(relative)); !synced) return synced.error();
  }
  return std::unique_ptr<File>(std::move(file));
}

Result<int> PosixStorage::open_descriptor(const std::string& path, OpenMode mode, bool& created) {
  created = false;
  if (mode != OpenMode::create_exclusive) {
    const int descriptor = open_at(root_descriptor_, path.c_str(), file_flags);
    if (descriptor >= 0) return descriptor;
    if (mode == OpenMode::read_write || errno != ENOENT) {
      return make_posix_error("open", full_path(path), errno);
    }
  }
  if (auto parents = create_parents(path); !parents) return parents.error();
  const int descriptor =
      open_at(root_descriptor_, path.c_str(), file_flags | O_CREAT | O_EXCL, file_permissions);
  if (descriptor >= 0) {
    created = true;
    return descriptor;
  }
  if (errno == EEXIST && mode == OpenMode::create) {
    // Created by someone else between our two opens: open theirs.
    const int theirs = open_at(root_descriptor_, path.c_str(), file_flags);
    if (theirs >= 0) return theirs;
  }
  return make_posix_error(mode == OpenMode::create_exclusive ? "create exclusively" : "create",
                          full_path(path), errno);
}

Status PosixStorage::create_parents(std::string_view path) {
  for (auto slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    const std::string directory(path.substr(0, slash));
    if (::mkdirat(root_descriptor_, directory.c_str(), directory_permissions) == 0) {
      if (auto synced = sync_directory(parent_of(directory)); !synced) return synced;
    } else if (errno != EEXIST) {
      return make_posix_error("create directory", full_path(directory), errno);
    }
  }
  return {};
}

Status PosixStorage::sync_directory(std::string_view directory) {
  if (!directory.empty()) {
    if (auto valid = validate_storage_path(directory); !valid) return valid;
  }
  const std::string name = directory.empty() ? std::string(".") : std::string(directory);
  const int descriptor = open_at(root_descriptor_, name.c_str(), directory_flags);
  if (descriptor < 0) return make_posix_error("open directory", full_path(directory), errno);
  int result = 0;
  do {
    result = ::fsync(descriptor);
  } while (result != 0 && errno == EINTR);
  const int sync_error = errno;
  ::close(descriptor);
  if (result != 0) return make_posix_error("sync directory", full_path(directory), sync_error);
  return {};
}

Status PosixStorage::remove(std::string_view path) {
  if (auto valid = validate_storage_path(path); !valid) return valid;
  const std::string relative(path);
  if (::unlinkat(root_descriptor_, relative.c_str(), 0) != 0) {
    return make_posix_error("remove", full_path(relative), errno);
  }
  return sync_directory(parent_of(relative));
}

Status PosixStorage::rename(std::string_view from, std::string_view to) {
  if (auto valid = validate_storage_path(from); !valid) return valid;
  if (auto valid = validate_storage_path(to); !valid) return valid;
  const std::string source(from);
  const std::string target(to);
  struct stat status {};
  if (::fstatat(root_descriptor_, source.c_str(), &status, AT_SYMLINK_NOFOLLOW) != 0)
    return make_posix_error("rename", full_path(source), errno);
  if (!S_ISREG(status.st_mode)) {
    return make_error(Errc::invalid_argument,
                      "rename '" + full_path(source) + "': not a regular file");
  }
  if (auto parents = create_parents(target); !parents) return parents;
  if (::renameat(root_descriptor_, source.c_str(), root_descriptor_, target.c_str()) != 0) {
    return make_posix_error("rename '" + full_path(source) + "' to", full_path(target), errno);
  }
  return {};
}

Result<bool> PosixStorage::exists(std::string_view path) {
  if (auto valid = validate_storage_path(path); !valid) return valid.error();
  const std::string relative(path);
  struct stat status {};
  if (::fstatat(root_descriptor_, relative.c_str(), &status, 0) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return make_posix_error("stat", full_path(relative), errno);
  }
  return S_ISREG(status.st_mode);
}

Result<std::vector<std::string>> PosixStorage::list(std::string_view prefix) {
  std::vector<std::string> found;
  std::vector<std::string> directories{""};  // to visit; "" is the root
  while (!directories.empty()) {
    const std::string directory = std::move(directories.back());
    directories.pop_back();
    const std::string name = directory.empty() ? std::string(".") : directory;
    const int descriptor = open_at(root_descriptor_, name.c_str(), directory_flags);
    if (descriptor < 0) {
      // A directory removed while we walk had nothing to list.
      if (!directory.empty() && (errno == ENOENT || errno == ENOTDIR)) continue;
      return make_posix_error("list directory", full_path(directory), errno);
    }
    DIR* stream = ::fdopendir(descriptor);
    if (stream == nullptr) {
      const int open_error = errno;
      ::close(descriptor);
      return make_posix_error("list directory", full_path(directory), open_error);
    }
    for (;;) {
      errno = 0;
      const dirent* entry = ::readdir(stream);
      if (entry == nullptr) break;
      const std::string_view entry_name = entry->d_name;
      if (entry_name == "." || entry_name == "..") continue;
      const std::string child =
          directory.empty() ? std::string(entry_name) : directory + "/" + std::string(entry_name);
      unsigned char type = entry->d_type;
      if (type == DT_UNKNOWN) {
        // Some filesystems do not fill d_type; ask (without following links, as d_type would).
        struct stat status {};
        if (::fstatat(::dirfd(stream), entry->d_name, &status, AT_SYMLINK_NOFOLLOW) != 0) continue;
        type = S_ISREG(status.st_mode) ? DT_REG : S_ISDIR(status.st_mode) ? DT_DIR : DT_UNKNOWN;
      }
      if (type == DT_REG && std::string_view(child).starts_with(prefix)) {
        found.push_back(child);
      } else if (type == DT_DIR && may_hold_match(child + "/", prefix)) {
        directories.push_back(child);
      }
    }
    const int read_error = errno;
    ::closedir(stream);
    if (read_error != 0)
      return make_posix_error("list directory", full_path(directory), read_error);
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace orrery
