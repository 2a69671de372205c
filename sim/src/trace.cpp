// The trace fold and its JSON lines. The fold mixes each field in a fixed order with mix64, which
// is pure integer arithmetic: identical on every compiler and build mode.

#include <fmt/format.h>

#include <orrery/core/prng.hpp>
#include <orrery/sim/trace.hpp>

namespace orrery::sim {

const char* to_string(TraceKind kind) noexcept {
  switch (kind) {
    case TraceKind::run:
      return "run";
    case TraceKind::timer:
      return "timer";
    case TraceKind::send:
      return "send";
    case TraceKind::deliver:
      return "deliver";
    case TraceKind::drop:
      return "drop";
    case TraceKind::duplicate:
      return "duplicate";
    case TraceKind::link_up:
      return "link_up";
    case TraceKind::link_down:
      return "link_down";
    case TraceKind::crash:
      return "crash";
    case TraceKind::restart:
      return "restart";
    case TraceKind::pause:
      return "pause";
    case TraceKind::partition:
      return "partition";
    case TraceKind::heal:
      return "heal";
    case TraceKind::clock_jump:
      return "clock_jump";
    case TraceKind::clock_drift:
      return "clock_drift";
    case TraceKind::disk_fault:
      return "disk_fault";
    case TraceKind::disk_crash:
      return "disk_crash";
    case TraceKind::buggify:
      return "buggify";
    case TraceKind::clog:
      return "clog";
    case TraceKind::note:
      return "note";
    case TraceKind::disk_latency:
      return "disk_latency";
    case TraceKind::overflow:
      return "overflow";
  }
  return "unknown";
}

void Trace::record(Instant now, const TraceEvent& event) {
  std::uint64_t h = mix64(hash_, static_cast<std::uint64_t>(now.time_since_epoch().count()));
  h = mix64(h, (static_cast<std::uint64_t>(event.kind) << 56) ^
                   (static_cast<std::uint64_t>(event.node) << 24) ^ event.peer);
  h = mix64(h, event.a);
  h = mix64(h, event.b);
  if (!event.text.empty()) h = mix64(h, fnv1a64(event.text.data(), event.text.size()));
  hash_ = h;
  ++events_;
  if (sink_) write_json(now, event);
}

void append_json_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
}

void Trace::write_json(Instant now, const TraceEvent& event) {
  line_.clear();
  auto out = std::back_inserter(line_);
  fmt::format_to(out, R"({{"t":{},"ev":"{}")", now.time_since_epoch().count(),
                 to_string(event.kind));
  if (event.node != TraceEvent::none) {
    line_ += R"(,"node":")";
    append_json_escaped(line_, node_name_(event.node));
    line_ += '"';
  }
  if (event.peer != TraceEvent::none) {
    line_ += R"(,"peer":")";
    append_json_escaped(line_, node_name_(event.peer));
    line_ += '"';
  }
  fmt::format_to(out, R"(,"a":{},"b":{})", event.a, event.b);
  if (!event.text.empty()) {
    line_ += R"(,"text":")";
    append_json_escaped(line_, event.text);
    line_ += '"';
  }
  fmt::format_to(out, R"(,"hash":"{:016x}"}})", hash_);
  sink_(line_);
}

}  // namespace orrery::sim
