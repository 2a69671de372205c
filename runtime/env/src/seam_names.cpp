// Small shared pieces of the seam's interfaces: level names and the Storage path rule.
#include <orrery/env/log_sink.hpp>
#include <orrery/env/storage.hpp>

namespace orrery {

const char* to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "unknown";
}

Status validate_storage_path(std::string_view path) {
  if (path.empty()) return make_error(Errc::invalid_argument, "storage path is empty");
  if (path.front() == '/') {
    return make_error(Errc::invalid_argument,
                      "storage path '" + std::string(path) + "' must be relative");
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    const auto part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return make_error(Errc::invalid_argument, "storage path '" + std::string(path) +
                                                    "' has an empty, '.' or '..' part");
    }
    if (part.find('\0') != std::string_view::npos) {
      return make_error(Errc::invalid_argument, "storage path has a NUL byte");
    }
    start = end + 1;
  }
  return {};
}

}  // namespace orrery
