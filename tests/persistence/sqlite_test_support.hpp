#pragma once
// Helpers for the SQLite tests: a temporary directory on the real filesystem, a node-less Env
// over PosixStorage, export of a SimDisk's files to real files, and checks with plain sqlite3
// (the default VFS, as an operator's tools would open the files).

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdlib.h>
#include <string>
#include <support/manual_env.hpp>
#include <vector>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <orrery/env/production/posix_storage.hpp>
#include <orrery/persistence/sqlite/database.hpp>
#include <orrery/persistence/sqlite/env_vfs.hpp>
#include <orrery/sim/sim_disk.hpp>

namespace orrery::persistence::sqlite::test {

/// A fresh directory under the system's temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "orrery-sqlite-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// The parts a VFS needs on the real filesystem: PosixStorage under a temporary directory, a
/// manual clock, a seeded Random and a log that keeps its lines.
struct PosixParts {
  explicit PosixParts(std::uint64_t seed = 1) : random(seed) {
    auto opened = PosixStorage::open_root(dir.path().string());
    REQUIRE(opened.ok());
    storage = std::move(*opened);
  }
  VfsEnv vfs_env() { return VfsEnv{*storage, clock, random, log}; }
  TempDir dir;
  std::unique_ptr<PosixStorage> storage;
  orrery::test::ManualClock clock;
  SeededRandom random;
  orrery::test::CapturingLog log;
};

inline std::unique_ptr<EnvVfs> make_vfs(std::string name, VfsEnv env) {
  auto vfs = EnvVfs::create(std::move(name), env);
  REQUIRE(vfs.ok());
  return std::move(*vfs);
}

inline std::unique_ptr<Database> open_database(EnvVfs& vfs, std::string path,
                                               DatabaseOptions options = {}) {
  auto database = Database::open(vfs, std::move(path), options);
  if (!database.ok()) FAIL(database.error().message);
  return std::move(*database);
}

/// The single text or number a query returns (or "" for no row).
inline std::string query_one(Database& database, std::string_view sql) {
  auto statement = database.prepare(sql);
  REQUIRE(statement.ok());
  auto row = statement->step();
  if (!row.ok()) FAIL(row.error().message);
  return *row ? std::string(statement->column_text(0)) : std::string();
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Writes every file the disk holds now to real files under `dir`; returns their paths.
inline std::vector<std::string> export_disk(sim::SimDisk& disk, const std::filesystem::path& dir) {
  auto paths = disk.list("");
  REQUIRE(paths.ok());
  for (const std::string& path : *paths) {
    auto contents = disk.contents(path);
    REQUIRE(contents);
    write_file(dir / path, *contents);
  }
  return *paths;
}

/// PRAGMA integrity_check of a real file through plain sqlite3 (the default VFS).
inline std::string plain_integrity_check(const std::filesystem::path& path) {
  sqlite3* handle = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr);
  std::string result;
  if (rc != SQLITE_OK) {
    result = std::string("open failed: ") + sqlite3_errstr(rc);
  } else {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(handle, "PRAGMA integrity_check", -1, &statement, nullptr) !=
        SQLITE_OK) {
      result = std::string("prepare failed: ") + sqlite3_errmsg(handle);
    } else {
      while (sqlite3_step(statement) == SQLITE_ROW) {
        result += reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
      }
      if (result.empty()) result = std::string("failed: ") + sqlite3_errmsg(handle);
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close_v2(handle);
  return result;
}

}  // namespace orrery::persistence::sqlite::test
