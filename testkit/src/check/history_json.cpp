// Our history format: one JSON object a line, read with nlohmann-json.
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <orrery/testkit/check/history_format.hpp>

#include "lines.hpp"

namespace orrery::testkit::check {
namespace {

using nlohmann::json;

Result<Value> to_value(const json& item) {
  if (item.is_null()) return Value::nil();
  if (item.is_number_integer()) return Value::integer(item.get<std::int64_t>());
  if (item.is_string()) return Value::string(item.get<std::string>());
  if (item.is_boolean()) return Value::integer(item.get<bool>() ? 1 : 0);
  if (item.is_array()) {
    Value::List list;
    for (const auto& element : item) {
      auto value = to_value(element);
      if (!value.ok()) return value.error();
      list.push_back(std::move(*value));
    }
    return Value::list(std::move(list));
  }
  return make_error(
      Errc::invalid_argument,
      fmt::format("expected null, an integer, a string or an array, got {}", item.type_name()));
}

json from_value(const Value& value) {
  switch (value.data.index()) {
    case 0:
      return nullptr;
    case 1:
      return value.as_integer();
    case 2:
      return value.as_string();
    default: {
      json list = json::array();
      for (const auto& item : value.as_list())
        list.push_back(from_value(item));
      return list;
    }
  }
}

}  // namespace

Result<std::vector<HistoryEvent>> parse_json_history(std::string_view text, std::string_view file) {
  std::vector<HistoryEvent> events;
  Status status =
      for_each_event_line(text, [&](std::string_view line, std::size_t number) -> Status {
        auto fail = [&](std::string_view field, const std::string& why) -> Status {
          return make_error(Errc::invalid_argument,
                            fmt::format("{}:{}: field {}: {}", file, number, field, why));
        };
        json object;
        try {
          object = json::parse(line);
        } catch (const json::parse_error& error) {
          return make_error(Errc::invalid_argument,
                            fmt::format("{}:{}: not JSON: {}", file, number, error.what()));
        }
        if (!object.is_object()) return fail("-", "expected an object");
        HistoryEvent event;
        event.line = number;
        auto process = object.find("process");
        if (process == object.end() || !process->is_number_integer()) {
          return fail("process", "expected an integer");
        }
        event.process = process->get<std::int64_t>();
        auto type = object.find("type");
        if (type == object.end() || !type->is_string()) return fail("type", "expected a string");
        auto parsed_type = parse_event_type(type->get<std::string>());
        if (!parsed_type.ok()) return fail("type", parsed_type.error().message);
        event.type = *parsed_type;
        auto f = object.find("f");
        if (f == object.end() || !f->is_string()) return fail("f", "expected a string");
        event.f = f->get<std::string>();
        for (const char* name : {"value", "key"}) {
          auto found = object.find(name);
          if (found == object.end()) continue;
          auto value = to_value(*found);
          if (!value.ok()) return fail(name, value.error().message);
          (std::string_view(name) == "value" ? event.value : event.key) = std::move(*value);
        }
        if (auto time = object.find("time"); time != object.end()) {
          if (!time->is_number_integer()) return fail("time", "expected an integer");
          event.time = time->get<std::int64_t>();
        }
        events.push_back(std::move(event));
        return {};
      });
  if (!status) return status.error();
  return events;
}

std::string to_json_line(const HistoryEvent& event) {
  json object = {{"process", event.process},
                 {"type", to_string(event.type)},
                 {"f", event.f},
                 {"value", from_value(event.value)}};
  if (!event.key.is_nil()) object["key"] = from_value(event.key);
  if (event.time) object["time"] = *event.time;
  return object.dump();
}

Result<std::vector<HistoryEvent>> parse_history(std::string_view text, std::string_view file) {
  std::size_t at = text.find_first_not_of(" \t\r\n");
  while (at != std::string_view::npos && text[at] == '#') {
    at = text.find('\n', at);
    if (at != std::string_view::npos) at = text.find_first_not_of(" \t\r\n", at);
  }
  const bool edn = at != std::string_view::npos && text.substr(at, 2) == "{:";
  return edn ? parse_edn_history(text, file) : parse_json_history(text, file);
}

}  // namespace orrery::testkit::check
