#pragma once
// The io methods of EnvVfs's files: a Storage file, or a memory file for the files SQLite opens
// without a name. Private to the VFS.

struct sqlite3_file;

namespace orrery::persistence::sqlite {

class EnvVfs;

/// sqlite3_vfs::szOsFile for EnvVfs.
int vfs_file_size() noexcept;

/// xOpen: opens `name` (null: a memory file) into `out`, whose pMethods stays null on failure.
int open_vfs_file(EnvVfs& vfs, const char* name, sqlite3_file* out, int flags, int* out_flags);

}  // namespace orrery::persistence::sqlite
