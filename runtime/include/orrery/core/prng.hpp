#pragma once
// Our own pseudo-random generator: xoshiro256** seeded through splitmix64. Identical output on
// every platform, compiler and build mode, which std:: distributions do not promise; the
// simulator's determinism rests on it. Distributions over it are in <orrery/env/random.hpp>.

#include <cstdint>

namespace orrery {

/// splitmix64: turns any 64-bit seed into well-mixed words; used to seed and to derive streams.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Mixes two words into one (for deriving a stream from a parent seed and a label).
constexpr std::uint64_t mix64(std::uint64_t a, std::uint64_t b) noexcept {
  std::uint64_t state = a ^ (b * 0xd1342543de82ef95ULL);
  return splitmix64(state);
}

/// FNV-1a over bytes: a stable 64-bit name hash (labels for streams, manifests).
constexpr std::uint64_t fnv1a64(const char* data, std::uint64_t size) noexcept {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (std::uint64_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

class Xoshiro256 {
 public:
  explicit constexpr Xoshiro256(std::uint64_t seed) noexcept {
    std::uint64_t state = seed;
    for (auto& word : s_) word = splitmix64(state);
  }

  constexpr std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// A new, independent generator derived from this one's next output and a label, so that
  /// streams split in the same order from the same seed are the same streams.
  constexpr Xoshiro256 split(std::uint64_t label) noexcept { return Xoshiro256(mix64(next(), label)); }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  std::uint64_t s_[4]{};
};

}  // namespace orrery
