// The files of EnvVfs: SQLite's io methods over a Storage File (databases, journals, WALs), and
// over memory for the files SQLite opens without a name. Version 1 methods: no shared memory, so
// WAL needs exclusive locking mode (its index then lives on the heap).
#include "vfs_file.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include <fmt/format.h>
#include <sqlite3.h>

#include <orrery/persistence/sqlite/env_vfs.hpp>

namespace orrery::persistence::sqlite {

namespace {

constexpr int sector_bytes = 4096;

/// The state of one open file. SQLite allocates only the small VfsFile below; this lives on the
/// heap so that VfsFile stays a standard-layout struct SQLite may treat as a sqlite3_file.
struct FileState {
  EnvVfs* vfs = nullptr;
  std::string path;            // empty for a memory file
  std::unique_ptr<File> file;  // null for a memory file
  std::string memory;          // a memory file's contents
  int lock = SQLITE_LOCK_NONE;
  // The unix VFS syncs the directory on the first sync of a file it created, so that a crash
  // cannot lose the name of a committed journal, WAL or database.
  bool sync_directory_pending = false;
  bool delete_on_close = false;
  // After a failed sync the writes before it may never reach the disk (fsyncgate): the file
  // refuses everything but close, so SQLite cannot report a later commit as durable.
  bool poisoned = false;
};

struct VfsFile {
  sqlite3_file base;  // first: SQLite sees a VfsFile* as its sqlite3_file*
  FileState* state;
};
static_assert(std::is_standard_layout_v<VfsFile>);

FileState& state_of(sqlite3_file* file) {
  return *reinterpret_cast<VfsFile*>(file)->state;
}

std::span<std::byte> out_bytes(void* buffer, int amount) {
  return {static_cast<std::byte*>(buffer), static_cast<std::size_t>(amount)};
}

std::string_view directory_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
}

int refuse_poisoned(FileState& state, int code) {
  return state.vfs->fail(
      code, "use after a failed sync of", state.path,
      make_error(Errc::io_error, "the file's unsynced writes may be lost; reopen the database"));
}

// ---- Storage files ----

int storage_close(sqlite3_file* file) {
  FileState* state = &state_of(file);
  int rc = SQLITE_OK;
  state->file.reset();
  state->vfs->unlock(state->path, state);
  if (state->delete_on_close) {
    const Status removed = state->vfs->env().storage.remove(state->path);
    if (!removed.ok() && removed.error().code != Errc::not_found) {
      rc = state->vfs->fail(SQLITE_IOERR_DELETE, "delete on close", state->path, removed.error());
    }
  }
  state->vfs->file_closed();
  delete state;
  reinterpret_cast<VfsFile*>(file)->state = nullptr;
  return rc;
}

int storage_read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  FileState& state = state_of(file);
  if (state.poisoned) return refuse_poisoned(state, SQLITE_IOERR_READ);
  ++state.vfs->mutable_stats().reads;
  auto out = out_bytes(buffer, amount);
  std::size_t done = 0;
  // Storage reads fewer bytes only at the end of the file; the loop has at most two rounds.
  while (done < out.size()) {
    auto got = state.file->read_at(static_cast<std::uint64_t>(offset) + done, out.subspan(done));
    if (!got.ok()) return state.vfs->fail(SQLITE_IOERR_READ, "read", state.path, got.error());
    if (*got == 0) break;
    done += *got;
  }
  if (done == out.size()) return SQLITE_OK;
  // SQLite requires the missing tail zeroed: it reads past the end of a growing file on purpose.
  std::memset(out.data() + done, 0, out.size() - done);
  ++state.vfs->mutable_stats().short_reads;
  return SQLITE_IOERR_SHORT_READ;
}

int storage_write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
  FileState& state = state_of(file);
  if (state.poisoned) return refuse_poisoned(state, SQLITE_IOERR_WRITE);
  ++state.vfs->mutable_stats().writes;
  const std::span<const std::byte> data(static_cast<const std::byte*>(buffer),
                                        static_cast<std::size_t>(amount));
  const Status written = state.file->write_at(static_cast<std::uint64_t>(offset), data);
  if (!written.ok())
    return state.vfs->fail(SQLITE_IOERR_WRITE, "write", state.path, written.error());
  return SQLITE_OK;
}

int storage_truncate(sqlite3_file* file, sqlite3_int64 size) {
  FileState& state = state_of(file);
  if (state.poisoned) return refuse_poisoned(state, SQLITE_IOERR_TRUNCATE);
  const Status truncated = state.file->truncate(static_cast<std::uint64_t>(size));
  if (!truncated.ok()) {
    return state.vfs->fail(SQLITE_IOERR_TRUNCATE, "truncate", state.path, truncated.error());
  }
  return SQLITE_OK;
}

int storage_sync(sqlite3_file* file, int) {
  FileState& state = state_of(file);
  if (state.poisoned) return refuse_poisoned(state, SQLITE_IOERR_FSYNC);
  ++state.vfs->mutable_stats().syncs;
  const Status synced = state.file->sync();
  if (!synced.ok()) {
    state.poisoned = true;
    return state.vfs->fail(SQLITE_IOERR_FSYNC, "sync", state.path, synced.error());
  }
  if (!state.sync_directory_pending) return SQLITE_OK;
  ++state.vfs->mutable_stats().directory_syncs;
  const Status directory = state.vfs->env().storage.sync_directory(directory_of(state.path));
  if (!directory.ok()) {
    state.poisoned = true;
    return state.vfs->fail(SQLITE_IOERR_DIR_FSYNC, "sync directory of", state.path,
                           directory.error());
  }
  state.sync_directory_pending = false;
  return SQLITE_OK;
}

int storage_file_size(sqlite3_file* file, sqlite3_int64* size) {
  FileState& state = state_of(file);
  if (state.poisoned) return refuse_poisoned(state, SQLITE_IOERR_FSTAT);
  const Result<std::uint64_t> got = state.file->size();
  if (!got.ok()) return state.vfs->fail(SQLITE_IOERR_FSTAT, "size", state.path, got.error());
  *size = static_cast<sqlite3_int64>(*got);
  return SQLITE_OK;
}

// One connection per database: a lock only has to keep a second connection of the same VFS
// out, which SQLite then reports as SQLITE_BUSY.
int storage_lock(sqlite3_file* file, int level) {
  FileState& state = state_of(file);
  if (!state.vfs->try_lock(state.path, &state)) return SQLITE_BUSY;
  state.lock = std::max(state.lock, level);
  return SQLITE_OK;
}

int storage_unlock(sqlite3_file* file, int level) {
  FileState& state = state_of(file);
  state.lock = std::min(state.lock, level);
  if (state.lock == SQLITE_LOCK_NONE) state.vfs->unlock(state.path, &state);
  return SQLITE_OK;
}

int storage_check_reserved_lock(sqlite3_file* file, int* out) {
  FileState& state = state_of(file);
  *out = state.vfs->locked_by_other(state.path, &state) ? 1 : 0;
  return SQLITE_OK;
}

int file_control(sqlite3_file*, int, void*) {
  return SQLITE_NOTFOUND;
}
int sector_size(sqlite3_file*) {
  return sector_bytes;
}
// Both Storages change only the bytes a write names, even when a crash tears it.
int device_characteristics(sqlite3_file*) {
  return SQLITE_IOCAP_POWERSAFE_OVERWRITE;
}

constexpr sqlite3_io_methods storage_methods = {
    1,
    storage_close,
    storage_read,
    storage_write,
    storage_truncate,
    storage_sync,
    storage_file_size,
    storage_lock,
    storage_unlock,
    storage_check_reserved_lock,
    file_control,
    sector_size,
    device_characteristics,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
};

// ---- memory files ----

int memory_close(sqlite3_file* file) {
  FileState* state = &state_of(file);
  state->vfs->file_closed();
  delete state;
  reinterpret_cast<VfsFile*>(file)->state = nullptr;
  return SQLITE_OK;
}

int memory_read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  const std::string& memory = state_of(file).memory;
  auto out = out_bytes(buffer, amount);
  const auto start = std::min<std::uint64_t>(static_cast<std::uint64_t>(offset), memory.size());
  const auto available = std::min<std::uint64_t>(out.size(), memory.size() - start);
  std::memcpy(out.data(), memory.data() + start, available);
  if (available == out.size()) return SQLITE_OK;
  std::memset(out.data() + available, 0, out.size() - available);
  return SQLITE_IOERR_SHORT_READ;
}

int memory_write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
  std::string& memory = state_of(file).memory;
  const auto start = static_cast<std::size_t>(offset);
  const auto end = start + static_cast<std::size_t>(amount);
  try {
    if (memory.size() < end) memory.resize(end, '\0');
  } catch (const std::bad_alloc&) {
    return SQLITE_IOERR_NOMEM;
  }
  std::memcpy(memory.data() + start, buffer, static_cast<std::size_t>(amount));
  return SQLITE_OK;
}

int memory_truncate(sqlite3_file* file, sqlite3_int64 size) {
  std::string& memory = state_of(file).memory;
  if (static_cast<std::uint64_t>(size) < memory.size())
    memory.resize(static_cast<std::size_t>(size));
  return SQLITE_OK;
}

int memory_sync(sqlite3_file*, int) {
  return SQLITE_OK;
}

int memory_file_size(sqlite3_file* file, sqlite3_int64* size) {
  *size = static_cast<sqlite3_int64>(state_of(file).memory.size());
  return SQLITE_OK;
}

int memory_lock(sqlite3_file*, int) {
  return SQLITE_OK;
}
int memory_check_reserved_lock(sqlite3_file*, int* out) {
  *out = 0;
  return SQLITE_OK;
}

constexpr sqlite3_io_methods memory_methods = {
    1,
    memory_close,
    memory_read,
    memory_write,
    memory_truncate,
    memory_sync,
    memory_file_size,
    memory_lock,
    memory_lock,
    memory_check_reserved_lock,
    file_control,
    sector_size,
    device_characteristics,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
};

OpenMode open_mode(int flags) {
  if ((flags & SQLITE_OPEN_EXCLUSIVE) != 0) return OpenMode::create_exclusive;
  if ((flags & SQLITE_OPEN_CREATE) != 0) return OpenMode::create;
  return OpenMode::read_write;
}

bool syncs_directory_when_created(int flags) {
  constexpr int kinds =
      SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_SUPER_JOURNAL | SQLITE_OPEN_WAL;
  return (flags & SQLITE_OPEN_CREATE) != 0 && (flags & kinds) != 0;
}

int open_storage_file(EnvVfs& vfs, const char* name, FileState& state, int flags) {
  state.path = name;
  auto opened = vfs.env().storage.open(state.path, open_mode(flags));
  if (!opened.ok()) {
    // A missing file SQLite asked for without CREATE is its own business (it checks for hot
    // journals that way); anything else is an I/O error to report.
    if (opened.error().code == Errc::not_found) return SQLITE_CANTOPEN;
    return vfs.fail(SQLITE_CANTOPEN, "open", state.path, opened.error());
  }
  state.file = std::move(*opened);
  state.sync_directory_pending = syncs_directory_when_created(flags);
  state.delete_on_close = (flags & SQLITE_OPEN_DELETEONCLOSE) != 0;
  return SQLITE_OK;
}

}  // namespace

int vfs_file_size() noexcept {
  return static_cast<int>(sizeof(VfsFile));
}

int open_vfs_file(EnvVfs& vfs, const char* name, sqlite3_file* out, int flags, int* out_flags) {
  auto* file = reinterpret_cast<VfsFile*>(out);
  file->base.pMethods = nullptr;
  file->state = nullptr;
  try {
    auto state = std::make_unique<FileState>();
    state->vfs = &vfs;
    const bool in_memory = name == nullptr;
    if (!in_memory) {
      const int rc = open_storage_file(vfs, name, *state, flags);
      if (rc != SQLITE_OK) return rc;
    }
    ++vfs.mutable_stats().opens;
    if (in_memory) ++vfs.mutable_stats().memory_files;
    if (out_flags != nullptr) *out_flags = flags;
    vfs.file_opened();
    file->state = state.release();
    file->base.pMethods = in_memory ? &memory_methods : &storage_methods;
    return SQLITE_OK;
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  }
}

}  // namespace orrery::persistence::sqlite
