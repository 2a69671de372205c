#pragma once
// Value: what a recorded operation reads, writes or compares, as history files spell it: nil, an
// integer, a string, or a list ([old new] for a compare-and-set). A plain value type with
// equality and a stable hash, so the checker can memoise model states built from it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace orrery::testkit::check {

struct Value {
  using List = std::vector<Value>;
  std::variant<std::monostate, std::int64_t, std::string, List> data;

  static Value nil() { return {}; }
  static Value integer(std::int64_t v) { return Value{{v}}; }
  static Value string(std::string v) { return Value{{std::move(v)}}; }
  static Value list(List v) { return Value{{std::move(v)}}; }

  bool is_nil() const noexcept { return data.index() == 0; }
  bool is_integer() const noexcept { return data.index() == 1; }
  bool is_string() const noexcept { return data.index() == 2; }
  bool is_list() const noexcept { return data.index() == 3; }
  std::int64_t as_integer() const { return std::get<1>(data); }
  const std::string& as_string() const { return std::get<2>(data); }
  const List& as_list() const { return std::get<3>(data); }

  /// EDN-like text: nil, 3, "a", [1 2].
  std::string to_string() const;
  /// Stable across runs and platforms (no std::hash of strings).
  std::uint64_t hash() const noexcept;

  friend bool operator==(const Value&, const Value&) = default;
};

}  // namespace orrery::testkit::check
