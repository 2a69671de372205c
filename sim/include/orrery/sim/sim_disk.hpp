#pragma once
// SimDisk: a node's Storage in memory, with the failure model of a Linux disk.
//
// Contents: a write is durable only once its file is synced; on a crash each unsynced write (in
// order) is applied, lost, or torn (a prefix of it applied). A sync that fails drops the file's
// dirty pages (fsyncgate): per the seed the unsynced writes are discarded (reads show the
// durable contents again) or kept in memory but never written, and the error is reported once:
// a later successful sync does not make them durable.
//
// Names: creating, removing and renaming a file are entries of a metadata journal, durable once
// a sync of a directory they touch commits the journal up to them (a file's sync commits its own
// creation). A crash keeps a prefix of the uncommitted entries, each whole: a removed file may
// come back, a rename shows the old or the new state of both names, never a mix, and a file
// never synced nor committed may vanish.
//
// Reads, writes and syncs fail with injected I/O errors at the configured rates, and each call
// stalls its node for the configured latency. The disk outlives its node's crashes: a restart
// finds what survived. Files opened before a crash refuse service afterwards.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <orrery/env/random.hpp>
#include <orrery/env/storage.hpp>
#include <orrery/sim/config.hpp>

namespace orrery::sim {

class World;

class SimDisk final : public Storage {
 public:
  SimDisk(World& world, std::uint32_t node, DiskConfig config, std::uint64_t seed);
  ~SimDisk() override;

  Result<std::unique_ptr<File>> open(std::string_view path, OpenMode mode) override;
  Status remove(std::string_view path) override;
  Result<bool> exists(std::string_view path) override;
  Result<std::vector<std::string>> list(std::string_view prefix) override;
  Status rename(std::string_view from, std::string_view to) override;
  Status sync_directory(std::string_view directory) override;

  void set_config(const DiskConfig& config) noexcept { config_ = config; }
  const DiskConfig& config() const noexcept { return config_; }

  /// Applies the crash model to every file and name, and invalidates open files.
  void crash();

  struct Stats {
    std::uint64_t reads = 0;
    std::uint64_t writes = 0;
    std::uint64_t syncs = 0;
    std::uint64_t injected_errors = 0;
    std::uint64_t writes_lost = 0;  // on crashes
    std::uint64_t writes_torn = 0;
    std::uint64_t files_lost = 0;      // names gone (or back to an older file) after a crash
    std::uint64_t names_reverted = 0;  // uncommitted name changes a crash undid
    std::uint64_t writes_dropped = 0;  // unsynced writes a failed sync will never flush
  };
  const Stats& stats() const noexcept { return stats_; }
  /// What a file holds now, and what would survive a crash for sure (tests and tools).
  std::optional<std::string> contents(std::string_view path) const;
  std::optional<std::string> durable_contents(std::string_view path) const;

 private:
  class SimFile;
  friend class SimFile;
  struct Op {
    std::uint64_t offset;  // write: where; truncate: the new size
    std::string data;      // write: the bytes
    bool truncate = false;
  };
  /// A file's contents, whatever names it has (POSIX's inode).
  struct Inode {
    std::optional<std::string> durable;  // none: never synced
    std::string current;
    std::vector<Op> unsynced;
    std::uint32_t open_files = 0;
  };
  /// One journal entry: names set (to an inode) or cleared (none) together, atomically.
  struct NameChange {
    std::vector<std::pair<std::string, std::optional<std::uint64_t>>> names;
    std::vector<std::string> directories;  // the directories it changes
  };
  using Names = std::map<std::string, std::uint64_t, std::less<>>;

  /// Draws an injected error for `op` (and stalls the node for the latency); ok or the error.
  Status io(const char* op, std::uint32_t error_ppm, std::string_view path);
  Inode* inode(std::uint64_t number);
  const Inode* find(std::string_view path) const;
  void journal(NameChange change);
  /// Commits the journal's first `count` entries to the durable names.
  void commit(std::size_t count);
  /// Commits the journal up to the entry that first named `number`, if still pending.
  void commit_creation(std::uint64_t number);
  /// Forgets an inode no name, journal entry or open file refers to.
  void collect(std::uint64_t number);
  void note_directories(std::string_view path);
  /// A failed sync of `number`: its dirty pages are dropped or kept unflushed, per the seed.
  std::string fail_sync(Inode& state);
  /// The crash model for one inode's contents.
  void crash_contents(Inode& state, std::uint64_t& lost, std::uint64_t& torn);

  World& world_;
  std::uint32_t node_;
  DiskConfig config_;
  SeededRandom random_;
  std::map<std::uint64_t, Inode> inodes_;
  Names names_;          // the namespace as the node sees it
  Names durable_names_;  // what a crash keeps for sure
  std::vector<NameChange> journal_;
  std::set<std::string, std::less<>> directories_{""};  // ever created; never removed
  std::uint64_t next_inode_ = 1;
  std::uint64_t generation_ = 0;  // bumped by every crash
  Stats stats_;
  // Expires with the disk, so that a file that outlives it refuses service instead of reaching
  // into freed memory.
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
};

}  // namespace orrery::sim
