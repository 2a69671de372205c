// Parsing a TOML configuration file with toml++ and flattening it into a ConfigDocument. The only
// file that includes toml++: the parser stays a private dependency of the runtime.

#include <algorithm>
#include <string>
#include <toml++/toml.h>

#include <fmt/format.h>

#include <orrery/config/config_document.hpp>

namespace orrery {

namespace {

/// toml++ refuses deeper nesting itself; the flattening states its own bound as well.
constexpr int table_depth_max = 64;

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

/// The table a header line opens ("[a.b]" or "[[a.b]]"), or nothing for another line.
std::string_view header_table(std::string_view line) {
  if (!line.starts_with('[')) return {};
  line = trim(line.substr(line.starts_with("[[") ? 2 : 1));
  return trim(line.substr(0, line.find(']')));
}

/// " (key 'name' in [actor.system])" for a syntax error's line: the key written there and the
/// table it is in, read from the raw text (one pass) since the parser stopped before knowing them.
std::string error_context(std::string_view text, std::uint32_t line) {
  constexpr std::size_t shown_max = 80;  // a garbled line is not worth echoing whole
  std::string_view table;
  std::string_view current;
  std::size_t start = 0;
  for (std::uint32_t at = 1; at <= line && start <= text.size(); ++at) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    current = trim(text.substr(start, end - start));
    if (const std::string_view opened = header_table(current); !opened.empty()) table = opened;
    start = end + 1;
  }
  const auto equals = current.find('=');
  const std::string_view key = current.starts_with('[') || equals == std::string_view::npos
                                   ? std::string_view()
                                   : trim(current.substr(0, equals));
  if (table.size() > shown_max) table = {};
  if (!key.empty() && key.size() <= shown_max) {
    return table.empty() ? fmt::format(" (key '{}')", key)
                         : fmt::format(" (key '{}' in [{}])", key, table);
  }
  return table.empty() ? std::string() : fmt::format(" (in [{}])", table);
}

bool valid_key_name(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

ConfigValue value_of(const toml::node& node) {
  ConfigValue value;
  switch (node.type()) {
    case toml::node_type::string:
      value.kind = ConfigValue::Kind::string;
      value.text = node.as_string()->get();
      break;
    case toml::node_type::integer:
      value.kind = ConfigValue::Kind::integer;
      value.integer = node.as_integer()->get();
      value.text = fmt::format("{}", value.integer);
      break;
    case toml::node_type::floating_point:
      value.kind = ConfigValue::Kind::floating;
      value.floating = node.as_floating_point()->get();
      value.text = fmt::format("{}", value.floating);
      break;
    case toml::node_type::boolean:
      value.kind = ConfigValue::Kind::boolean;
      value.boolean = node.as_boolean()->get();
      value.text = value.boolean ? "true" : "false";
      break;
    case toml::node_type::array:
      value.kind = ConfigValue::Kind::array;
      break;
    case toml::node_type::table:
      value.kind = ConfigValue::Kind::table;
      break;
    default:
      value.kind = ConfigValue::Kind::date_time;  // no key takes one: only its kind matters
  }
  return value;
}

}  // namespace

/// Fills a ConfigDocument's entries from a parsed TOML table (a friend of ConfigDocument).
class ConfigDocumentBuilder {
 public:
  explicit ConfigDocumentBuilder(ConfigDocument& document) : document_(document) {}

  Status add_table(const toml::table& table, const std::string& prefix, int depth) {
    if (depth > table_depth_max) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{}: tables nested deeper than {} at '{}'", document_.origin_,
                                    table_depth_max, prefix));
    }
    for (const auto& [key, node] : table) {
      const std::string path =
          prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
      std::uint32_t line = key.source().begin.line;
      if (line == 0) line = node.source().begin.line;
      if (!valid_key_name(key.str())) {
        return make_error(Errc::invalid_argument,
                          fmt::format("{}:{}: '{}' is not a key name (lower-case letters, digits, "
                                      "'-' and '_')",
                                      document_.origin_, line, path));
      }
      document_.entries_.emplace(path, ConfigDocument::Entry{value_of(node), line});
      if (const toml::table* inner = node.as_table()) {
        if (auto added = add_table(*inner, path, depth + 1); !added) return added;
      }
    }
    return {};
  }

 private:
  ConfigDocument& document_;
};

Result<ConfigDocument> ConfigDocument::parse(std::string_view text, std::string origin) {
  ConfigDocument document;
  document.origin_ = std::move(origin);
  toml::table root;
  try {
    root = toml::parse(text, document.origin_);
  } catch (const toml::parse_error& error) {
    // toml++ reports syntax errors by exception; here they become a Result like any bad input.
    const std::uint32_t line = error.source().begin.line;
    return make_error(Errc::invalid_argument,
                      fmt::format("{}:{}: {}{}", document.origin_, line, error.description(),
                                  error_context(text, line)));
  }
  ConfigDocumentBuilder builder(document);
  if (auto added = builder.add_table(root, std::string(), 0); !added) return added.error();
  return document;
}

}  // namespace orrery
