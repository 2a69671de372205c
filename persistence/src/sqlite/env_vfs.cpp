// EnvVfs: the sqlite3_vfs methods (open, delete, access, names, randomness, sleep, time) over one
// node's Env, and the VFS's registration under its own name. The file methods are in
// vfs_file.cpp.
#include <cstring>
#include <new>

#include <fmt/format.h>
#include <sqlite3.h>

#include <orrery/persistence/sqlite/env_vfs.hpp>

#include "vfs_file.hpp"

namespace orrery::persistence::sqlite {

namespace {

constexpr int max_path_bytes = 512;
// Julian day number of the Unix epoch, in milliseconds (what xCurrentTimeInt64 counts from).
constexpr sqlite3_int64 unix_epoch_julian_ms = 210866760000000;

EnvVfs& owner(sqlite3_vfs* vfs) {
  return *static_cast<EnvVfs*>(vfs->pAppData);
}

std::string_view directory_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
}

int vfs_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  return open_vfs_file(owner(vfs), name, file, flags, out_flags);
}

// Every delete is made durable, whatever SQLite asks: it deletes the WAL when the last connection
// closes without a directory sync, and a crash that undid that deletion would bring back a WAL
// older than the database after it (its frames replayed over newer pages: a corrupt file). The
// persist scenario found it (seed 30), once a store reopened after a read error.
int vfs_delete(sqlite3_vfs* vfs, const char* name, int /*sync_directory*/) {
  EnvVfs& self = owner(vfs);
  try {
    const Status removed = self.env().storage.remove(name);
    if (!removed.ok()) {
      if (removed.error().code == Errc::not_found) return SQLITE_IOERR_DELETE_NOENT;
      return self.fail(SQLITE_IOERR_DELETE, "delete", name, removed.error());
    }
    ++self.mutable_stats().directory_syncs;
    const Status synced = self.env().storage.sync_directory(directory_of(name));
    if (!synced.ok())
      return self.fail(SQLITE_IOERR_DIR_FSYNC, "sync directory", name, synced.error());
    return SQLITE_OK;
  } catch (const std::bad_alloc&) {
    return SQLITE_IOERR_NOMEM;
  }
}

// SQLite asks whether a hot journal or WAL exists: like the unix VFS, an empty file counts as
// absent (a crash may leave one behind).
int vfs_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  EnvVfs& self = owner(vfs);
  try {
    *out = 0;
    const Result<bool> exists = self.env().storage.exists(name);
    if (!exists.ok()) return self.fail(SQLITE_IOERR_ACCESS, "access", name, exists.error());
    if (!*exists) return SQLITE_OK;
    if (flags != SQLITE_ACCESS_EXISTS) {
      *out = 1;
      return SQLITE_OK;
    }
    auto file = self.env().storage.open(name, OpenMode::read_write);
    if (!file.ok()) {
      if (file.error().code == Errc::not_found) return SQLITE_OK;
      return self.fail(SQLITE_IOERR_ACCESS, "access", name, file.error());
    }
    const Result<std::uint64_t> size = (*file)->size();
    if (!size.ok()) return self.fail(SQLITE_IOERR_ACCESS, "access", name, size.error());
    *out = *size > 0 ? 1 : 0;
    return SQLITE_OK;
  } catch (const std::bad_alloc&) {
    return SQLITE_IOERR_NOMEM;
  }
}

// Storage paths are already what SQLite needs: relative to the Storage's root, and stable.
int vfs_full_pathname(sqlite3_vfs* vfs, const char* name, int out_bytes, char* out) {
  const std::size_t length = std::strlen(name);
  if (length + 1 > static_cast<std::size_t>(out_bytes)) return SQLITE_CANTOPEN;
  const Status valid = validate_storage_path(name);
  if (!valid.ok()) return owner(vfs).fail(SQLITE_CANTOPEN, "name", name, valid.error());
  std::memcpy(out, name, length + 1);
  return SQLITE_OK;
}

// Extensions are never loaded: a shared library is code from outside the seam.
void* vfs_dl_open(sqlite3_vfs*, const char*) {
  return nullptr;
}
void vfs_dl_error(sqlite3_vfs*, int bytes, char* out) {
  sqlite3_snprintf(bytes, out, "extensions are not loaded through an Orrery VFS");
}
void (*vfs_dl_sym(sqlite3_vfs*, void*, const char*))(void) {
  return nullptr;
}
void vfs_dl_close(sqlite3_vfs*, void*) {
}

int vfs_randomness(sqlite3_vfs* vfs, int bytes, char* out) {
  Random& random = owner(vfs).env().random;
  for (int i = 0; i < bytes; i += 8) {
    const std::uint64_t word = random.next();
    std::memcpy(out + i, &word, static_cast<std::size_t>(std::min(8, bytes - i)));
  }
  return bytes;
}

// Nothing waits on a lock held by another process (one connection, exclusive locking), so a
// sleep is never needed; blocking here would stall the simulator's only thread.
int vfs_sleep(sqlite3_vfs* vfs, int microseconds) {
  ++owner(vfs).mutable_stats().sleeps;
  return microseconds;
}

int vfs_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  const auto since_epoch = owner(vfs).env().clock.wall_now().time_since_epoch();
  *out = unix_epoch_julian_ms +
         std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count();
  return SQLITE_OK;
}

int vfs_current_time(sqlite3_vfs* vfs, double* out) {
  sqlite3_int64 julian_ms = 0;
  vfs_current_time_int64(vfs, &julian_ms);
  *out = static_cast<double>(julian_ms) / 86400000.0;
  return SQLITE_OK;
}

int vfs_get_last_error(sqlite3_vfs*, int, char*) {
  return 0;
}

}  // namespace

EnvVfs::EnvVfs(std::string name, VfsEnv env)
    : name_(std::move(name)), env_(env), vfs_(std::make_unique<sqlite3_vfs>()) {
  *vfs_ = sqlite3_vfs{};
  vfs_->iVersion = 2;
  vfs_->szOsFile = vfs_file_size();
  vfs_->mxPathname = max_path_bytes;
  vfs_->zName = name_.c_str();
  vfs_->pAppData = this;
  vfs_->xOpen = vfs_open;
  vfs_->xDelete = vfs_delete;
  vfs_->xAccess = vfs_access;
  vfs_->xFullPathname = vfs_full_pathname;
  vfs_->xDlOpen = vfs_dl_open;
  vfs_->xDlError = vfs_dl_error;
  vfs_->xDlSym = vfs_dl_sym;
  vfs_->xDlClose = vfs_dl_close;
  vfs_->xRandomness = vfs_randomness;
  vfs_->xSleep = vfs_sleep;
  vfs_->xCurrentTime = vfs_current_time;
  vfs_->xGetLastError = vfs_get_last_error;
  vfs_->xCurrentTimeInt64 = vfs_current_time_int64;
}

Result<std::unique_ptr<EnvVfs>> EnvVfs::create(std::string name, VfsEnv env) {
  if (name.empty()) return make_error(Errc::invalid_argument, "a SQLite VFS needs a name");
  if (sqlite3_vfs_find(name.c_str()) != nullptr) {
    return make_error(Errc::already_exists,
                      fmt::format("SQLite VFS '{}' is already registered in this process: one "
                                  "database owner per name (is the database open twice?)",
                                  name));
  }
  std::unique_ptr<EnvVfs> vfs(new EnvVfs(std::move(name), env));
  // Never the default VFS: code that opens a database without naming ours must not reach a Env.
  const int rc = sqlite3_vfs_register(vfs->vfs_.get(), 0);  // orrery-lint: allow(sqlite) ours
  if (rc != SQLITE_OK) {
    return make_error(Errc::io_error, fmt::format("registering SQLite VFS '{}': {}", vfs->name_,
                                                  sqlite3_errstr(rc)));
  }
  vfs->registered_ = true;
  return vfs;
}

EnvVfs::~EnvVfs() {
  ORRERY_ASSERT(open_files_ == 0, "an EnvVfs destroyed while SQLite has files open on it");
  if (registered_) sqlite3_vfs_unregister(vfs_.get());  // orrery-lint: allow(sqlite) ours
}

std::string EnvVfs::vfs_name(std::string_view owner, std::string_view path) {
  return fmt::format("orrery:{}:{}", owner, path);
}

void EnvVfs::reseed_sqlite_prng() {
  // SQLite's PRNG is process-wide and reseeds itself from the *default* VFS (the OS) after a
  // reset, so a reset alone is not enough. PRNG_SEED makes the reseed draw from the given seed
  // instead; one draw initializes the state from it; then the state is saved, the test seed is
  // cleared (which resets the PRNG again) and the seeded state restored: SQLite is left seeded
  // from our Env and configured as before.
  //
  // Two nodes may open databases on two threads at once (production), and other connections
  // draw from the PRNG meanwhile (WAL salts). The whole sequence runs under an APP mutex, so two
  // reseeds never interleave (one node's seed state saved, the other's restored); SAVE and
  // RESTORE copy the PRNG's state without SQLite's own lock, so they also hold the PRNG's
  // mutex, which sqlite3_randomness takes itself (it is not recursive: not held around the
  // calls that draw or reset).
  const auto seed = static_cast<int>((env_.random.next() >> 33) | 1);
  sqlite3* const none = nullptr;
  unsigned char first = 0;
  sqlite3_mutex* const reseeding =
      sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_APP1);  // orrery-lint: allow(sqlite) one reseed
  sqlite3_mutex* const prng =
      sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_PRNG);  // orrery-lint: allow(sqlite) PRNG state
  sqlite3_mutex_enter(reseeding);
  sqlite3_test_control(SQLITE_TESTCTRL_PRNG_SEED, seed, none);  // orrery-lint: allow(sqlite) seed
  sqlite3_randomness(1, &first);  // orrery-lint: allow(sqlite) init from seed
  sqlite3_mutex_enter(prng);
  sqlite3_test_control(SQLITE_TESTCTRL_PRNG_SAVE);  // orrery-lint: allow(sqlite) keep the state
  sqlite3_mutex_leave(prng);
  sqlite3_test_control(SQLITE_TESTCTRL_PRNG_SEED, 0, none);  // orrery-lint: allow(sqlite) unseed
  sqlite3_mutex_enter(prng);
  sqlite3_test_control(SQLITE_TESTCTRL_PRNG_RESTORE);  // orrery-lint: allow(sqlite) seeded again
  sqlite3_mutex_leave(prng);
  sqlite3_mutex_leave(reseeding);
}

std::optional<Error> EnvVfs::take_last_error() noexcept {
  std::optional<Error> error = std::move(last_error_);
  last_error_.reset();
  return error;
}

int EnvVfs::fail(int sqlite_code, std::string_view operation, std::string_view path,
                 const Error& error) {
  ++stats_.io_errors;
  std::string message = fmt::format("{} {}: {}", operation, path, error.message);
  if (env_.log.threshold() <= LogLevel::warning) {
    env_.log.write(LogLevel::warning, "sqlite-vfs", fmt::format("{}: {}", name_, message));
  }
  last_error_ = Error{error.code, std::move(message)};
  return sqlite_code;
}

void EnvVfs::file_closed() noexcept {
  ORRERY_ASSERT(open_files_ > 0, "a VFS file closed twice");
  --open_files_;
}

bool EnvVfs::try_lock(std::string_view path, const void* holder) {
  auto found = lock_holders_.find(path);
  if (found == lock_holders_.end()) {
    lock_holders_.emplace(std::string(path), holder);
    return true;
  }
  return found->second == holder;
}

void EnvVfs::unlock(std::string_view path, const void* holder) {
  auto found = lock_holders_.find(path);
  if (found != lock_holders_.end() && found->second == holder) lock_holders_.erase(found);
}

bool EnvVfs::locked_by_other(std::string_view path, const void* holder) const {
  auto found = lock_holders_.find(path);
  return found != lock_holders_.end() && found->second != holder;
}

}  // namespace orrery::persistence::sqlite
