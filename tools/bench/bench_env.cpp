// BenchEnv: a ProductionEnv over a scratch directory.
#include "bench_env.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include <orrery/core/assert.hpp>

namespace orrery::bench {

ScratchDirectory::ScratchDirectory() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/orrery-bench-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  ORRERY_ASSERT(mkdtemp(buffer.data()) != nullptr,
                "orrery-bench could not make a scratch directory");
  path_ = buffer.data();
}

ScratchDirectory::~ScratchDirectory() {
  std::error_code ignored;  // a leftover scratch directory is no reason to fail a benchmark
  std::filesystem::remove_all(path_, ignored);
}

BenchEnv::BenchEnv(BenchEnvConfig config) {
  ProductionConfig production;
  production.executor.workers = config.workers;
  if (config.park_at_once) production.executor.spin_before_park = std::chrono::nanoseconds(0);
  root_ = config.storage_root.empty() ? storage_root_.path() : config.storage_root;
  production.storage_root = root_;
  production.log_threshold = LogLevel::error;
  production.transport = std::move(config.transport);
  auto created = ProductionEnv::create(std::move(production));
  if (!created.ok()) std::fprintf(stderr, "orrery-bench: %s\n", created.error().message.c_str());
  ORRERY_ASSERT(created.ok(), "orrery-bench could not create its production env");
  production_ = std::move(created).value();
}

}  // namespace orrery::bench
