// The few tokens before a name decide whether it is a call; see call_context.hpp.

#include "call_context.hpp"

#include <array>
#include <cctype>

namespace orrery::lint {
namespace {

bool is_identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

std::size_t skip_spaces_back(std::string_view code, std::size_t end) {
  while (end > 0 && std::isspace(static_cast<unsigned char>(code[end - 1])) != 0)
    --end;
  return end;
}

std::string_view word_before(std::string_view code, std::size_t end) {
  std::size_t start = end;
  while (start > 0 && is_identifier_char(code[start - 1]))
    --start;
  return code.substr(start, end - start);
}

// Words after which a name starts an expression; after any other word it is being declared.
bool starts_expression(std::string_view word) {
  constexpr std::array words{"return", "co_return", "co_await", "co_yield", "throw", "case",
                             "else",   "do",        "not",      "and",      "or"};
  for (const std::string_view w : words) {
    if (word == w) return true;
  }
  return false;
}

// After the parentheses that open at `open`, the next character that is not a space.
char after_arguments(std::string_view code, std::size_t open) {
  int depth = 0;
  std::size_t i = open;
  for (; i < code.size(); ++i) {
    if (code[i] == '(') ++depth;
    if (code[i] == ')' && --depth == 0) break;
  }
  for (++i; i < code.size(); ++i) {
    if (std::isspace(static_cast<unsigned char>(code[i])) == 0) return code[i];
  }
  return '\0';
}

}  // namespace

bool calls_library_function(std::string_view code, std::size_t at, std::size_t open,
                            bool std_qualified_too) {
  const std::size_t end = skip_spaces_back(code, at);
  if (end == 0) return true;
  const char before = code[end - 1];
  const bool single_colon = before == ':' && (end < 2 || code[end - 2] != ':');
  if (before == ',' || single_colon) {
    const char after = after_arguments(code, open);
    if (after == ',' || after == '{') return false;  // a member initializer
  }
  if (before == '.') return false;
  if (before == '>' && end >= 2 && code[end - 2] == '-') return false;  // ->name
  if (before == ':' && end >= 2 && code[end - 2] == ':') {
    const std::size_t qualifier_end = skip_spaces_back(code, end - 2);
    // Codec<T>::write: a class template's member.
    if (qualifier_end > 0 && code[qualifier_end - 1] == '>') return false;
    const std::string_view qualifier = word_before(code, qualifier_end);
    if (qualifier.empty()) return true;  // ::name
    return std_qualified_too && qualifier == "std";
  }
  if (is_identifier_char(before)) return starts_expression(word_before(code, end));
  // Type name(, Type* name(, Type& name(, ~Type(: a declaration.
  return before != '>' && before != '*' && before != '&' && before != '~';
}

bool is_qualified_call(std::string_view code, std::size_t at) {
  const std::size_t end = skip_spaces_back(code, at);
  if (end < 2 || code[end - 1] != ':' || code[end - 2] != ':') return false;
  const std::size_t qualifier_end = skip_spaces_back(code, end - 2);
  if (qualifier_end > 0 && code[qualifier_end - 1] == '>') return false;  // Codec<T>::name
  const std::string_view qualifier = word_before(code, qualifier_end);
  return qualifier.empty() || qualifier == "std";
}

std::vector<std::string_view> call_arguments(std::string_view code, std::size_t open) {
  std::vector<std::string_view> arguments;
  int depth = 0;
  std::size_t start = open + 1;
  for (std::size_t i = open; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    const bool last = depth == 0;
    if (!last && !(depth == 1 && c == ',')) continue;
    std::string_view argument = code.substr(start, i - start);
    while (!argument.empty() && std::isspace(static_cast<unsigned char>(argument.front())) != 0) {
      argument.remove_prefix(1);
    }
    while (!argument.empty() && std::isspace(static_cast<unsigned char>(argument.back())) != 0) {
      argument.remove_suffix(1);
    }
    if (!(last && argument.empty() && arguments.empty())) arguments.push_back(argument);
    if (last) break;
    start = i + 1;
  }
  return arguments;
}

}  // namespace orrery::lint
