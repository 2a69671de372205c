// The `unordered-iteration` heuristic; see unordered_rule.hpp.

#include "unordered_rule.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <string>
#include <string_view>

namespace orrery::lint {
namespace {

constexpr std::string_view use_ordered =
    "iterates in hash order; use std::map / std::set, or copy and sort before iterating (escape "
    "only where the order provably cannot leak)";

bool is_identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// Just past the `>` that closes the `<` at `open`, or npos (a comparison, not a template).
std::size_t skip_template_arguments(std::string_view code, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '<') ++depth;
    if (c == '>' && --depth == 0) return i + 1;
    if (c == ';' || c == '{' || c == '}') return std::string_view::npos;
  }
  return std::string_view::npos;
}

// The name a declaration gives after its type ends at `from` (past `&`, `*`, `const`), or empty
// (a nested name like `::iterator`, a temporary, the end of an alias).
std::string declared_name(std::string_view code, std::size_t from) {
  std::size_t i = from;
  for (;;) {
    while (i < code.size() && (std::isspace(static_cast<unsigned char>(code[i])) != 0 ||
                               code[i] == '&' || code[i] == '*'))
      ++i;
    const std::size_t start = i;
    while (i < code.size() && is_identifier_char(code[i]))
      ++i;
    const std::string_view word = code.substr(start, i - start);
    if (word != "const" && word != "volatile") return std::string(word);
  }
}

// The type names that are unordered in this file: the standard ones and aliases of them.
std::vector<std::string> unordered_types(const std::string& code) {
  std::vector<std::string> types{"unordered_map", "unordered_set", "unordered_multimap",
                                 "unordered_multiset"};
  static const std::regex alias(
      R"(\busing\s+(\w+)\s*=\s*(?:typename\s+)?(?:std\s*::\s*)?unordered_(?:multi)?(?:map|set)\b)");
  for (auto it = std::sregex_iterator(code.begin(), code.end(), alias);
       it != std::sregex_iterator(); ++it) {
    types.push_back(it->str(1));
  }
  return types;
}

// Every name the file declares with one of `types`.
std::set<std::string> unordered_names(const std::string& code) {
  std::set<std::string> names;
  for (const std::string& type : unordered_types(code)) {
    const std::regex use(R"(\b)" + type + R"(\b\s*)");
    for (auto it = std::sregex_iterator(code.begin(), code.end(), use);
         it != std::sregex_iterator(); ++it) {
      std::size_t end = static_cast<std::size_t>(it->position(0) + it->length(0));
      if (end < code.size() && code[end] == '<') end = skip_template_arguments(code, end);
      if (end == std::string_view::npos) continue;
      std::string name = declared_name(code, end);
      if (!name.empty()) names.insert(std::move(name));
    }
  }
  return names;
}

// The range of the range-for whose `(` is at `open`: what follows its top-level `:`.
std::string_view for_range(std::string_view code, std::size_t open) {
  int depth = 0;
  std::size_t colon = std::string_view::npos;
  for (std::size_t i = open; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if ((c == ')' || c == ']' || c == '}') && --depth == 0) {
      if (colon == std::string_view::npos) return {};
      return code.substr(colon + 1, i - colon - 1);
    }
    const bool scope_colon = (i + 1 < code.size() && code[i + 1] == ':') || code[i - 1] == ':';
    if (c == ':' && depth == 1 && !scope_colon && colon == std::string_view::npos) colon = i;
    if (c == ';' && depth == 1) return {};  // a classic for
  }
  return {};
}

void report(const LintedFile& file, std::size_t at, const std::string& how,
            std::vector<Violation>& out) {
  out.push_back({file.path, file.text.line_of(at), "unordered-iteration",
                 how + " " + std::string(use_ordered)});
}

void check_range_fors(const LintedFile& file, const std::set<std::string>& names,
                      std::vector<Violation>& out) {
  const std::string& code = file.text.code;
  static const std::regex for_open(R"(\bfor\s*\()");
  // A plain name or a member chain ending in one: `m`, `*m`, `this->m_`, `state.peers`.
  static const std::regex chain(R"(^\s*[*&]?\s*(?:\w+\s*(?:\.|->)\s*)*(\w+)\s*$)");
  for (auto it = std::sregex_iterator(code.begin(), code.end(), for_open);
       it != std::sregex_iterator(); ++it) {
    const auto at = static_cast<std::size_t>(it->position(0));
    const std::string range(for_range(code, at + static_cast<std::size_t>(it->length(0)) - 1));
    std::smatch match;
    if (!std::regex_match(range, match, chain) || !names.contains(match.str(1))) continue;
    report(file, at, "a range-for over '" + match.str(1) + "' (unordered)", out);
  }
}

void check_begins(const LintedFile& file, const std::set<std::string>& names,
                  std::vector<Violation>& out) {
  const std::string& code = file.text.code;
  static const std::regex member_begin(R"(\b(\w+)\s*(?:\.|->)\s*c?begin\s*\()");
  static const std::regex free_begin(
      R"(\bstd\s*::\s*c?begin\s*\(\s*(?:\w+\s*(?:\.|->)\s*)*(\w+)\s*\))");
  for (const std::regex* pattern : {&member_begin, &free_begin}) {
    for (auto it = std::sregex_iterator(code.begin(), code.end(), *pattern);
         it != std::sregex_iterator(); ++it) {
      if (!names.contains(it->str(1))) continue;
      report(file, static_cast<std::size_t>(it->position(0)),
             "begin() of '" + it->str(1) + "' (unordered)", out);
    }
  }
}

}  // namespace

void check_unordered_iteration(const LintedFile& file, std::vector<Violation>& out) {
  const std::set<std::string> names = unordered_names(file.text.code);
  if (names.empty()) return;
  check_range_fors(file, names, out);
  check_begins(file, names, out);
}

}  // namespace orrery::lint
