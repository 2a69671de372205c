#pragma once
// Byte and path helpers shared by SimDisk's files and its crash model. Private to sim/.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace orrery::sim::disk_ops {

inline void apply_write(std::string& content, std::uint64_t offset, std::string_view data) {
  if (content.size() < offset + data.size()) content.resize(offset + data.size(), '\0');
  std::memcpy(content.data() + offset, data.data(), data.size());
}

/// Replays one logged operation: a write of `data` at `offset`, or a truncate to `offset`.
inline void apply(std::string& content, std::uint64_t offset, std::string_view data,
                  bool truncate) {
  if (truncate) {
    content.resize(offset, '\0');
  } else {
    apply_write(content, offset, data);
  }
}

/// "a/b/c" → "a/b"; "c" → "" (the root).
inline std::string_view parent_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

}  // namespace orrery::sim::disk_ops
