// The runner and the two outputs.
#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include <orrery/core/assert.hpp>

namespace orrery::bench {
namespace {

/// The run with the median value (the middle one; use odd repetition counts).
Measurement median_run(const Measure& measure, const RunScale& scale, std::uint32_t repetitions) {
  ORRERY_ASSERT(repetitions > 0, "a benchmark side needs at least one run");
  std::vector<Measurement> runs;
  runs.reserve(repetitions);
  for (std::uint32_t i = 0; i < repetitions; ++i)
    runs.push_back(measure(scale));
  std::sort(runs.begin(), runs.end(),
            [](const Measurement& a, const Measurement& b) { return a.value < b.value; });
  return runs[runs.size() / 2];
}

/// 3-4 significant digits with k/M/G for large values: the table is read by people.
std::string human(double value) {
  if (value >= 1e9) return fmt::format("{:.2f}G", value / 1e9);
  if (value >= 1e6) return fmt::format("{:.2f}M", value / 1e6);
  if (value >= 1e4) return fmt::format("{:.1f}k", value / 1e3);
  if (value >= 100) return fmt::format("{:.0f}", value);
  return fmt::format("{:.1f}", value);
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_number(double value) {
  return fmt::format("{:.6g}", value);
}

}  // namespace

double ratio_of(double ours, double peer, Better better) {
  ORRERY_ASSERT(ours > 0 && peer > 0, "a ratio needs positive figures");
  return better == Better::lower ? peer / ours : ours / peer;
}

Outcome run(const Benchmark& benchmark, const RunScale& scale, std::uint32_t repetitions) {
  const std::uint32_t count = benchmark.repetitions != 0 && benchmark.repetitions < repetitions
                                  ? benchmark.repetitions
                                  : repetitions;
  Outcome outcome;
  outcome.benchmark = &benchmark;
  if (benchmark.skip_reason) outcome.skipped = benchmark.skip_reason();
  if (!outcome.skipped.empty()) return outcome;
  outcome.ours = median_run(benchmark.ours, scale, count);
  outcome.peer = median_run(benchmark.peer, scale, count);
  for (const Aside& aside : benchmark.asides) {
    outcome.asides.emplace_back(aside.who, median_run(aside.measure, scale, count));
  }
  outcome.ratio = ratio_of(outcome.ours.value, outcome.peer.value, benchmark.better);
  return outcome;
}

void print_table_header(std::uint32_t repetitions, const RunScale& scale) {
  std::printf(
      "orrery-bench: %u cores; each figure is the median of %u runs (fewer for the slowest)%s\n",
      std::thread::hardware_concurrency(), repetitions, scale.quick ? "; --quick sizes" : "");
  std::printf(
      "ratio = how many times better ours is (>1 is better, whichever way the unit points)\n\n");
  std::printf("%-20s | %-9s | %10s | %-22s | %7s\n", "name", "unit", "ours", "peer (who)", "ratio");
  std::printf("%.*s\n", 82,
              "----------------------------------------------------------------------------------");
  std::fflush(stdout);
}

void print_table_row(const Outcome& outcome) {
  const Benchmark& b = *outcome.benchmark;
  if (!outcome.skipped.empty()) {
    std::printf("%-20s | %-9s | SKIPPED: %s\n", b.name.c_str(), b.unit.c_str(),
                outcome.skipped.c_str());
    std::fflush(stdout);
    return;
  }
  const std::string peer = fmt::format("{} ({})", human(outcome.peer.value), b.peer_name);
  std::printf("%-20s | %-9s | %10s | %-22s | %6.2fx\n", b.name.c_str(), b.unit.c_str(),
              human(outcome.ours.value).c_str(), peer.c_str(), outcome.ratio);
  if (!outcome.ours.detail.empty()) std::printf("%22s ours: %s\n", "", outcome.ours.detail.c_str());
  if (!outcome.peer.detail.empty()) {
    std::printf("%22s %s: %s\n", "", b.peer_name.c_str(), outcome.peer.detail.c_str());
  }
  for (const auto& [who, measurement] : outcome.asides) {
    std::printf("%22s also %s: %s %s (ours %.2fx better)%s%s\n", "", who.c_str(),
                human(measurement.value).c_str(), b.unit.c_str(),
                ratio_of(outcome.ours.value, measurement.value, b.better),
                measurement.detail.empty() ? "" : "; ", measurement.detail.c_str());
  }
  std::fflush(stdout);
}

std::string to_json(const std::vector<Outcome>& outcomes) {
  std::string out = "[";
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& o = outcomes[i];
    const Benchmark& b = *o.benchmark;
    out += i == 0 ? "\n  {" : ",\n  {";
    if (!o.skipped.empty()) {
      out += fmt::format("\"name\": {}, \"unit\": {}, \"peer\": {}, \"skipped\": {}}}",
                         json_string(b.name), json_string(b.unit), json_string(b.peer_name),
                         json_string(o.skipped));
      continue;
    }
    out += fmt::format(
        "\"name\": {}, \"unit\": {}, \"ours\": {}, \"peer\": {}, \"peer_value\": {}, \"ratio\": {}",
        json_string(b.name), json_string(b.unit), json_number(o.ours.value),
        json_string(b.peer_name), json_number(o.peer.value), json_number(o.ratio));
    if (!o.ours.detail.empty())
      out += fmt::format(", \"ours_detail\": {}", json_string(o.ours.detail));
    if (!o.peer.detail.empty())
      out += fmt::format(", \"peer_detail\": {}", json_string(o.peer.detail));
    if (!o.asides.empty()) {
      out += ", \"also\": [";
      for (std::size_t j = 0; j < o.asides.size(); ++j) {
        if (j > 0) out += ", ";
        out += fmt::format("{{\"who\": {}, \"value\": {}}}", json_string(o.asides[j].first),
                           json_number(o.asides[j].second.value));
      }
      out += "]";
    }
    out += "}";
  }
  return out + (outcomes.empty() ? "]\n" : "\n]\n");
}

}  // namespace orrery::bench
