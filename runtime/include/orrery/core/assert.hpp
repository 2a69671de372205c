#pragma once
// Assertions for what only a bug can break. They stay on in every build (Release included):
// a broken invariant must stop the process where it broke, not corrupt state further on.
// Errors a caller can handle (bad input, I/O failures, a peer's mistakes) are results instead.

namespace orrery::detail {
[[noreturn]] void assert_fail(const char* expression, const char* file, int line,
                              const char* message) noexcept;
}  // namespace orrery::detail

/// `ORRERY_ASSERT(cond)` or `ORRERY_ASSERT(cond, "why it must hold")`.
#define ORRERY_ASSERT(condition, ...)                                                     \
  (static_cast<bool>(condition)                                                           \
       ? static_cast<void>(0)                                                             \
       : ::orrery::detail::assert_fail(#condition, __FILE__, __LINE__, "" __VA_ARGS__))

/// Marks a branch that only a bug can reach.
#define ORRERY_UNREACHABLE(message) \
  ::orrery::detail::assert_fail("unreachable", __FILE__, __LINE__, message)

namespace orrery {
/// Documents that `condition` is sometimes true and sometimes false (TigerBeetle's `maybe`):
/// both sides are expected, and the reader should not assume either.
constexpr void maybe(bool condition) noexcept { static_cast<void>(condition); }
}  // namespace orrery
