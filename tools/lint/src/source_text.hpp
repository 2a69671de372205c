#pragma once
// SourceText: a C++ file split into what the rules read. The code view has comments removed and
// the contents of string and character literals blanked, so prose never trips a rule; the
// include paths of #include lines are kept. Comments and literal contents are kept apart, per
// line, for the escapes and for the few rules that look inside strings.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace orrery::lint {

struct SourceText {
  /// The code with comments and literal contents removed; same line breaks as the file.
  std::string code;
  /// Offsets into `code` where each line starts (line n is at line_starts[n - 1]).
  std::vector<std::size_t> line_starts;
  /// The text of the comments on each line (index = line - 1).
  std::vector<std::string> comments;
  /// The contents of the string literals on each line (index = line - 1).
  std::vector<std::string> strings;

  /// The 1-based line that holds `offset` of `code`.
  int line_of(std::size_t offset) const;
  /// Line `line` (1-based) of `code`, without its line break.
  std::string_view code_line(int line) const;
  int line_count() const { return static_cast<int>(line_starts.size()); }
};

/// Splits `text`. Unterminated comments and literals end at the end of the file.
SourceText split_source(std::string_view text);

}  // namespace orrery::lint
