#pragma once
// OsRandom: the production Random. Seeded once from the operating system (getrandom), then a
// xoshiro256** stream behind a spin lock: a draw costs one uncontended lock and a few shifts.
// Each instance draws its own seed, so two nodes in one process get different streams.

#include <cstdint>

#include <orrery/core/prng.hpp>
#include <orrery/core/spin_lock.hpp>
#include <orrery/env/random.hpp>

namespace orrery {

class OsRandom final : public Random {
 public:
  /// Seeds from getrandom(2), falling back to std::random_device where the call is missing.
  OsRandom();
  /// Thread-safe.
  std::uint64_t next() override;
  /// The seed drawn at construction, for a log line (threads interleave draws, so it does not
  /// replay a run; it tells two nodes' streams apart).
  std::uint64_t seed() const noexcept { return seed_; }

 private:
  std::uint64_t seed_;
  SpinLock lock_;
  Xoshiro256 generator_;
};

}  // namespace orrery
