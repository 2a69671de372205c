#pragma once
// The tags of an event as one blob beside it (so a replay reads them with the event): each tag
// as a 4-byte little-endian length and its bytes.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <orrery/core/result.hpp>

namespace orrery::persistence::sqlite {

inline std::string encode_tags(const std::vector<std::string>& tags) {
  std::string out;
  for (const std::string& tag : tags) {
    const auto size = static_cast<std::uint32_t>(tag.size());
    for (int shift = 0; shift < 32; shift += 8)
      out.push_back(static_cast<char>((size >> shift) & 0xff));
    out += tag;
  }
  return out;
}

inline Result<std::vector<std::string>> decode_tags(std::string_view bytes) {
  std::vector<std::string> tags;
  while (!bytes.empty()) {
    if (bytes.size() < 4) return make_error(Errc::corrupt, "tags cut inside a length");
    std::uint32_t size = 0;
    for (int i = 0; i < 4; ++i)
      size |=
          static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]))
          << (8 * i);
    bytes.remove_prefix(4);
    if (bytes.size() < size) return make_error(Errc::corrupt, "tags cut inside a tag");
    tags.emplace_back(bytes.substr(0, size));
    bytes.remove_prefix(size);
  }
  return tags;
}

}  // namespace orrery::persistence::sqlite
