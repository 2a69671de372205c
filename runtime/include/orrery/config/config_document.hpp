#pragma once
// ConfigDocument: a TOML configuration file flattened into dotted keys, each with its typed value
// and the line it was written on, so that every later error can name the file, the line and the
// key. Tables are the sections; the reference file (docs/reference.toml) lists them all:
//
//   # orders node
//   [actor.system]
//   name = "orders"
//   throughput = 100
//
//   [executor]
//   workers = 4
//
//   [transport]
//   frame-bytes-max = "1MiB"
//
// Syntax is TOML's, read by toml++ (a private dependency: no public header includes it). Key
// names are lower-case words of letters, digits, '-' and '_'. Typed reading and validation is
// ConfigSchema's job (config_schema.hpp); check_all_used() then refuses what no schema read.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <orrery/config/config_units.hpp>
#include <orrery/config/config_value.hpp>
#include <orrery/core/result.hpp>

namespace orrery {

class ConfigDocument {
 public:
  struct Entry {
    ConfigValue value;
    std::uint32_t line = 0;
  };

  /// Parses TOML text; `origin` (a file name, "<defaults>") goes into error messages. A syntax
  /// error is an error naming the origin, the line and, when the line has one, the key.
  static Result<ConfigDocument> parse(std::string_view text, std::string origin = "<config>");

  const std::string& origin() const noexcept { return origin_; }
  /// The entry of a dotted key ("actor.system.name"), or of a table ("actor.system").
  const Entry* find(std::string_view key) const;
  /// Every table and leaf by dotted key (a std::map: deterministic order).
  const std::map<std::string, Entry, std::less<>>& entries() const noexcept { return entries_; }

  /// Marks a key (or a table) as read by some schema; check_all_used() reports the others.
  void mark_used(std::string_view key) const;
  /// Marks a schema's table and the tables around it as known.
  void mark_table_used(std::string_view table) const;
  /// An error naming the first (by line) key or table no schema read; success when all were.
  Status check_all_used() const;

 private:
  friend class ConfigDocumentBuilder;

  std::string origin_;
  std::map<std::string, Entry, std::less<>> entries_;
  // Which keys the loaders have read: bookkeeping for check_all_used(), not configuration.
  mutable std::set<std::string, std::less<>> used_;
  mutable std::set<std::string, std::less<>> tables_used_;
  mutable std::set<std::string, std::less<>> sections_;  // the tables schemas were applied to
};

}  // namespace orrery
