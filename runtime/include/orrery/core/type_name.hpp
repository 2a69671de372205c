#pragma once
// type_name<T>(): a readable, stable name for a type (from the compiler's function signature),
// for dead-letter reports, logs and default serialization manifests. Stable for a given compiler
// across runs and build modes, which is what traces and manifests need.

#include <string_view>

namespace orrery {

template <class T>
constexpr std::string_view type_name() noexcept {
  std::string_view name = __PRETTY_FUNCTION__;
  // GCC and Clang: "... type_name() [with T = X; ...]" or "... type_name() [T = X]".
  const auto start = name.find("T = ");
  if (start == std::string_view::npos) return name;
  name.remove_prefix(start + 4);
  const auto end = name.find_first_of(";]");
  return name.substr(0, end);
}

}  // namespace orrery
