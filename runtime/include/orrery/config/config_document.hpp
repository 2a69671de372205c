#pragma once
// ConfigDocument: configuration text parsed into `dotted.key = value` entries, with the line each
// came from, so that every later error can name the key and where it was written.
//
//   # orders node
//   actor.system.name = orders
//   actor.system.throughput = 100
//   executor.workers = 4
//   remote.frame-size-max = 1MiB
//
// Values are bare or "quoted"; '#' starts a comment outside quotes. A key given twice is an
// error. Typed reading and validation is ConfigSchema's job (config_schema.hpp).

#include <chrono>
#include <cstdint>
#include <map>
#include <orrery/core/result.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace orrery {

class ConfigDocument {
 public:
  struct Entry {
    std::string value;
    std::uint32_t line = 0;
  };

  /// Parses text; `origin` (a file name, "<defaults>") goes into error messages.
  static Result<ConfigDocument> parse(std::string_view text, std::string origin = "<config>");

  const std::string& origin() const noexcept { return origin_; }
  const Entry* find(std::string_view key) const;
  /// Keys in order (a std::map: deterministic).
  const std::map<std::string, Entry, std::less<>>& entries() const noexcept { return entries_; }

  /// Marks a key as read by some schema; unused() lists the others (misspellings, leftovers).
  void mark_used(std::string_view key) const;
  std::vector<std::string> unused() const;
  /// An error naming each key no schema read; success when every key was read.
  Status check_all_used() const;

 private:
  std::string origin_;
  std::map<std::string, Entry, std::less<>> entries_;
  mutable std::set<std::string, std::less<>> used_;
};

/// "250ms", "5s", "1.5s", "2m", "1h", "100us", "10ns" into a duration; an error otherwise.
Result<std::chrono::nanoseconds> parse_duration(std::string_view text);
/// "4096", "64KiB", "1MiB", "1GiB" into bytes.
Result<std::uint64_t> parse_bytes(std::string_view text);

}  // namespace orrery
