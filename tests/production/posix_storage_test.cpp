// PosixStorage beyond the shared contract: errors that name the full path and strerror, a
// root created with its parents, paths that meet directories, and what lands on disk.

#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <orrery/env/production/posix_storage.hpp>

#include "conformance/production_factories.hpp"

namespace {

using orrery::Errc;
using orrery::OpenMode;
using orrery::PosixStorage;
using orrery::conformance::TemporaryDirectory;

std::unique_ptr<PosixStorage> open_root(const std::string& root) {
  auto storage = PosixStorage::open_root(root);
  REQUIRE(storage.ok());
  return std::move(storage).value();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("posix storage: the root is created with its parents", "[production][storage]") {
  TemporaryDirectory directory;
  const std::string root = directory.path() + "/one/two/three";
  auto storage = open_root(root);
  CHECK(std::filesystem::is_directory(root));
  CHECK(storage->root() == root);
  auto file = storage->open("x/y", OpenMode::create);
  REQUIRE(file.ok());
  CHECK(std::filesystem::is_regular_file(root + "/x/y"));
}

TEST_CASE("posix storage: errors name the operation, the full path and strerror",
          "[production][storage]") {
  TemporaryDirectory directory;
  auto storage = open_root(directory.path());
  auto missing = storage->open("journal/missing.log", OpenMode::read_write);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
  const std::string& message = missing.error().message;
  INFO(message);
  CHECK(contains(message, "open"));
  CHECK(contains(message, directory.path() + "/journal/missing.log"));
  CHECK(contains(message, "No such file or directory"));

  REQUIRE(storage->open("taken", OpenMode::create).ok());
  auto taken = storage->open("taken", OpenMode::create_exclusive);
  REQUIRE_FALSE(taken.ok());
  INFO(taken.error().message);
  CHECK(contains(taken.error().message, directory.path() + "/taken"));
  CHECK(contains(taken.error().message, "File exists"));
}

TEST_CASE("posix storage: a root that is a file is an error naming it", "[production][storage]") {
  TemporaryDirectory directory;
  const std::string root = directory.path() + "/plain-file";
  { auto file = open_root(directory.path())->open("plain-file", OpenMode::create); }
  auto storage = PosixStorage::open_root(root);
  REQUIRE_FALSE(storage.ok());
  INFO(storage.error().message);
  CHECK(contains(storage.error().message, root));
}

TEST_CASE("posix storage: paths that meet directories or files", "[production][storage]") {
  TemporaryDirectory directory;
  auto storage = open_root(directory.path());
  REQUIRE(storage->open("dir/file", OpenMode::create).ok());
  // "dir" is a directory: not a file to open, remove or report.
  for (const OpenMode mode : {OpenMode::read_write, OpenMode::create}) {
    auto opened = storage->open("dir", mode);
    REQUIRE_FALSE(opened.ok());
    CHECK(contains(opened.error().message, directory.path() + "/dir"));
  }
  CHECK_FALSE(storage->remove("dir").ok());
  CHECK(storage->exists("dir").value() == false);
  // "dir/file" is a file: nothing can live beneath it.
  auto below = storage->open("dir/file/inner", OpenMode::create);
  REQUIRE_FALSE(below.ok());
  CHECK(storage->exists("dir/file/inner").value() == false);
  // Removing the last file leaves its directory (implicit directories are never listed).
  REQUIRE(storage->remove("dir/file").ok());
  CHECK(std::filesystem::is_directory(directory.path() + "/dir"));
  CHECK(storage->list("").value().empty());
}

TEST_CASE("posix storage: list skips what is not a regular file", "[production][storage]") {
  TemporaryDirectory directory;
  auto storage = open_root(directory.path());
  REQUIRE(storage->open("real", OpenMode::create).ok());
  std::filesystem::create_symlink(directory.path() + "/real", directory.path() + "/link");
  std::filesystem::create_directories(directory.path() + "/empty/deeper");
  REQUIRE(::mkfifo((directory.path() + "/fifo").c_str(), 0600) == 0);
  CHECK(storage->list("").value() == std::vector<std::string>{"real"});
  auto fifo = storage->open("fifo", OpenMode::read_write);
  REQUIRE_FALSE(fifo.ok());
  CHECK(contains(fifo.error().message, "not a regular file"));
}

TEST_CASE("posix storage: writes land in the real file", "[production][storage]") {
  TemporaryDirectory directory;
  auto storage = open_root(directory.path());
  auto file = storage->open("snapshots/s1", OpenMode::create_exclusive);
  REQUIRE(file.ok());
  const std::string text = "snapshot bytes";
  REQUIRE(
      (*file)->write_at(0, std::as_bytes(std::span<const char>(text.data(), text.size()))).ok());
  REQUIRE((*file)->sync().ok());
  CHECK(std::filesystem::file_size(directory.path() + "/snapshots/s1") == text.size());
  // A large write goes through whole (pwrite may transfer less per call).
  const std::string large(8u << 20, 'z');
  REQUIRE(
      (*file)->write_at(1, std::as_bytes(std::span<const char>(large.data(), large.size()))).ok());
  CHECK((*file)->size().value() == large.size() + 1);
  std::string back(large.size(), '\0');
  auto read =
      (*file)->read_at(1, std::as_writable_bytes(std::span<char>(back.data(), back.size())));
  REQUIRE(read.ok());
  CHECK(*read == large.size());
  CHECK(back == large);
}
