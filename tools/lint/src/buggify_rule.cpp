// See buggify_rule.hpp.

#include "buggify_rule.hpp"

#include <regex>
#include <string>

namespace orrery::lint {

void check_buggify_free(const LintedFile& file, std::vector<Violation>& out) {
  static const std::regex site(R"(\bORRERY_BUGGIFY\s*\(|\bbuggify\s*\(\s*\)\s*(?:->|\.)\s*fire\b)");
  const std::string& code = file.text.code;
  for (auto it = std::sregex_iterator(code.begin(), code.end(), site); it != std::sregex_iterator();
       ++it) {
    out.push_back({file.path, file.text.line_of(static_cast<std::size_t>(it->position())),
                   "buggify",
                   "a BUGGIFY site in a library built once for both runtime variants never "
                   "fires in the simulator; build this folder per variant, as runtime/ is "
                   "(runtime/CMakeLists.txt)"});
  }
}

}  // namespace orrery::lint
