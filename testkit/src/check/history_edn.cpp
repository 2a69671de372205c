// Jepsen's history format: one EDN map a line. EDN is read here by a small reader of the subset
// histories use (no EDN library is packaged in Debian); a form it does not know is an error
// naming the column, never a guess.
#include <cctype>
#include <charconv>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <orrery/testkit/check/history_format.hpp>

#include "lines.hpp"

namespace orrery::testkit::check {
namespace {

struct Edn {
  enum class Kind { nil, boolean, integer, floating, string, keyword, symbol, vector, map, set };
  Kind kind = Kind::nil;
  std::string text;  // string contents, keyword or symbol name (without ':'), number text
  std::int64_t integer = 0;
  std::vector<Edn> items;  // vector, set; map: key, value, key, value, ...
};

class EdnReader {
 public:
  explicit EdnReader(std::string_view text) : text_(text) {}

  Result<Edn> read_one() {
    auto value = read();
    if (!value.ok()) return value;
    skip_space();
    if (at_ < text_.size()) return error("text after the map");
    return value;
  }

 private:
  Error error(std::string_view what) const {
    return make_error(Errc::invalid_argument, fmt::format("column {}: {}", at_ + 1, what));
  }

  void skip_space() {
    while (at_ < text_.size()) {
      const char c = text_[at_];
      if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
        ++at_;
      } else if (c == ';') {
        at_ = text_.size();  // a comment runs to the end of the line
      } else {
        break;
      }
    }
  }

  static bool delimiter(char c) {
    return c == ',' || c == '{' || c == '}' || c == '[' || c == ']' || c == '(' || c == ')' ||
           c == '"' || c == ';' || std::isspace(static_cast<unsigned char>(c));
  }

  std::string_view token() {
    const std::size_t begin = at_;
    while (at_ < text_.size() && !delimiter(text_[at_]))
      ++at_;
    return text_.substr(begin, at_ - begin);
  }

  Result<Edn> read_sequence(Edn::Kind kind, char close) {
    Edn out;
    out.kind = kind;
    ++depth_;
    if (depth_ > 64) return error("nested too deep");
    while (true) {
      skip_space();
      if (at_ >= text_.size()) return error(fmt::format("missing '{}'", close));
      if (text_[at_] == close) {
        ++at_;
        break;
      }
      if (text_[at_] == '}' || text_[at_] == ']' || text_[at_] == ')') {
        return error(fmt::format("'{}' where '{}' was expected", text_[at_], close));
      }
      auto item = read();
      if (!item.ok()) return item;
      out.items.push_back(std::move(*item));
    }
    --depth_;
    if (kind == Edn::Kind::map && out.items.size() % 2 != 0) {
      return error("a map with a key and no value");
    }
    return out;
  }

  Result<Edn> read() {
    skip_space();
    if (at_ >= text_.size()) return error("expected a value");
    const char c = text_[at_];
    if (c == '{') {
      ++at_;
      return read_sequence(Edn::Kind::map, '}');
    }
    if (c == '[') {
      ++at_;
      return read_sequence(Edn::Kind::vector, ']');
    }
    if (c == '(') {
      ++at_;
      return read_sequence(Edn::Kind::vector, ')');
    }
    if (c == '#') {
      ++at_;
      if (at_ < text_.size() && text_[at_] == '{') {
        ++at_;
        return read_sequence(Edn::Kind::set, '}');
      }
      // A tagged literal (#inst "...", #jepsen.history.Op{...}): the value, its tag dropped.
      if (token().empty()) return error("'#' without a tag");
      return read();
    }
    if (c == '"') return read_string();
    if (c == ':') {
      ++at_;
      Edn out;
      out.kind = Edn::Kind::keyword;
      out.text = std::string(token());
      if (out.text.empty()) return error("':' without a name");
      return out;
    }
    if (c == '\\') return error("character literals are not supported");
    const std::string_view word = token();
    if (word.empty()) return error(fmt::format("unexpected '{}'", c));
    Edn out;
    if (word == "nil") return out;
    if (word == "true" || word == "false") {
      out.kind = Edn::Kind::boolean;
      out.integer = word == "true";
      return out;
    }
    const bool numeric = std::isdigit(static_cast<unsigned char>(word[0])) ||
                         ((word[0] == '-' || word[0] == '+') && word.size() > 1 &&
                          std::isdigit(static_cast<unsigned char>(word[1])));
    if (numeric) {
      std::string_view digits = word;
      if (digits.back() == 'N') digits.remove_suffix(1);  // EDN's big-integer suffix
      if (digits.front() == '+') digits.remove_prefix(1);
      std::int64_t value = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (ec == std::errc() && end == digits.data() + digits.size()) {
        out.kind = Edn::Kind::integer;
        out.integer = value;
      } else {
        out.kind = Edn::Kind::floating;  // 1.5, 1e3, 3/4: kept as text
      }
      out.text = std::string(word);
      return out;
    }
    out.kind = Edn::Kind::symbol;
    out.text = std::string(word);
    return out;
  }

  Result<Edn> read_string() {
    ++at_;
    Edn out;
    out.kind = Edn::Kind::string;
    while (true) {
      if (at_ >= text_.size()) return error("a string without its closing '\"'");
      const char c = text_[at_++];
      if (c == '"') break;
      if (c != '\\') {
        out.text += c;
        continue;
      }
      if (at_ >= text_.size()) return error("a string ends in '\\'");
      const char e = text_[at_++];
      switch (e) {
        case 'n':
          out.text += '\n';
          break;
        case 't':
          out.text += '\t';
          break;
        case 'r':
          out.text += '\r';
          break;
        case '"':
        case '\\':
          out.text += e;
          break;
        default:
          return error(fmt::format("unknown escape '\\{}'", e));
      }
    }
    return out;
  }

  std::string_view text_;
  std::size_t at_ = 0;
  int depth_ = 0;
};

Result<Value> to_value(const Edn& edn) {
  switch (edn.kind) {
    case Edn::Kind::nil:
      return Value::nil();
    case Edn::Kind::boolean:
    case Edn::Kind::integer:
      return Value::integer(edn.integer);
    case Edn::Kind::floating:
    case Edn::Kind::string:
    case Edn::Kind::keyword:
    case Edn::Kind::symbol:
      return Value::string(edn.text);
    case Edn::Kind::vector: {
      Value::List list;
      for (const auto& item : edn.items) {
        auto value = to_value(item);
        if (!value.ok()) return value.error();
        list.push_back(std::move(*value));
      }
      return Value::list(std::move(list));
    }
    case Edn::Kind::map:
    case Edn::Kind::set:
      break;
  }
  return make_error(Errc::invalid_argument,
                    "expected nil, a number, a string, a keyword or a "
                    "vector, got a map or a set");
}

}  // namespace

Result<std::vector<HistoryEvent>> parse_edn_history(std::string_view text, std::string_view file) {
  std::vector<HistoryEvent> events;
  Status status =
      for_each_event_line(text, [&](std::string_view line, std::size_t number) -> Status {
        auto fail = [&](std::string_view field, const std::string& why) -> Status {
          return make_error(Errc::invalid_argument,
                            fmt::format("{}:{}: field :{}: {}", file, number, field, why));
        };
        auto parsed = EdnReader(line).read_one();
        if (!parsed.ok()) {
          return make_error(Errc::invalid_argument, fmt::format("{}:{}: not EDN: {}", file, number,
                                                                parsed.error().message));
        }
        if (parsed->kind != Edn::Kind::map) return fail("-", "expected a map {:process ...}");
        HistoryEvent event;
        event.line = number;
        bool has_process = false, has_type = false, has_f = false, nemesis = false;
        for (std::size_t i = 0; i + 1 < parsed->items.size(); i += 2) {
          const Edn& key = parsed->items[i];
          const Edn& value = parsed->items[i + 1];
          if (key.kind != Edn::Kind::keyword) continue;
          if (key.text == "process") {
            if (value.kind == Edn::Kind::keyword && value.text == "nemesis") {
              nemesis = true;
            } else if (value.kind == Edn::Kind::integer) {
              event.process = value.integer;
            } else {
              return fail("process", "expected an integer or :nemesis");
            }
            has_process = true;
          } else if (key.text == "type") {
            if (value.kind != Edn::Kind::keyword) return fail("type", "expected a keyword");
            auto type = parse_event_type(value.text);
            if (!type.ok()) return fail("type", type.error().message);
            event.type = *type;
            has_type = true;
          } else if (key.text == "f") {
            if (value.kind != Edn::Kind::keyword && value.kind != Edn::Kind::string &&
                value.kind != Edn::Kind::symbol) {
              return fail("f", "expected a keyword");
            }
            event.f = value.text;
            has_f = true;
          } else if (key.text == "value" || key.text == "key") {
            auto converted = to_value(value);
            if (!converted.ok()) return fail(key.text, converted.error().message);
            (key.text == "value" ? event.value : event.key) = std::move(*converted);
          } else if (key.text == "time") {
            if (value.kind != Edn::Kind::integer) return fail("time", "expected an integer");
            event.time = value.integer;
          }
        }
        if (!has_process) return fail("process", "missing");
        if (nemesis) return {};  // the fault injector's own events are not client operations
        if (!has_type) return fail("type", "missing");
        if (!has_f) return fail("f", "missing");
        events.push_back(std::move(event));
        return {};
      });
  if (!status) return status.error();
  return events;
}

Result<EventType> parse_event_type(std::string_view name) {
  if (name == "invoke") return EventType::invoke;
  if (name == "ok") return EventType::ok;
  if (name == "fail") return EventType::fail;
  if (name == "info") return EventType::info;
  return make_error(Errc::invalid_argument,
                    fmt::format("expected invoke, ok, fail or info, got {}", name));
}

}  // namespace orrery::testkit::check
