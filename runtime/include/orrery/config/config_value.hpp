#pragma once
// ConfigValue: one value of a configuration file as TOML typed it, kept apart from the parser so
// that no public header needs the parser's headers.

#include <cstdint>
#include <string>

namespace orrery {

/// A leaf of the configuration file, or a table (kept so that an unknown or misplaced table can
/// be reported with its line).
struct ConfigValue {
  enum class Kind : std::uint8_t { string, integer, floating, boolean, date_time, array, table };

  Kind kind = Kind::string;
  /// A string's contents; for the other scalars the value as TOML would write it (for messages).
  std::string text;
  std::int64_t integer = 0;
  double floating = 0;
  bool boolean = false;
};

/// "a string", "an integer", ...: the kind as an error message names it.
const char* describe(ConfigValue::Kind kind) noexcept;

}  // namespace orrery
