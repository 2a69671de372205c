// Configuration: TOML parsing, typed schemas, errors that name the file, the line and the key,
// and bad input that never crashes.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <orrery/config/runtime_config.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

/// The first error of parsing `text` as "node.toml", loading [actor.system] and checking that
/// every key was read; "ok" when there is none.
std::string error_of(std::string_view text) {
  auto document = ConfigDocument::parse(text, "node.toml");
  if (!document.ok()) return document.error().message;
  auto config = load_actor_system_config(*document);
  if (!config.ok()) return config.error().message;
  auto all = document->check_all_used();
  return all.ok() ? std::string("ok") : all.error().message;
}

TEST_CASE("a TOML config file sets typed keys over the defaults", "[config]") {
  auto document = ConfigDocument::parse(R"(
# node settings
[actor.system]
name = "orders"   # trailing comment
throughput = 250
log-level = "warning"
serialize-messages = true
shutdown-phase-timeout = "1.5s"
)",
                                        "node.toml");
  REQUIRE(document.ok());
  auto config = load_actor_system_config(*document);
  REQUIRE(config.ok());
  REQUIRE(config->name == "orders");
  REQUIRE(config->throughput == 250);
  REQUIRE(config->log_level == LogLevel::warning);
  REQUIRE(config->serialize_messages);
  REQUIRE(config->shutdown_phase_timeout == 1500ms);
  REQUIRE(config->dead_letters_logged_max == ActorSystemConfig{}.dead_letters_logged_max);
  REQUIRE(document->check_all_used().ok());
  REQUIRE(document->find("actor.system.throughput")->line == 5);
}

TEST_CASE("config - dotted keys and inline tables are the same keys as tables", "[config]") {
  auto dotted = ConfigDocument::parse("actor.system.throughput = 7\n", "a.toml");
  auto inline_table = ConfigDocument::parse("actor = { system = { throughput = 7 } }\n", "b.toml");
  REQUIRE(dotted.ok());
  REQUIRE(inline_table.ok());
  REQUIRE(load_actor_system_config(*dotted)->throughput == 7);
  REQUIRE(load_actor_system_config(*inline_table)->throughput == 7);
  REQUIRE(dotted->check_all_used().ok());
  REQUIRE(inline_table->check_all_used().ok());
}

TEST_CASE("config errors - unknown keys and tables name the file, the line and the key",
          "[config]") {
  REQUIRE(error_of("[actor.system]\nthroughpt = 5") ==
          "node.toml:2: unknown key 'actor.system.throughpt' (known in [actor.system]: name, "
          "throughput, dead-letters-logged-max, serialize-messages, log-level, "
          "shutdown-phase-timeout)");
  REQUIRE(error_of("[actor.system]\nthroughput = 5\n\n[remoting]\nport = 1\n") ==
          "node.toml:4: unknown table [remoting] (known tables: actor.system)");
  // An empty table holds no key, but is still a misspelling to report.
  REQUIRE(error_of("[actor.sytsem]\n") ==
          "node.toml:1: unknown table [actor.sytsem] (known tables: actor.system)");
  REQUIRE(error_of("[actor.system.extra]\nx = 1\n") ==
          "node.toml:1: unknown key 'actor.system.extra' (known in [actor.system]: name, "
          "throughput, dead-letters-logged-max, serialize-messages, log-level, "
          "shutdown-phase-timeout)");
  REQUIRE(error_of("top = 1\n") == "node.toml:1: unknown key 'top'");
}

struct Outer {
  std::int64_t level = 1;
};
struct Inner {
  std::int64_t depth = 2;
};

TEST_CASE("config - a subtable is left to its own schema, and only a declared one", "[config]") {
  ConfigSchema<Outer> outer("store");
  outer.integer("level", &Outer::level, 0, 9).subtable("inner");
  ConfigSchema<Inner> inner("store.inner");
  inner.integer("depth", &Inner::depth, 0, 9);
  auto document = ConfigDocument::parse("[store]\nlevel = 3\n[store.inner]\ndepth = 4\n", "n.toml");
  REQUIRE(document.ok());
  Outer read_outer;
  Inner read_inner;
  REQUIRE(outer.apply(*document, read_outer).ok());
  REQUIRE(inner.apply(*document, read_inner).ok());
  REQUIRE(read_outer.level == 3);
  REQUIRE(read_inner.depth == 4);
  REQUIRE(document->check_all_used().ok());
  // An undeclared table inside [store] is an unknown key of [store]; a subtable written as a
  // value is refused by its own schema.
  auto other = ConfigDocument::parse("[store.outer]\ndepth = 4\n", "n.toml");
  REQUIRE(other.ok());
  REQUIRE(outer.apply(*other, read_outer).error().message ==
          "n.toml:1: unknown key 'store.outer' (known in [store]: level)");
  auto scalar = ConfigDocument::parse("[store]\ninner = 5\n", "n.toml");
  REQUIRE(scalar.ok());
  REQUIRE(outer.apply(*scalar, read_outer).ok());
  REQUIRE(inner.apply(*scalar, read_inner).error().message ==
          "n.toml:2: 'store.inner' must be a table ([store.inner]), not an integer");
}

TEST_CASE("config errors - wrong types name the key and what was expected", "[config]") {
  REQUIRE(error_of("[actor.system]\nthroughput = \"many\"") ==
          "node.toml:2: key 'actor.system.throughput': expected an integer, got a string (many)");
  REQUIRE(error_of("[actor.system]\nthroughput = 2.5") ==
          "node.toml:2: key 'actor.system.throughput': expected an integer, got a floating-point "
          "number (2.5)");
  REQUIRE(error_of("[actor.system]\nserialize-messages = \"yes\"") ==
          "node.toml:2: key 'actor.system.serialize-messages': expected a boolean (true or "
          "false), got a string (yes)");
  REQUIRE(error_of("[actor.system]\nname = 7") ==
          "node.toml:2: key 'actor.system.name': expected a string, got an integer (7)");
  REQUIRE(error_of("[actor.system]\nlog-level = [\"info\"]") ==
          "node.toml:2: key 'actor.system.log-level': expected a string, one of: debug, info, "
          "warning, error, got an array");
  REQUIRE(error_of("[actor.system.throughput]\nx = 1") ==
          "node.toml:1: key 'actor.system.throughput': expected an integer, got a table");
  REQUIRE(error_of("[actor]\nsystem = 5\n") ==
          "node.toml:2: 'actor.system' must be a table ([actor.system]), not an integer");
  REQUIRE(error_of("actor = \"x\"\n") ==
          "node.toml:1: 'actor' must be a table ([actor]), not a string");
  REQUIRE(error_of("[[actor.system]]\nname = \"x\"\n") ==
          "node.toml:1: 'actor.system' must be a table ([actor.system]), not an array");
  REQUIRE(error_of("[actor.system]\nshutdown-phase-timeout = 1979-05-27") ==
          "node.toml:2: key 'actor.system.shutdown-phase-timeout': expected a string such as "
          "\"250ms\", got a date or time");
}

TEST_CASE("config errors - durations need a unit, values a range", "[config]") {
  REQUIRE(error_of("[actor.system]\nshutdown-phase-timeout = 5") ==
          "node.toml:2: key 'actor.system.shutdown-phase-timeout': 5 has no unit: write a "
          "string such as \"250ms\"");
  REQUIRE(error_of("[actor.system]\nshutdown-phase-timeout = \"5\"") ==
          "node.toml:2: key 'actor.system.shutdown-phase-timeout': '5' has no unit (write e.g. "
          "\"5s\" or \"5ms\")");
  REQUIRE(error_of("[actor.system]\nshutdown-phase-timeout = \"10 parsecs\"") ==
          "node.toml:2: key 'actor.system.shutdown-phase-timeout': '10 parsecs' has an unknown "
          "time unit 'parsecs' (ns, us, ms, s, m, h)");
  REQUIRE(error_of("[actor.system]\nshutdown-phase-timeout = \"2h\"") ==
          "node.toml:2: key 'actor.system.shutdown-phase-timeout': 7200000000000 ns is outside "
          "[1000000 ns, 3600000000000 ns]");
  REQUIRE(error_of("\n[actor.system]\nthroughput = 0") ==
          "node.toml:3: key 'actor.system.throughput': 0 is outside [1, 1000000]");
  REQUIRE(error_of("[actor.system]\nlog-level = \"loud\"") ==
          "node.toml:2: key 'actor.system.log-level': 'loud' is not one of: debug, info, "
          "warning, error");
  REQUIRE(error_of("[actor.system]\nname = \"a b\"") ==
          "node.toml:2: key 'actor.system.name': 'a b' may hold only letters, digits, '-' and '_'");
}

TEST_CASE("config errors - syntax errors name the file, the line and the key", "[config]") {
  const std::string unterminated = error_of("[actor.system]\nname = \"open\n");
  INFO(unterminated);
  REQUIRE(unterminated.starts_with("node.toml:2: "));
  REQUIRE(unterminated.ends_with(" (key 'name' in [actor.system])"));

  const std::string twice = error_of("[actor.system]\nthroughput = 1\nthroughput = 2\n");
  INFO(twice);
  REQUIRE(twice.starts_with("node.toml:3: "));
  REQUIRE(twice.find("throughput") != std::string::npos);

  const std::string bare = error_of("[executor]\njust words\n");
  INFO(bare);
  REQUIRE(bare.starts_with("node.toml:2: "));
  REQUIRE(bare.ends_with(" (in [executor])"));

  REQUIRE(error_of("[actor.system]\n\"Bad Key\" = 1\n") ==
          "node.toml:2: 'actor.system.Bad Key' is not a key name (lower-case letters, digits, "
          "'-' and '_')");
}

TEST_CASE("durations and sizes parse exactly, with their units", "[config]") {
  REQUIRE(*parse_duration("250ms") == 250ms);
  REQUIRE(*parse_duration("1.25s") == 1250ms);
  REQUIRE(*parse_duration("2m") == 120s);
  REQUIRE(*parse_duration("2min") == 120s);
  REQUIRE(*parse_duration("100us") == 100us);
  REQUIRE(*parse_duration("0s") == 0s);
  REQUIRE_FALSE(parse_duration("s").ok());
  REQUIRE_FALSE(parse_duration("250").ok());
  REQUIRE_FALSE(parse_duration("1..5s").ok());
  REQUIRE_FALSE(parse_duration("1.s").ok());
  REQUIRE_FALSE(parse_duration("99999999999999999h").ok());
  REQUIRE_FALSE(parse_duration("9223372036.9999999999s").ok());
  REQUIRE(*parse_bytes("64KiB") == 65536);
  REQUIRE(*parse_bytes("4096B") == 4096);
  REQUIRE(*parse_bytes("4MiB") == 4u << 20);
  REQUIRE_FALSE(parse_bytes("4096").ok());
  REQUIRE_FALSE(parse_bytes("1TB").ok());
  REQUIRE_FALSE(parse_bytes("99999999999GiB").ok());
}

}  // namespace
}  // namespace orrery
