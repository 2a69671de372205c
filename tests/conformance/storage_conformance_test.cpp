// Conformance of Storage and File: the same bodies run against every implementation in
// ORRERY_CONFORMANCE_FACTORIES (factories.hpp says what a factory provides). Each test starts
// from an empty storage.

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <orrery/env/storage.hpp>

#include "factories.hpp"

namespace {

using orrery::Errc;
using orrery::File;
using orrery::OpenMode;
using orrery::Storage;

std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

/// Reads up to `length` bytes at `offset` as a string; REQUIREs success.
std::string read_text(File& file, std::uint64_t offset, std::size_t length) {
  std::string out(length, '\0');
  auto read = file.read_at(offset, std::as_writable_bytes(std::span<char>(out.data(), length)));
  REQUIRE(read.ok());
  REQUIRE(*read <= length);
  out.resize(*read);
  return out;
}

std::unique_ptr<File> open_ok(Storage& storage, std::string_view path, OpenMode mode) {
  auto file = storage.open(path, mode);
  INFO(std::string(path) << ": " << (file.ok() ? std::string() : file.error().message));
  REQUIRE(file.ok());
  return std::move(file).value();
}

std::uint64_t size_of(File& file) {
  auto size = file.size();
  REQUIRE(size.ok());
  return *size;
}

std::vector<std::string> list_ok(Storage& storage, std::string_view prefix) {
  auto listed = storage.list(prefix);
  REQUIRE(listed.ok());
  return *listed;
}

}  // namespace

TEMPLATE_TEST_CASE("conformance: storage writes, reads back, extends, and reads short at the end",
                   "[conformance][storage]", ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  auto file = open_ok(parts.storage(), "data.bin", OpenMode::create);
  CHECK(size_of(*file) == 0);
  CHECK(read_text(*file, 0, 8).empty());

  REQUIRE(file->write_at(0, bytes_of("hello")).ok());
  CHECK(read_text(*file, 0, 5) == "hello");
  REQUIRE(file->write_at(5, bytes_of(" world")).ok());
  CHECK(size_of(*file) == 11);
  CHECK(read_text(*file, 0, 64) == "hello world");  // short only because the file ends
  CHECK(read_text(*file, 6, 3) == "wor");
  CHECK(read_text(*file, 11, 4).empty());
  CHECK(read_text(*file, 1000, 4).empty());

  // Overwrite in the middle, and write past the end: the gap reads as zeros.
  REQUIRE(file->write_at(0, bytes_of("J")).ok());
  REQUIRE(file->write_at(15, bytes_of("!")).ok());
  CHECK(size_of(*file) == 16);
  CHECK(read_text(*file, 0, 16) == std::string("Jello world") + std::string(4, '\0') + "!");
  CHECK(file->sync().ok());
}

TEMPLATE_TEST_CASE("conformance: storage data survives closing and reopening the file",
                   "[conformance][storage]", ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  {
    auto file = open_ok(parts.storage(), "journal/0001.log", OpenMode::create_exclusive);
    REQUIRE(file->write_at(0, bytes_of("event-1;event-2;")).ok());
    REQUIRE(file->sync().ok());
  }
  auto again = open_ok(parts.storage(), "journal/0001.log", OpenMode::read_write);
  CHECK(size_of(*again) == 16);
  CHECK(read_text(*again, 0, 16) == "event-1;event-2;");
  // create on an existing file opens it as it is; it does not truncate.
  auto created = open_ok(parts.storage(), "journal/0001.log", OpenMode::create);
  CHECK(size_of(*created) == 16);
}

TEMPLATE_TEST_CASE("conformance: storage truncate shrinks and grows a file",
                   "[conformance][storage]", ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  auto file = open_ok(parts.storage(), "snapshot", OpenMode::create);
  REQUIRE(file->write_at(0, bytes_of("0123456789")).ok());
  REQUIRE(file->truncate(4).ok());
  CHECK(size_of(*file) == 4);
  CHECK(read_text(*file, 0, 10) == "0123");
  REQUIRE(file->truncate(6).ok());
  CHECK(size_of(*file) == 6);
  CHECK(read_text(*file, 0, 10) == std::string("0123") + std::string(2, '\0'));
  REQUIRE(file->truncate(0).ok());
  CHECK(size_of(*file) == 0);
  CHECK(file->sync().ok());
}

TEMPLATE_TEST_CASE("conformance: storage open modes", "[conformance][storage]",
                   ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  Storage& storage = parts.storage();

  auto missing = storage.open("missing", OpenMode::read_write);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
  CHECK(storage.exists("missing").value() == false);  // a failed open creates nothing

  open_ok(storage, "first", OpenMode::create_exclusive);
  auto twice = storage.open("first", OpenMode::create_exclusive);
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().code == Errc::already_exists);

  open_ok(storage, "second", OpenMode::create);
  open_ok(storage, "second", OpenMode::create);
  open_ok(storage, "second", OpenMode::read_write);
  CHECK(list_ok(storage, "") == std::vector<std::string>{"first", "second"});
}

TEMPLATE_TEST_CASE("conformance: storage remove and exists", "[conformance][storage]",
                   ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  Storage& storage = parts.storage();
  CHECK(storage.exists("a/b").value() == false);
  open_ok(storage, "a/b", OpenMode::create);
  CHECK(storage.exists("a/b").value() == true);
  CHECK(storage.exists("a").value() == false);  // directories are implicit, not files

  REQUIRE(storage.remove("a/b").ok());
  CHECK(storage.exists("a/b").value() == false);
  auto again = storage.remove("a/b");
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == Errc::not_found);
  auto reopen = storage.open("a/b", OpenMode::read_write);
  REQUIRE_FALSE(reopen.ok());
  CHECK(reopen.error().code == Errc::not_found);
  CHECK(list_ok(storage, "").empty());
}

TEMPLATE_TEST_CASE("conformance: storage list is recursive, sorted and filtered by prefix",
                   "[conformance][storage]", ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  Storage& storage = parts.storage();
  for (const char* path : {"b", "a/2", "ab", "a/1", "c/d/e", "c/d/f", "journal-10", "journal-9"}) {
    open_ok(storage, path, OpenMode::create_exclusive);
  }
  using Paths = std::vector<std::string>;
  // Bytewise order: '/' sorts before letters and digits.
  CHECK(list_ok(storage, "") ==
        Paths{"a/1", "a/2", "ab", "b", "c/d/e", "c/d/f", "journal-10", "journal-9"});
  CHECK(list_ok(storage, "a") == Paths{"a/1", "a/2", "ab"});
  CHECK(list_ok(storage, "a/") == Paths{"a/1", "a/2"});
  CHECK(list_ok(storage, "c/d/") == Paths{"c/d/e", "c/d/f"});
  CHECK(list_ok(storage, "c/d/f") == Paths{"c/d/f"});
  CHECK(list_ok(storage, "journal-") == Paths{"journal-10", "journal-9"});
  CHECK(list_ok(storage, "zz").empty());
  CHECK(list_ok(storage, "c/d/e/").empty());
}

TEMPLATE_TEST_CASE("conformance: storage rejects invalid paths", "[conformance][storage]",
                   ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  Storage& storage = parts.storage();
  open_ok(storage, "a/b", OpenMode::create);
  for (const char* path : {"", "/abs", "/a/b", "..", "../x", "a/../b", "a/..", "a//b", "a/", "/",
                           ".", "./a", "a/./b"}) {
    INFO("path '" << path << "'");
    for (const OpenMode mode :
         {OpenMode::read_write, OpenMode::create, OpenMode::create_exclusive}) {
      auto opened = storage.open(path, mode);
      REQUIRE_FALSE(opened.ok());
      CHECK(opened.error().code == Errc::invalid_argument);
    }
    auto removed = storage.remove(path);
    REQUIRE_FALSE(removed.ok());
    CHECK(removed.error().code == Errc::invalid_argument);
    auto exists = storage.exists(path);
    REQUIRE_FALSE(exists.ok());
    CHECK(exists.error().code == Errc::invalid_argument);
  }
  CHECK(list_ok(storage, "") == std::vector<std::string>{"a/b"});
}

TEMPLATE_TEST_CASE("conformance: storage rename replaces atomically and open files keep working",
                   "[conformance][storage]", ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  Storage& storage = parts.storage();
  auto source = open_ok(storage, "tmp/next", OpenMode::create);
  REQUIRE(source->write_at(0, bytes_of("new")).ok());
  auto target = open_ok(storage, "current", OpenMode::create);
  REQUIRE(target->write_at(0, bytes_of("old!")).ok());

  REQUIRE(storage.rename("tmp/next", "current").ok());
  CHECK(storage.exists("tmp/next").value() == false);
  CHECK(list_ok(storage, "") == std::vector<std::string>{"current"});
  auto reopened = open_ok(storage, "current", OpenMode::read_write);
  CHECK(read_text(*reopened, 0, 16) == "new");
  // A handle opened by the old name writes to the renamed file; the replaced one still reads.
  REQUIRE(source->write_at(3, bytes_of("er")).ok());
  CHECK(read_text(*reopened, 0, 16) == "newer");
  CHECK(read_text(*target, 0, 16) == "old!");

  // Into a directory that does not exist yet; renaming a file onto itself changes nothing.
  REQUIRE(storage.rename("current", "archive/2026/current").ok());
  CHECK(list_ok(storage, "") == std::vector<std::string>{"archive/2026/current"});
  REQUIRE(storage.rename("archive/2026/current", "archive/2026/current").ok());
  CHECK(list_ok(storage, "") == std::vector<std::string>{"archive/2026/current"});

  auto missing = storage.rename("nothing", "else");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
  CHECK(storage.exists("else").value() == false);
  for (const char* bad : {"", "/abs", "../x", "a//b", "a/"}) {
    INFO("path '" << bad << "'");
    auto from_bad = storage.rename(bad, "x");
    REQUIRE_FALSE(from_bad.ok());
    CHECK(from_bad.error().code == Errc::invalid_argument);
    auto to_bad = storage.rename("archive/2026/current", bad);
    REQUIRE_FALSE(to_bad.ok());
    CHECK(to_bad.error().code == Errc::invalid_argument);
  }
  CHECK(list_ok(storage, "") == std::vector<std::string>{"archive/2026/current"});
}

TEMPLATE_TEST_CASE("conformance: storage syncs the root and directories files were made in",
                   "[conformance][storage]", ORRERY_CONFORMANCE_FACTORIES) {
  TestType parts;
  Storage& storage = parts.storage();
  CHECK(storage.sync_directory("").ok());  // the root
  open_ok(storage, "journal/segments/0001", OpenMode::create);
  CHECK(storage.sync_directory("journal/segments").ok());
  CHECK(storage.sync_directory("journal").ok());
  REQUIRE(storage.rename("journal/segments/0001", "snapshots/0001").ok());
  CHECK(storage.sync_directory("snapshots").ok());
  // A directory stays after its last file goes (directories are implicit but not removed).
  REQUIRE(storage.remove("snapshots/0001").ok());
  CHECK(storage.sync_directory("snapshots").ok());

  auto missing = storage.sync_directory("never/made");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
  for (const char* bad : {"/abs", "../x", "a//b", "journal/", "."}) {
    INFO("directory '" << bad << "'");
    auto synced = storage.sync_directory(bad);
    REQUIRE_FALSE(synced.ok());
    CHECK(synced.error().code == Errc::invalid_argument);
  }
}
