#pragma once
// Seeds for tests: a test sweeps a range of seeds, or exactly the one given in the environment
// (ORRERY_SEED), and every failure prints the seed and the command that replays it.
//
//   for (std::uint64_t seed : test_seeds(20)) {
//     ORRERY_SEED_INFO(seed);          // Catch2: printed with any failure below
//     World world(seed);
//     ...
//   }
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace orrery {

/// The seed the environment asks for (ORRERY_SEED, decimal or 0x-hex), if any.
inline bool seed_from_environment(std::uint64_t& seed) {
  // The environment picks which seed a test runs, before any World exists; it never changes what
  // a seeded run does, so replay holds.
  const char* text = std::getenv("ORRERY_SEED");  // orrery-lint: allow(environment) test input
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  seed = std::strtoull(text, &end, 0);
  return end != nullptr && *end == '\0';
}

/// `count` seeds from `first` on, or only ORRERY_SEED when it is set. ORRERY_SEEDS=N widens
/// the sweep (a long local run) without touching the test.
inline std::vector<std::uint64_t> test_seeds(std::uint64_t count, std::uint64_t first = 1) {
  std::uint64_t seed = 0;
  if (seed_from_environment(seed)) return {seed};
  const char* wider = std::getenv("ORRERY_SEEDS");  // orrery-lint: allow(environment) test input
  if (wider != nullptr && *wider != '\0') {
    count = std::strtoull(wider, nullptr, 0);
  }
  std::vector<std::uint64_t> seeds;
  for (std::uint64_t i = 0; i < count; ++i)
    seeds.push_back(first + i);
  return seeds;
}

/// The command that replays one seed of the running Catch2 test.
std::string replay_command(std::uint64_t seed, const std::string& test_name);

}  // namespace orrery

/// Inside a Catch2 test: attaches "seed S; replay: ORRERY_SEED=S <binary> '<test>'" to every
/// failure in the enclosing scope. Requires <catch2/catch.hpp> included first.
#define ORRERY_SEED_INFO(seed) \
  INFO(::orrery::replay_command((seed), ::Catch::getResultCapture().getCurrentTestName()))
