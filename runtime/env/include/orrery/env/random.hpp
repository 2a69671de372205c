#pragma once
// Random: the seam's source of randomness (64-bit words), and the distributions the framework
// uses over it. Distributions are integer-only range mappings (Lemire's method) so that a seed
// gives the same values under every standard library; never use std:: distributions.
//
// Production seeds once from the OS; the simulator gives each node its own stream split from the
// world seed.

#include <cstdint>
#include <orrery/core/assert.hpp>
#include <orrery/core/int128.hpp>
#include <orrery/core/prng.hpp>
#include <orrery/core/time.hpp>

namespace orrery {

class Random {
 public:
  virtual ~Random() = default;
  /// A uniformly distributed 64-bit word. Thread-safe in production implementations.
  virtual std::uint64_t next() = 0;
};

/// A Random over a local xoshiro256** (not thread-safe): for the simulator, tests and tools.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) noexcept : generator_(seed) {}
  std::uint64_t next() override { return generator_.next(); }
  Xoshiro256& generator() noexcept { return generator_; }

 private:
  Xoshiro256 generator_;
};

/// Uniform in [0, bound); bound > 0. Lemire's nearly-divisionless mapping, unbiased.
inline std::uint64_t uniform_below(Random& random, std::uint64_t bound) {
  ORRERY_ASSERT(bound > 0, "uniform_below needs a positive bound");
  uint128 product = static_cast<uint128>(random.next()) * bound;
  auto low = static_cast<std::uint64_t>(product);
  if (low < bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      product = static_cast<uint128>(random.next()) * bound;
      low = static_cast<std::uint64_t>(product);
    }
  }
  return static_cast<std::uint64_t>(product >> 64);
}

/// Uniform in [low, high], inclusive; low <= high.
inline std::int64_t uniform_int(Random& random, std::int64_t low, std::int64_t high) {
  ORRERY_ASSERT(low <= high, "uniform_int needs low <= high");
  const auto span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  if (span == UINT64_MAX) return static_cast<std::int64_t>(random.next());
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) +
                                   uniform_below(random, span + 1));
}

/// True with probability numerator / denominator (exact, integer-only).
inline bool chance(Random& random, std::uint64_t numerator, std::uint64_t denominator) {
  ORRERY_ASSERT(denominator > 0);
  ORRERY_ASSERT(numerator <= denominator, "a probability above 1");
  if (numerator == 0) return false;
  return uniform_below(random, denominator) < numerator;
}

/// True with probability parts_per_million / 1'000'000; the unit fault plans use.
inline bool chance_ppm(Random& random, std::uint32_t parts_per_million) {
  return chance(random, parts_per_million, 1'000'000);
}

/// Uniform in [low, high] at nanosecond resolution.
inline Duration uniform_duration(Random& random, Duration low, Duration high) {
  return Duration{uniform_int(random, low.count(), high.count())};
}

/// Uniform in [0, 1) with 53 bits (exactly representable, identical on every IEEE platform).
inline double unit_double(Random& random) {
  return static_cast<double>(random.next() >> 11) * 0x1.0p-53;
}

/// Multiplies `base` by a factor uniform in [1, 1 + random_factor]: backoff jitter.
/// random_factor is given in per-mille to stay integer-exact.
inline Duration jitter(Random& random, Duration base, std::uint32_t random_factor_permille) {
  if (random_factor_permille == 0 || base.count() <= 0) return base;
  const auto extra_permille = uniform_below(random, std::uint64_t{random_factor_permille} + 1);
  const auto extra = static_cast<std::int64_t>(
      (static_cast<int128>(base.count()) * static_cast<int128>(extra_permille)) / 1000);
  return base + Duration{extra};
}

}  // namespace orrery
