#pragma once
// PostgreSQL's text form of a one-dimensional text[] ({"a","b c"}), written and read by the store
// for tags and for lists of persistence ids, so that neither needs one parameter per element.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orrery::persistence::postgres {

/// Every element quoted, '"' and '\' escaped: {"red","a \"b\""}.
std::string text_array_literal(const std::vector<std::string>& elements);

/// Parses the server's output for a text[] (elements quoted only when they need it); none for
/// what is not a one-dimensional array without NULLs.
std::optional<std::vector<std::string>> parse_text_array(std::string_view literal);

}  // namespace orrery::persistence::postgres
