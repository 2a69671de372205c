#pragma once
// What a check reports, and the file it reads.

#include <string>

#include "source_text.hpp"

namespace orrery::lint {

/// One broken rule, printed as `path:line: rule: message`.
struct Violation {
  std::string path;  // relative to the scanned root, with '/' separators
  int line = 0;
  std::string rule;
  std::string message;
};

/// A file under lint: its path relative to the root and its split text.
struct LintedFile {
  std::string path;
  SourceText text;
};

}  // namespace orrery::lint
