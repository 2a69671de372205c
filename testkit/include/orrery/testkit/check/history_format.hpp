#pragma once
// History files: our JSON lines and Jepsen's EDN lines, both read into HistoryEvents. Errors name
// the file, the line and the field.
//
// JSON lines (one object a line; blank lines and lines starting with # are skipped):
//   {"process": 0, "type": "invoke", "f": "cas", "value": [1, 2]}
//   {"process": 0, "type": "ok", "f": "cas", "value": [1, 2], "time": 1200}
// Keys: process (integer), type (invoke|ok|fail|info), f (string), value (null, integer, string
// or array), key (optional), time (optional integer); others are ignored, as Jepsen's extra keys.
//
// EDN lines, as Jepsen and Knossos write them:
//   {:process 0, :type :invoke, :f :write, :value 3, :time 1234}
// Keywords, integers, strings, nil, true/false, vectors and lists are read; :process may be
// :nemesis, whose events are not client operations and are skipped.
#include <string_view>
#include <vector>

#include <orrery/core/result.hpp>
#include <orrery/testkit/check/history.hpp>

namespace orrery::testkit::check {

Result<std::vector<HistoryEvent>> parse_json_history(std::string_view text, std::string_view file);
Result<std::vector<HistoryEvent>> parse_edn_history(std::string_view text, std::string_view file);
/// EDN when the first event line starts with '{:', JSON otherwise.
Result<std::vector<HistoryEvent>> parse_history(std::string_view text, std::string_view file);

/// The JSON line of one event (what parse_json_history reads back).
std::string to_json_line(const HistoryEvent& event);

}  // namespace orrery::testkit::check
