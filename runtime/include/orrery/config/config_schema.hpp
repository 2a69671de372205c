#pragma once
// ConfigSchema<T>: the typed keys of one configuration table, bound to the fields of a config
// struct, with ranges. apply() reads a ConfigDocument into a T that starts from its defaults;
// every error names the file, the line, the key and what was expected.
//
//   ConfigSchema<ActorSystemConfig> schema("actor.system");     // the table [actor.system]
//   schema.integer("throughput", &ActorSystemConfig::throughput, 1, 1'000'000)
//         .duration("shutdown-phase-timeout", &ActorSystemConfig::shutdown_phase_timeout, 1ms, 1h);
//
// Adding a key is one line here plus its entry (with a comment and the default) in
// docs/reference.toml; the reference test fails until both agree.
//
// TOML types are checked: an integer key takes a TOML integer, a boolean key true or false,
// strings and enumerations a string. Durations and byte sizes are strings with a unit
// ("250ms", "64KiB"); a bare number is refused rather than given a unit silently.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <orrery/config/config_document.hpp>
#include <orrery/core/result.hpp>

namespace orrery {

/// One schema with its struct type erased: what the reference-file check needs of it.
struct ConfigSection {
  /// The table, e.g. "actor.system".
  std::string table;
  /// Its dotted keys, in declaration order.
  std::vector<std::string> keys;
  /// ConfigSchema::check_reference() over the struct's defaults.
  std::function<Status(const ConfigDocument&)> check_reference;
};

namespace config_detail {

/// "expected an integer, got a string ("many")".
inline Error wrong_type(const ConfigValue& value, std::string_view expected) {
  const bool show = !value.text.empty() && value.text.size() <= 60;
  return make_error(Errc::invalid_argument,
                    fmt::format("expected {}, got {}{}", expected, describe(value.kind),
                                show ? fmt::format(" ({})", value.text) : std::string()));
}

/// A unit-carrying value must be a string; a bare number gets a message that says why not.
inline Status expect_united(const ConfigValue& value, std::string_view example) {
  if (value.kind == ConfigValue::Kind::string) return {};
  if (value.kind == ConfigValue::Kind::integer || value.kind == ConfigValue::Kind::floating) {
    return make_error(
        Errc::invalid_argument,
        fmt::format("{} has no unit: write a string such as \"{}\"", value.text, example));
  }
  return wrong_type(value, fmt::format("a string such as \"{}\"", example));
}

}  // namespace config_detail

template <class T>
class ConfigSchema {
 public:
  /// The schema of the table `table` (dotted for nested tables: "actor.system").
  explicit ConfigSchema(std::string table) : prefix_(std::move(table)) {}

  /// A TOML integer in [min, max].
  template <class Integer>
  ConfigSchema& integer(std::string key, Integer T::*field, std::int64_t min, std::int64_t max) {
    static_assert(std::is_integral_v<Integer>);
    add(std::move(key), field, [field, min, max](T& target, const ConfigValue& value) -> Status {
      if (value.kind != ConfigValue::Kind::integer) {
        return config_detail::wrong_type(value, "an integer");
      }
      if (value.integer < min || value.integer > max) {
        return make_error(Errc::invalid_argument,
                          fmt::format("{} is outside [{}, {}]", value.integer, min, max));
      }
      target.*field = static_cast<Integer>(value.integer);
      return {};
    });
    return *this;
  }

  /// A byte size with its unit ("4096B", "64KiB", "1MiB", "1GiB") in [min, max] bytes.
  ConfigSchema& bytes(std::string key, std::uint64_t T::*field, std::uint64_t min,
                      std::uint64_t max) {
    add(std::move(key), field, [field, min, max](T& target, const ConfigValue& value) -> Status {
      if (auto united = config_detail::expect_united(value, "64KiB"); !united) return united;
      auto parsed = parse_bytes(value.text);
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

  /// A duration with its unit ("250ms", "1.5s", "2m") in [min, max].
  template <class Rep, class Period>
  ConfigSchema& duration(std::string key, std::chrono::duration<Rep, Period> T::*field,
                         std::chrono::nanoseconds min, std::chrono::nanoseconds max) {
    add(std::move(key), field, [field, min, max](T& target, const ConfigValue& value) -> Status {
      if (auto united = config_detail::expect_united(value, "250ms"); !united) return united;
      auto parsed = parse_duration(value.text);
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

  /// A TOML boolean: true or false.
  ConfigSchema& boolean(std::string key, bool T::*field) {
    add(std::move(key), field, [field](T& target, const ConfigValue& value) -> Status {
      if (value.kind != ConfigValue::Kind::boolean) {
        return config_detail::wrong_type(value, "a boolean (true or false)");
      }
      target.*field = value.boolean;
      return {};
    });
    return *this;
  }

  /// A string; `check` (optional) returns an error message for a bad value.
  ConfigSchema& string(std::string key, std::string T::*field,
                       std::function<std::string(const std::string&)> check = {}) {
    add(std::move(key), field, [field, check](T& target, const ConfigValue& value) -> Status {
      if (value.kind != ConfigValue::Kind::string)
        return config_detail::wrong_type(value, "a string");
      if (check) {
        std::string problem = check(value.text);
        if (!problem.empty()) return make_error(Errc::invalid_argument, problem);
      }
      target.*field = value.text;
      return {};
    });
    return *this;
  }

  /// One of named values, written as a string.
  template <class E>
  ConfigSchema& enumeration(std::string key, E T::*field,
                            std::vector<std::pair<std::string, E>> names) {
    add(std::move(key), field, [field, names](T& target, const ConfigValue& value) -> Status {
      std::string known;
      for (const auto& [name, e] : names)
        known += (known.empty() ? "" : ", ") + name;
      if (value.kind != ConfigValue::Kind::string) {
        return config_detail::wrong_type(value, fmt::format("a string, one of: {}", known));
      }
      for (const auto& [name, e] : names) {
        if (name == value.text) {
          target.*field = e;
          return {};
        }
      }
      return make_error(Errc::invalid_argument,
                        fmt::format("'{}' is not one of: {}", value.text, known));
    });
    return *this;
  }

  /// A table inside this one that a schema of its own reads ("sqlite" in [persistence] for
  /// [persistence.sqlite]): apply() leaves its keys to that schema.
  ConfigSchema& subtable(std::string name) {
    subtables_.push_back(std::move(name));
    return *this;
  }

  /// Reads every key of the table into `target`. Keys of the table that the schema does not know,
  /// tables inside it (but its subtables), and values of the wrong type are errors (a misspelled
  /// key must not silently keep its default).
  Status apply(const ConfigDocument& document, T& target) const {
    document.mark_table_used(prefix_);
    if (Status tables = check_tables(document); !tables.ok()) return tables;
    const std::string lead = prefix_ + ".";
    const auto& entries = document.entries();
    for (auto it = entries.lower_bound(lead); it != entries.end() && it->first.starts_with(lead);
         ++it) {
      const auto& [key, entry] = *it;
      const std::string_view name = std::string_view(key).substr(lead.size());
      const std::string_view first = name.substr(0, name.find('.'));
      if (is_subtable(first)) continue;
      const Field* field = find(first);
      if (field == nullptr) {
        return make_error(Errc::invalid_argument,
                          fmt::format("{}:{}: unknown key '{}' (known in [{}]: {})",
                                      document.origin(), entry.line, key, prefix_, known_keys()));
      }
      // Under a key written as a table: that key's own entry, read below, is the error.
      if (first.size() != name.size()) continue;
      document.mark_used(key);
      if (Status status = field->read(target, entry.value); !status.ok()) {
        return at(document, key, entry.line, status.error());
      }
    }
    return {};
  }

  /// The dotted keys this schema reads ("actor.system.name", ...), in declaration order.
  std::vector<std::string> keys() const {
    std::vector<std::string> all;
    for (const Field& field : fields_)
      all.push_back(prefix_ + "." + field.name);
    return all;
  }

  /// Checks a reference document against `defaults`: every key of the schema must be in it, and
  /// reading it must give the field the value `defaults` has. Marks what it read as used, so
  /// that reference.check_all_used() then finds keys the reference has and no schema knows.
  Status check_reference(const ConfigDocument& reference, const T& defaults) const {
    reference.mark_table_used(prefix_);
    for (const Field& field : fields_) {
      const std::string key = prefix_ + "." + field.name;
      const ConfigDocument::Entry* entry = reference.find(key);
      if (entry == nullptr) {
        return make_error(Errc::invalid_argument,
                          fmt::format("{}: key '{}' is missing", reference.origin(), key));
      }
      reference.mark_used(key);
      T read = defaults;
      if (Status status = field.read(read, entry->value); !status.ok()) {
        return at(reference, key, entry->line, status.error());
      }
      if (!field.same(read, defaults)) {
        return make_error(Errc::invalid_argument,
                          fmt::format("{}:{}: key '{}': {} is not the default in the code",
                                      reference.origin(), entry->line, key, entry->value.text));
      }
    }
    return {};
  }

  /// This schema as a ConfigSection whose reference check compares with `defaults`.
  ConfigSection section(T defaults = T{}) const {
    return ConfigSection{prefix_, keys(), [schema = *this, defaults](const ConfigDocument& doc) {
                           return schema.check_reference(doc, defaults);
                         }};
  }

 private:
  using Reader = std::function<Status(T&, const ConfigValue&)>;

  struct Field {
    std::string name;
    Reader read;
    /// Whether two structs agree on this field (the reference check).
    std::function<bool(const T&, const T&)> same;
  };

  template <class Member>
  void add(std::string key, Member T::*field, Reader read) {
    auto same = [field](const T& a, const T& b) {
      return a.*field == b.*field;
    };
    fields_.push_back(Field{std::move(key), std::move(read), std::move(same)});
  }
  /// The table and those around it, where written, must be tables: `actor = 5` is no
  /// [actor.system].
  Status check_tables(const ConfigDocument& document) const {
    for (std::size_t dot = prefix_.find('.');; dot = prefix_.find('.', dot + 1)) {
      const std::string table = prefix_.substr(0, dot);
      const ConfigDocument::Entry* entry = document.find(table);
      if (entry != nullptr && entry->value.kind != ConfigValue::Kind::table) {
        return make_error(
            Errc::invalid_argument,
            fmt::format("{}:{}: '{}' must be a table ([{}]), not {}", document.origin(),
                        entry->line, table, table, describe(entry->value.kind)));
      }
      if (dot == std::string::npos) return {};
    }
  }
  static Error at(const ConfigDocument& document, std::string_view key, std::uint32_t line,
                  const Error& problem) {
    return make_error(problem.code, fmt::format("{}:{}: key '{}': {}", document.origin(), line, key,
                                                problem.message));
  }
  const Field* find(std::string_view name) const {
    for (const Field& field : fields_) {
      if (field.name == name) return &field;
    }
    return nullptr;
  }
  bool is_subtable(std::string_view name) const {
    for (const std::string& subtable : subtables_) {
      if (subtable == name) return true;
    }
    return false;
  }
  std::string known_keys() const {
    std::string text;
    for (const Field& field : fields_)
      text += (text.empty() ? "" : ", ") + field.name;
    return text;
  }

  std::string prefix_;
  std::vector<Field> fields_;
  std::vector<std::string> subtables_;
};

}  // namespace orrery
