#pragma once
// SimDisk: a node's Storage in memory, with the failure model of a real disk. A write is durable
// only once its file is synced; on a crash each unsynced write (in order) is applied, lost, or
// torn (a prefix of it applied), and a file never synced may vanish altogether. Reads, writes
// and syncs fail with injected I/O errors at the configured rates, and each call stalls its node
// for the configured latency. The disk outlives its node's crashes: a restart finds what
// survived. Files opened before a crash refuse service afterwards.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
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

  void set_config(const DiskConfig& config) noexcept { config_ = config; }
  const DiskConfig& config() const noexcept { return config_; }

  /// Applies the crash model to every file and invalidates open files.
  void crash();

  struct Stats {
    std::uint64_t reads = 0;
    std::uint64_t writes = 0;
    std::uint64_t syncs = 0;
    std::uint64_t injected_errors = 0;
    std::uint64_t writes_lost = 0;  // on crashes
    std::uint64_t writes_torn = 0;
    std::uint64_t files_lost = 0;
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
  struct FileState {
    std::optional<std::string> durable;  // none: never synced
    std::string current;
    std::vector<Op> unsynced;
  };

  /// Draws an injected error for `op` (and stalls the node for the latency); ok or the error.
  Status io(const char* op, std::uint32_t error_ppm, std::string_view path);
  FileState* find(std::string_view path);

  World& world_;
  std::uint32_t node_;
  DiskConfig config_;
  SeededRandom random_;
  std::map<std::string, FileState, std::less<>> files_;
  std::uint64_t generation_ = 0;  // bumped by every crash
  Stats stats_;
};

}  // namespace orrery::sim
