#pragma once
// EnvVfs: a SQLite VFS over one node's Env, so that SQLite runs unchanged on the real filesystem
// (PosixStorage) and on the simulator's SimDisk. Every file operation goes to Env::storage,
// xSync to File::sync (and the directory where the unix VFS would sync it), xRandomness to
// Env::random, xCurrentTime to Clock::wall_now, and xSleep never sleeps (it is counted: with one
// connection per database in exclusive locking mode nothing should wait).
//
// SQLite keeps its VFS list process-wide, so each database owner registers its own EnvVfs under
// a deterministic name (vfs_name(owner, path)), refused when the name is taken, and unregisters
// it on destruction. It is never the default VFS, and nothing here calls sqlite3_config.
//
// Files SQLite opens without a name (temporary tables, sort spills) live in memory. The io
// methods are version 1 (no shared memory): open databases in exclusive locking mode, then WAL
// keeps its index on the heap (Database does this).
//
// A failed sync poisons its file (fsyncgate): every later read, write or sync of it fails, so the
// connection cannot go on as if its writes were durable; close and reopen the database, which
// recovers from what the disk really holds.
//
// Not thread-safe: one owner drives it (the store's serial worker), as for the Storage files.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <orrery/core/result.hpp>
#include <orrery/env/env.hpp>

struct sqlite3_vfs;

namespace orrery::persistence::sqlite {

/// The parts of an Env the VFS uses; all must outlive it.
struct VfsEnv {
  Storage& storage;
  Clock& clock;
  Random& random;
  LogSink& log;
  static VfsEnv from(Env& env) noexcept { return {env.storage, env.clock, env.random, env.log}; }
};

class EnvVfs {
 public:
  /// Registers a VFS named `name` over `env`. already_exists when SQLite knows the name.
  static Result<std::unique_ptr<EnvVfs>> create(std::string name, VfsEnv env);
  /// Unregisters the VFS. Every database opened over it must be closed first.
  ~EnvVfs();
  EnvVfs(const EnvVfs&) = delete;
  EnvVfs& operator=(const EnvVfs&) = delete;

  /// "orrery:<owner>:<path>": the deterministic name of the VFS of `owner`'s database at `path`
  /// (owner: the actor system's name and address, say).
  static std::string vfs_name(std::string_view owner, std::string_view path);

  const std::string& name() const noexcept { return name_; }
  VfsEnv& env() noexcept { return env_; }

  /// Reseeds SQLite's process-wide PRNG (WAL salts, journal nonces, randomblob) from the Env's
  /// Random, leaving no test seed behind in SQLite's configuration. Call it when a database
  /// opens: a run then never depends on what an earlier run in the process drew.
  void reseed_sqlite_prng();

  struct Stats {
    std::uint64_t opens = 0;
    std::uint64_t reads = 0;
    std::uint64_t writes = 0;
    std::uint64_t syncs = 0;
    std::uint64_t directory_syncs = 0;
    std::uint64_t short_reads = 0;
    std::uint64_t io_errors = 0;
    std::uint64_t sleeps = 0;  // xSleep calls, which never sleep
    std::uint64_t memory_files = 0;
  };
  const Stats& stats() const noexcept { return stats_; }
  /// Files open now (databases, journals, WALs, memory files).
  std::uint32_t open_files() const noexcept { return open_files_; }

  /// The newest Storage error the VFS turned into a SQLite error, for error messages (SQLite
  /// keeps only its own code). Cleared by take_last_error().
  std::optional<Error> take_last_error() noexcept;

  // ---- for the VFS's io methods (persistence/src/sqlite) ----
  /// Records a Storage error of `operation` on `path` and logs it; returns `sqlite_code`.
  int fail(int sqlite_code, std::string_view operation, std::string_view path, const Error& error);
  Stats& mutable_stats() noexcept { return stats_; }
  void file_opened() noexcept { ++open_files_; }
  void file_closed() noexcept;
  /// Locking between the files of this VFS: one file at a time holds a lock on a path.
  bool try_lock(std::string_view path, const void* holder);
  void unlock(std::string_view path, const void* holder);
  bool locked_by_other(std::string_view path, const void* holder) const;

 private:
  EnvVfs(std::string name, VfsEnv env);

  std::string name_;
  VfsEnv env_;
  std::unique_ptr<sqlite3_vfs> vfs_;
  bool registered_ = false;
  Stats stats_;
  std::uint32_t open_files_ = 0;
  std::optional<Error> last_error_;
  std::map<std::string, const void*, std::less<>> lock_holders_;
};

}  // namespace orrery::persistence::sqlite
