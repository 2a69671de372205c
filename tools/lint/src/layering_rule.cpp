// Include paths against the layer table; see layering_rule.hpp.

#include "layering_rule.hpp"

#include <array>
#include <regex>
#include <string_view>

namespace orrery::lint {
namespace {

/// A layer (the first folder of a path) must not include headers of `banned` (the folder
/// after orrery/ in the include path).
struct LayerBan {
  std::string_view layer;
  std::string_view banned;
  std::string_view rule;
  std::string_view why;
};

constexpr std::string_view test_only =
    "the simulator and the testkit are for tests; the production library links without them";
constexpr std::string_view upward =
    "a layer includes only the layers below it (docs/architecture.md)";

constexpr std::array bans{
    LayerBan{"runtime", "sim", "layer-test-only", test_only},
    LayerBan{"runtime", "testkit", "layer-test-only", test_only},
    LayerBan{"cluster", "sim", "layer-test-only", test_only},
    LayerBan{"cluster", "testkit", "layer-test-only", test_only},
    LayerBan{"persistence", "sim", "layer-test-only", test_only},
    LayerBan{"persistence", "testkit", "layer-test-only", test_only},
    LayerBan{"runtime", "cluster", "layer-upward", upward},
    LayerBan{"runtime", "persistence", "layer-upward", upward},
    LayerBan{"cluster", "persistence", "layer-upward", upward},
    LayerBan{"persistence", "cluster", "layer-upward", upward},
    LayerBan{"sim", "testkit", "layer-upward", upward},
    LayerBan{"sim", "cluster", "layer-upward", upward},
    LayerBan{"sim", "persistence", "layer-upward", upward},
};

std::string_view first_folder(std::string_view path) {
  return path.substr(0, path.find('/'));
}

}  // namespace

void check_layering(const LintedFile& file, std::vector<Violation>& out) {
  // The layer folder of the included header: <orrery/LAYER/...> or "../orrery/LAYER/...".
  const std::regex include(R"(^\s*#\s*include\s*[<"]((?:[^>"]*/)?orrery/(\w+)/[^>"]*)[>"])");
  const std::string_view layer = first_folder(file.path);
  for (int line = 1; line <= file.text.line_count(); ++line) {
    const std::string code(file.text.code_line(line));
    std::smatch match;
    if (!std::regex_search(code, match, include)) continue;
    for (const LayerBan& ban : bans) {
      if (ban.layer != layer || ban.banned != match.str(2)) continue;
      out.push_back(
          {file.path, line, std::string(ban.rule),
           std::string(layer) + " must not include " + match.str(1) + ": " + std::string(ban.why)});
    }
  }
}

}  // namespace orrery::lint
