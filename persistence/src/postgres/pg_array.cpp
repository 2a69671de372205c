// The text[] literal codec: quoting on the way out, the server's quoting rules on the way in.

#include "pg_array.hpp"

namespace orrery::persistence::postgres {

std::string text_array_literal(const std::vector<std::string>& elements) {
  std::string out = "{";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (const char c : elements[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

namespace {

// One element from `at` (just past '{' or ','); moves `at` to the ',' or '}' after it.
std::optional<std::string> parse_element(std::string_view literal, std::size_t& at) {
  std::string element;
  if (at < literal.size() && literal[at] == '"') {
    for (++at; at < literal.size() && literal[at] != '"'; ++at) {
      if (literal[at] == '\\') ++at;
      if (at >= literal.size()) return std::nullopt;
      element.push_back(literal[at]);
    }
    if (at >= literal.size()) return std::nullopt;
    ++at;  // the closing quote
    return element;
  }
  for (; at < literal.size() && literal[at] != ',' && literal[at] != '}'; ++at) {
    if (literal[at] == '\\') ++at;
    if (at >= literal.size() || literal[at] == '{' || literal[at] == '"') return std::nullopt;
    element.push_back(literal[at]);
  }
  // Unquoted NULL is SQL NULL, which the store never writes.
  if (element.empty() || element == "NULL") return std::nullopt;
  return element;
}

}  // namespace

std::optional<std::vector<std::string>> parse_text_array(std::string_view literal) {
  if (literal.size() < 2 || literal.front() != '{' || literal.back() != '}') return std::nullopt;
  std::vector<std::string> out;
  if (literal == "{}") return out;
  std::size_t at = 1;
  while (true) {
    auto element = parse_element(literal, at);
    if (!element || at >= literal.size()) return std::nullopt;
    out.push_back(std::move(*element));
    if (literal[at] == '}')
      return at + 1 == literal.size() ? std::optional(std::move(out)) : std::nullopt;
    ++at;  // ','
  }
}

}  // namespace orrery::persistence::postgres
