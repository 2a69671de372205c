// Parsing and applying the escapes; see escapes.hpp.

#include "escapes.hpp"

#include <algorithm>
#include <array>
#include <regex>
#include <string_view>

namespace orrery::lint {
namespace {

constexpr std::array known_rules{"clock",           "sleep",
                                 "thread",          "random",
                                 "socket",          "file",
                                 "process",         "environment",
                                 "global",          "unordered-iteration",
                                 "layer-test-only", "layer-upward",
                                 "sqlite",          "libpq",
                                 "buggify"};

struct Escape {
  int line = 0;
  std::vector<std::string> rules;
  std::vector<bool> used;
};

std::vector<std::string> split_rules(const std::string& list) {
  std::vector<std::string> rules;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string rule = list.substr(start, end - start);
    rule.erase(0, rule.find_first_not_of(" \t"));
    rule.erase(rule.find_last_not_of(" \t") + 1);
    rules.push_back(rule);
    start = end + 1;
  }
  return rules;
}

// Reads the escape of each line; malformed ones are reported into `problems` right away.
std::vector<Escape> read_escapes(const LintedFile& file, std::vector<Violation>& problems) {
  const std::regex marker(R"(orrery-lint\s*:)");
  const std::regex allow(R"(orrery-lint\s*:\s*allow\(([^)]*)\)(.*))");
  std::vector<Escape> escapes;
  for (int line = 1; line <= file.text.line_count(); ++line) {
    const std::string& comment = file.text.comments[static_cast<std::size_t>(line - 1)];
    if (!std::regex_search(comment, marker)) continue;
    std::smatch match;
    if (!std::regex_search(comment, match, allow)) {
      problems.push_back({file.path, line, "lint-escape",
                          "write the escape as `orrery-lint: allow(rule) reason`"});
      continue;
    }
    const std::string reason = match.str(2);
    if (std::none_of(reason.begin(), reason.end(), [](char c) { return std::isalpha(c); })) {
      problems.push_back(
          {file.path, line, "lint-escape", "allow(" + match.str(1) + ") needs a reason after it"});
      continue;
    }
    Escape escape{line, {}, {}};
    for (std::string& rule : split_rules(match.str(1))) {
      if (!is_known_rule(rule)) {
        problems.push_back({file.path, line, "lint-escape", "unknown rule '" + rule + "'"});
        continue;
      }
      escape.rules.push_back(std::move(rule));
    }
    escape.used.assign(escape.rules.size(), false);
    escapes.push_back(std::move(escape));
  }
  return escapes;
}

// Whether an escape allows `v`; marks the escape's rule used.
bool allowed(std::vector<Escape>& escapes, const Violation& v) {
  for (Escape& escape : escapes) {
    if (escape.line != v.line) continue;
    for (std::size_t i = 0; i < escape.rules.size(); ++i) {
      if (escape.rules[i] != v.rule) continue;
      escape.used[i] = true;
      return true;
    }
  }
  return false;
}

}  // namespace

bool is_known_rule(std::string_view rule) {
  return std::find(known_rules.begin(), known_rules.end(), rule) != known_rules.end();
}

void apply_escapes(const LintedFile& file, std::vector<Violation>& found) {
  std::vector<Violation> problems;
  std::vector<Escape> escapes = read_escapes(file, problems);
  std::erase_if(found, [&](const Violation& v) { return allowed(escapes, v); });
  for (const Escape& escape : escapes) {
    for (std::size_t i = 0; i < escape.rules.size(); ++i) {
      if (escape.used[i]) continue;
      problems.push_back({file.path, escape.line, "lint-escape",
                          "allow(" + escape.rules[i] + ") silences nothing here; remove it"});
    }
  }
  found.insert(found.end(), problems.begin(), problems.end());
}

}  // namespace orrery::lint
