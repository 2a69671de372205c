// SimDisk's Linux failure model: a failed sync drops dirty pages for good (fsyncgate); removes
// and renames are durable only after a sync of their directory, and a crash before it leaves the
// old or the new state of every name, never a mix.
#include <catch2/catch.hpp>

#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>
#include <orrery/testkit/seeds.hpp>

namespace orrery::sim {
namespace {

using namespace std::chrono_literals;

std::span<const std::byte> bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

std::string read_all(File& file) {
  std::string out(static_cast<std::size_t>(file.size().value()), '\0');
  auto got = file.read_at(0, std::as_writable_bytes(std::span(out.data(), out.size())));
  REQUIRE(got.ok());
  out.resize(*got);
  return out;
}

/// Creates `path` holding `text`, synced (contents and name durable).
void write_synced(Storage& storage, std::string_view path, std::string_view text) {
  auto file = storage.open(path, OpenMode::create);
  REQUIRE(file.ok());
  REQUIRE((*file)->truncate(0).ok());
  REQUIRE((*file)->write_at(0, bytes(text)).ok());
  REQUIRE((*file)->sync().ok());
}

/// What `path` holds after a crash and restart of `node`, or none when it is gone.
std::optional<std::string> read_back(Node& node, std::string_view path) {
  auto file = node.env().storage.open(path, OpenMode::read_write);
  if (!file.ok()) {
    REQUIRE(file.error().code == Errc::not_found);
    return std::nullopt;
  }
  return read_all(**file);
}

void crash_and_restart(World& world, Node& node) {
  world.crash(node);
  world.restart(node);
}

TEST_CASE(
    "fsyncgate - after a failed sync a later successful sync does not make the writes "
    "durable",
    "[disk][crash]") {
  int discarded = 0;
  int kept_unflushed = 0;
  for (std::uint64_t seed : test_seeds(24)) {
    ORRERY_SEED_INFO(seed);
    World world(seed);
    Node& a = world.add_node("a", {.remoting = false});
    write_synced(a.env().storage, "wal", "durable");
    {
      auto file = a.env().storage.open("wal", OpenMode::read_write);
      REQUIRE(file.ok());
      REQUIRE((*file)->write_at(7, bytes("+lost")).ok());
      a.disk().set_config(DiskConfig{.sync_error_ppm = 1'000'000});
      const Status failed = (*file)->sync();
      a.disk().set_config(DiskConfig{});
      REQUIRE(failed.error().code == Errc::io_error);
      const std::string& why = failed.error().message;
      // Dropped from the cache (reads show the disk again) or kept in it, never written.
      if (why.find("discarded") != std::string::npos) {
        ++discarded;
        CHECK(read_all(**file) == "durable");
      } else {
        REQUIRE_THAT(why, Catch::Contains("will never be durable"));
        ++kept_unflushed;
        CHECK(read_all(**file) == "durable+lost");
      }
      // The error is reported once: the next sync succeeds, and flushes nothing of before.
      REQUIRE((*file)->sync().ok());
      REQUIRE(a.disk().durable_contents("wal") == "durable");
    }
    crash_and_restart(world, a);
    CHECK(read_back(a, "wal") == "durable");
  }
  if (test_seeds(24).size() > 1) {
    CHECK(discarded > 0);
    CHECK(kept_unflushed > 0);
  }
}

TEST_CASE("a removed file may come back after a crash until its directory is synced",
          "[disk][crash]") {
  int came_back = 0;
  int stayed_gone = 0;
  for (std::uint64_t seed : test_seeds(24)) {
    ORRERY_SEED_INFO(seed);
    World world(seed);
    Node& a = world.add_node("a", {.remoting = false});
    Storage& storage = a.env().storage;
    write_synced(storage, "snap/1", "one");
    write_synced(storage, "snap/2", "two");
    REQUIRE(storage.remove("snap/1").ok());
    REQUIRE(storage.remove("snap/2").ok());
    REQUIRE(storage.sync_directory("snap").ok());  // commits both removes
    write_synced(storage, "log", "x");
    REQUIRE(storage.remove("log").ok());
    REQUIRE_FALSE(storage.exists("log").value());
    crash_and_restart(world, a);
    const auto log = read_back(a, "log");
    if (log) {
      CHECK(*log == "x");
      ++came_back;
    } else {
      ++stayed_gone;
    }
    CHECK_FALSE(read_back(a, "snap/1"));
    CHECK_FALSE(read_back(a, "snap/2"));
  }
  if (test_seeds(24).size() > 1) {
    CHECK(came_back > 0);
    CHECK(stayed_gone > 0);
  }
}

TEST_CASE("a crash before the directory sync leaves a rename done or undone, never torn",
          "[disk][crash]") {
  int undone = 0;
  int done = 0;
  for (std::uint64_t seed : test_seeds(24)) {
    ORRERY_SEED_INFO(seed);
    World world(seed);
    Node& a = world.add_node("a", {.remoting = false});
    Storage& storage = a.env().storage;
    write_synced(storage, "state", "old");
    write_synced(storage, "tmp/state", "new");
    REQUIRE(storage.rename("tmp/state", "state").ok());
    crash_and_restart(world, a);
    const auto current = read_back(a, "state");
    const auto temporary = read_back(a, "tmp/state");
    REQUIRE(current);  // replaced atomically: "state" always names one whole file
    if (*current == "old") {
      CHECK(temporary == "new");
      ++undone;
    } else {
      CHECK(*current == "new");
      CHECK_FALSE(temporary);
      ++done;
    }
    // Synced, the rename survives every crash.
    write_synced(storage, "tmp/state", "newer");
    REQUIRE(storage.rename("tmp/state", "state").ok());
    REQUIRE(storage.sync_directory("").ok());
    crash_and_restart(world, a);
    CHECK(read_back(a, "state") == "newer");
    CHECK_FALSE(read_back(a, "tmp/state"));
  }
  if (test_seeds(24).size() > 1) {
    CHECK(undone > 0);
    CHECK(done > 0);
  }
}

}  // namespace
}  // namespace orrery::sim
