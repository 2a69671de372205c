#pragma once
// The production Env for orrery-bench's nodes: ProductionEnv with the benchmark's worker count,
// errors-only logging, and a scratch storage root that is removed with the node.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <orrery/env/production/production_env.hpp>

namespace orrery::bench {

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class ScratchDirectory {
 public:
  ScratchDirectory();
  ~ScratchDirectory();
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

struct BenchEnvConfig {
  std::uint32_t workers = 2;
  /// None: a null transport (the local benchmarks).
  std::optional<GrpcTransportConfig> transport;
  /// Idle workers park at once instead of spinning first (ThreadPoolConfig::spin_before_park
  /// 0). The persistence benchmarks set it: with the default spin, on this loaded two-core
  /// machine, most runs of journal.persist fell into a mode where one worker stayed parked and
  /// every transaction held one write (see tools/bench/README.md).
  bool park_at_once = false;
  /// An existing directory to use as the storage root (the caller keeps and removes it); empty:
  /// a fresh scratch directory, removed with the env.
  std::string storage_root;
};

/// A ProductionEnv and its scratch storage root; asserts that the env could be created.
class BenchEnv {
 public:
  explicit BenchEnv(BenchEnvConfig config);
  Env& env() noexcept { return production_->env(); }
  ProductionEnv& production() noexcept { return *production_; }
  /// The storage root: the given directory or the scratch one.
  const std::string& storage_root() const noexcept { return root_; }

 private:
  ScratchDirectory storage_root_;
  std::string root_;
  std::unique_ptr<ProductionEnv> production_;
};

}  // namespace orrery::bench
