// A parsed configuration document: finding entries, and refusing what no schema read.

#include <fmt/format.h>

#include <orrery/config/config_document.hpp>

namespace orrery {

const char* describe(ConfigValue::Kind kind) noexcept {
  switch (kind) {
    case ConfigValue::Kind::string:
      return "a string";
    case ConfigValue::Kind::integer:
      return "an integer";
    case ConfigValue::Kind::floating:
      return "a floating-point number";
    case ConfigValue::Kind::boolean:
      return "a boolean";
    case ConfigValue::Kind::date_time:
      return "a date or time";
    case ConfigValue::Kind::array:
      return "an array";
    case ConfigValue::Kind::table:
      return "a table";
  }
  return "a value";
}

const ConfigDocument::Entry* ConfigDocument::find(std::string_view key) const {
  auto found = entries_.find(key);
  return found == entries_.end() ? nullptr : &found->second;
}

void ConfigDocument::mark_used(std::string_view key) const {
  used_.emplace(key);
}

void ConfigDocument::mark_table_used(std::string_view table) const {
  sections_.emplace(table);
  // "actor.system" also accounts for the table "actor" around it.
  for (std::size_t dot = table.find('.');; dot = table.find('.', dot + 1)) {
    tables_used_.emplace(table.substr(0, dot));
    if (dot == std::string_view::npos) break;
  }
}

Status ConfigDocument::check_all_used() const {
  // The first unread entry by line (a table sorts before its keys on the same line), so the
  // message points at the table header rather than at each key under it.
  const std::pair<const std::string, Entry>* first = nullptr;
  for (const auto& item : entries_) {
    const auto& [key, entry] = item;
    const bool table = entry.value.kind == ConfigValue::Kind::table;
    if (used_.contains(key) || (table && tables_used_.contains(key))) continue;
    if (first == nullptr || entry.line < first->second.line) first = &item;
  }
  if (first == nullptr) return {};
  const auto& [key, entry] = *first;
  if (entry.value.kind != ConfigValue::Kind::table) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{}:{}: unknown key '{}'", origin_, entry.line, key));
  }
  std::string known;
  for (const std::string& section : sections_)
    known += (known.empty() ? "" : ", ") + section;
  return make_error(Errc::invalid_argument,
                    fmt::format("{}:{}: unknown table [{}] (known tables: {})", origin_, entry.line,
                                key, known.empty() ? "none" : known));
}

}  // namespace orrery
