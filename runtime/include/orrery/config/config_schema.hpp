#pragma once
// ConfigSchema<T>: the typed keys of one subsystem's config struct, with ranges. apply() reads a
// ConfigDocument into a T that starts from its defaults; every error names the key, where it
// was written, and what was expected.
//
//   ConfigSchema<ActorSystemConfig> schema("actor.system");
//   schema.integer("throughput", &ActorSystemConfig::throughput, 1, 1'000'000)
//         .duration("shutdown-phase-timeout", &ActorSystemConfig::shutdown_phase_timeout, 1ms, 1h);

#include <charconv>
#include <chrono>
#include <cstdint>
#include <fmt/format.h>
#include <functional>
#include <limits>
#include <orrery/config/config_document.hpp>
#include <orrery/core/result.hpp>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace orrery {

template <class T>
class ConfigSchema {
 public:
  explicit ConfigSchema(std::string prefix) : prefix_(std::move(prefix)) {}

  template <class Integer>
  ConfigSchema& integer(std::string key, Integer T::*field, std::int64_t min, std::int64_t max) {
    static_assert(std::is_integral_v<Integer>);
    add(std::move(key), [field, min, max](T& target, const std::string& value) -> Status {
      std::int64_t parsed = 0;
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
      if (error != std::errc{} || end != value.data() + value.size()) {
        return make_error(Errc::invalid_argument, fmt::format("'{}' is not an integer", value));
      }
      if (parsed < min || parsed > max) {
        return make_error(Errc::invalid_argument, fmt::format("{} is outside [{}, {}]", parsed, min, max));
      }
      target.*field = static_cast<Integer>(parsed);
      return {};
    });
    return *this;
  }

  ConfigSchema& bytes(std::string key, std::uint64_t T::*field, std::uint64_t min, std::uint64_t max) {
    add(std::move(key), [field, min, max](T& target, const std::string& value) -> Status {
      auto parsed = parse_bytes(value);
      if (!parsed.ok()) return parsed.error();
      if (*parsed < min || *parsed > max) {
        return make_error(Errc::invalid_argument,
                          fmt::format("{} bytes is outside [{}, {}]", *parsed, min, max));
      }
      target.*field = *parsed;
      return {};
    });
    return *this;
  }

  template <class Rep, class Period>
  ConfigSchema& duration(std::string key, std::chrono::duration<Rep, Period> T::*field,
                         std::chrono::nanoseconds min, std::chrono::nanoseconds max) {
    add(std::move(key), [field, min, max](T& target, const std::string& value) -> Status {
      auto parsed = parse_duration(value);
      if (!parsed.ok()) return parsed.error();
      if (*parsed < min || *parsed > max) {
        return make_error(Errc::invalid_argument,
                          fmt::format("{} ns is outside [{} ns, {} ns]", parsed->count(),
                                      min.count(), max.count()));
      }
      target.*field = std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(*parsed);
      return {};
    });
    return *this;
  }

  ConfigSchema& boolean(std::string key, bool T::*field) {
    add(std::move(key), [field](T& target, const std::string& value) -> Status {
      if (value == "true" || value == "on" || value == "yes") {
        target.*field = true;
      } else if (value == "false" || value == "off" || value == "no") {
        target.*field = false;
      } else {
        return make_error(Errc::invalid_argument,
                          fmt::format("'{}' is not a boolean (true/false, on/off, yes/no)", value));
      }
      return {};
    });
    return *this;
  }

  /// A string; `check` (optional) returns an error message for a bad value.
  ConfigSchema& string(std::string key, std::string T::*field,
                       std::function<std::string(const std::string&)> check = {}) {
    add(std::move(key), [field, check](T& target, const std::string& value) -> Status {
      if (check) {
        std::string problem = check(value);
        if (!problem.empty()) return make_error(Errc::invalid_argument, problem);
      }
      target.*field = value;
      return {};
    });
    return *this;
  }

  /// One of named values.
  template <class E>
  ConfigSchema& enumeration(std::string key, E T::*field, std::vector<std::pair<std::string, E>> names) {
    add(std::move(key), [field, names](T& target, const std::string& value) -> Status {
      std::string known;
      for (const auto& [name, e] : names) {
        if (name == value) {
          target.*field = e;
          return {};
        }
        known += (known.empty() ? "" : ", ") + name;
      }
      return make_error(Errc::invalid_argument, fmt::format("'{}' is not one of: {}", value, known));
    });
    return *this;
  }

  /// Reads every key under the prefix into `target`. Keys under the prefix that the schema
  /// does not know are errors (a misspelled key must not silently keep its default).
  Status apply(const ConfigDocument& document, T& target) const {
    const std::string lead = prefix_.empty() ? std::string() : prefix_ + ".";
    for (const auto& [key, entry] : document.entries()) {
      if (key.compare(0, lead.size(), lead) != 0) continue;
      const std::string_view name = std::string_view(key).substr(lead.size());
      const Field* field = find(name);
      if (field == nullptr) {
        return make_error(Errc::invalid_argument,
                          fmt::format("{}:{}: unknown key '{}' (known under '{}': {})",
                                      document.origin(), entry.line, key, prefix_, known_keys()));
      }
      document.mark_used(key);
      Status status = field->read(target, entry.value);
      if (!status.ok()) {
        return make_error(status.error().code, fmt::format("{}:{}: key '{}': {}", document.origin(),
                                                           entry.line, key, status.error().message));
      }
    }
    return {};
  }

 private:
  struct Field {
    std::string name;
    std::function<Status(T&, const std::string&)> read;
  };

  void add(std::string key, std::function<Status(T&, const std::string&)> read) {
    fields_.push_back(Field{std::move(key), std::move(read)});
  }
  const Field* find(std::string_view name) const {
    for (const Field& field : fields_) {
      if (field.name == name) return &field;
    }
    return nullptr;
  }
  std::string known_keys() const {
    std::string text;
    for (const Field& field : fields_) text += (text.empty() ? "" : ", ") + field.name;
    return text;
  }

  std::string prefix_;
  std::vector<Field> fields_;
};

}  // namespace orrery
