// The production Random: a seed from the kernel's entropy pool, then our own generator.

#include <cerrno>
#include <mutex>
#include <random>
#include <sys/random.h>

#include <orrery/env/production/os_random.hpp>

namespace orrery {

namespace {

/// 64 bits from the kernel; getrandom blocks only until the pool is first initialised at boot.
std::uint64_t seed_from_os() {
  std::uint64_t seed = 0;
  auto* bytes = reinterpret_cast<unsigned char*>(&seed);
  std::size_t filled = 0;
  while (filled < sizeof(seed)) {
    const ssize_t got = ::getrandom(bytes + filled, sizeof(seed) - filled, 0);
    if (got > 0) {
      filled += static_cast<std::size_t>(got);
    } else if (got < 0 && errno != EINTR) {
      break;  // ENOSYS on a very old kernel or a seccomp filter: use random_device below
    }
  }
  if (filled == sizeof(seed)) return seed;
  std::random_device device;
  return (std::uint64_t{device()} << 32) ^ device();
}

}  // namespace

OsRandom::OsRandom() : seed_(seed_from_os()), generator_(seed_) {
}

std::uint64_t OsRandom::next() {
  std::lock_guard guard(lock_);
  return generator_.next();
}

}  // namespace orrery
