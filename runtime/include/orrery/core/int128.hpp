#pragma once
// 128-bit integers for exact products of 64-bit values (range mapping, time scaling). GCC and
// Clang provide them as an extension; naming them here keeps -Wpedantic quiet everywhere else.

namespace orrery {

__extension__ using int128 = __int128;
__extension__ using uint128 = unsigned __int128;

}  // namespace orrery
