#include <map>

#include <fmt/format.h>

#include <orrery/testkit/check/history.hpp>

namespace orrery::testkit::check {

const char* to_string(EventType type) noexcept {
  switch (type) {
    case EventType::invoke:
      return "invoke";
    case EventType::ok:
      return "ok";
    case EventType::fail:
      return "fail";
    case EventType::info:
      return "info";
  }
  return "?";
}

Result<std::vector<Operation>> pair_operations(const std::vector<HistoryEvent>& events,
                                               std::string_view file) {
  // Positions are event indices unless every event has a time.
  bool timed = !events.empty();
  for (const auto& event : events)
    timed = timed && event.time.has_value();
  auto position = [&](std::size_t index) {
    return timed ? static_cast<std::uint64_t>(*events[index].time) : std::uint64_t{index};
  };

  struct Open {
    std::size_t operation;  // index into `slots`
  };
  std::vector<std::optional<Operation>> slots;
  std::map<std::int64_t, Open> open;  // by process
  for (std::size_t i = 0; i < events.size(); ++i) {
    const HistoryEvent& event = events[i];
    auto found = open.find(event.process);
    if (event.type == EventType::invoke) {
      if (found != open.end()) {
        return make_error(
            Errc::invalid_argument,
            fmt::format("{}:{}: process {} invokes :{} while its :{} from line {} "
                        "has not completed",
                        file, event.line, event.process, event.f, slots[found->second.operation]->f,
                        slots[found->second.operation]->line));
      }
      Operation op;
      op.process = event.process;
      op.f = event.f;
      op.key = event.key;
      op.input = event.value;
      op.call = position(i);
      op.line = event.line;
      open.emplace(event.process, Open{slots.size()});
      slots.emplace_back(std::move(op));
      continue;
    }
    if (found == open.end()) {
      return make_error(
          Errc::invalid_argument,
          fmt::format("{}:{}: process {} completes :{} ({}) without an invocation", file,
                      event.line, event.process, event.f, to_string(event.type)));
    }
    auto& slot = slots[found->second.operation];
    if (slot->f != event.f) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{}:{}: field f: process {} completes :{} but invoked :{} "
                                    "(line {})",
                                    file, event.line, event.process, event.f, slot->f, slot->line));
    }
    open.erase(found);
    if (event.type == EventType::fail) {
      slot.reset();  // it took no effect
    } else if (event.type == EventType::ok) {
      slot->output = event.value;
      slot->ret = position(i);
      if (slot->ret < slot->call) {
        return make_error(Errc::invalid_argument,
                          fmt::format("{}:{}: field time: completes before its invocation (line "
                                      "{})",
                                      file, event.line, slot->line));
      }
    }  // info: stays indeterminate
  }
  std::vector<Operation> operations;
  for (auto& slot : slots) {
    if (slot) operations.push_back(std::move(*slot));
  }
  return operations;
}

}  // namespace orrery::testkit::check
