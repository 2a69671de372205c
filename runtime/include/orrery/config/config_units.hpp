#pragma once
// Durations and byte sizes as configuration files write them: a number and a unit, always. A
// bare number is refused, so that "5" never silently means five seconds to one reader and five
// milliseconds to another.

#include <chrono>
#include <cstdint>
#include <string_view>

#include <orrery/core/result.hpp>

namespace orrery {

/// "250ms", "5s", "1.5s", "2m" (or "2min"), "1h", "100us", "10ns" into a duration; an error
/// otherwise. Fractions are exact (no floating point); a result beyond 2^63 ns is an error.
Result<std::chrono::nanoseconds> parse_duration(std::string_view text);

/// "4096B", "64KiB", "1MiB", "1GiB" into bytes; an error for a bare number or another unit.
Result<std::uint64_t> parse_bytes(std::string_view text);

}  // namespace orrery
