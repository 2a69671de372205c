#include <fmt/format.h>

#include <orrery/core/prng.hpp>
#include <orrery/testkit/check/value.hpp>

namespace orrery::testkit::check {

std::string Value::to_string() const {
  switch (data.index()) {
    case 0:
      return "nil";
    case 1:
      return fmt::format("{}", as_integer());
    case 2: {
      std::string out = "\"";
      for (char c : as_string()) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      return out + "\"";
    }
    default: {
      std::string out = "[";
      for (const auto& item : as_list()) {
        if (out.size() > 1) out += ' ';
        out += item.to_string();
      }
      return out + "]";
    }
  }
}

std::uint64_t Value::hash() const noexcept {
  switch (data.index()) {
    case 0:
      return 0x6e696cULL;
    case 1:
      return mix64(1, static_cast<std::uint64_t>(as_integer()));
    case 2:
      return mix64(2, fnv1a64(as_string().data(), as_string().size()));
    default: {
      std::uint64_t h = 3;
      for (const auto& item : as_list())
        h = mix64(h, item.hash());
      return h;
    }
  }
}

}  // namespace orrery::testkit::check
