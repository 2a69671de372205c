// Configuration: parsing, typed schemas, errors that name the key, and bad input.
#include <catch2/catch.hpp>
#include <orrery/config/runtime_config.hpp>
#include <rapidcheck/catch.h>

namespace orrery {
namespace {

using namespace std::chrono_literals;

TEST_CASE("a config file sets typed keys over the defaults", "[config]") {
  auto document = ConfigDocument::parse(R"(
# node settings
actor.system.name = orders   # trailing comment
actor.system.throughput = 250
actor.system.log-level = "warning"
actor.system.shutdown-phase-timeout = 1.5s
)",
                                        "node.conf");
  REQUIRE(document.ok());
  auto config = load_actor_system_config(*document);
  REQUIRE(config.ok());
  REQUIRE(config->name == "orders");
  REQUIRE(config->throughput == 250);
  REQUIRE(config->log_level == LogLevel::warning);
  REQUIRE(config->shutdown_phase_timeout == 1500ms);
  REQUIRE(config->dead_letters_logged_max == ActorSystemConfig{}.dead_letters_logged_max);
  REQUIRE(document->check_all_used().ok());
}

TEST_CASE("config errors name the key, the line and what was expected", "[config]") {
  auto error_of = [](std::string_view text) {
    auto document = ConfigDocument::parse(text, "node.conf");
    if (!document.ok()) return document.error().message;
    auto config = load_actor_system_config(*document);
    if (!config.ok()) return config.error().message;
    auto all = document->check_all_used();
    return all.ok() ? std::string("ok") : all.error().message;
  };
  REQUIRE(error_of("actor.system.throughpt = 5") ==
          "node.conf:1: unknown key 'actor.system.throughpt' (known under 'actor.system': name, "
          "throughput, dead-letters-logged-max, log-level, shutdown-phase-timeout)");
  REQUIRE(error_of("\nactor.system.throughput = 0") ==
          "node.conf:2: key 'actor.system.throughput': 0 is outside [1, 1000000]");
  REQUIRE(error_of("actor.system.throughput = many") ==
          "node.conf:1: key 'actor.system.throughput': 'many' is not an integer");
  REQUIRE(error_of("actor.system.shutdown-phase-timeout = 10 parsecs") ==
          "node.conf:1: key 'actor.system.shutdown-phase-timeout': '10 parsecs' has an unknown time unit 'parsecs'");
  REQUIRE(error_of("actor.system.log-level = loud") ==
          "node.conf:1: key 'actor.system.log-level': 'loud' is not one of: debug, info, warning, error");
  REQUIRE(error_of("actor.system.name = a b") ==
          "node.conf:1: key 'actor.system.name': 'a b' may hold only letters, digits, '-' and '_'");
  REQUIRE(error_of("a = 1\na = 2") == "node.conf:2: key 'a' already set at line 1");
  REQUIRE(error_of("just words") == "node.conf:1: expected 'key = value'");
  REQUIRE(error_of("Bad.Key = 1") ==
          "node.conf:1: 'Bad.Key' is not a key (lower-case words joined by '.', '-', '_')");
  REQUIRE(error_of("x = \"open") == "node.conf:1: unterminated quoted value");
  REQUIRE(error_of("remote.port = 1") == "node.conf:1: unknown key 'remote.port'");
}

TEST_CASE("durations and sizes parse exactly", "[config]") {
  REQUIRE(*parse_duration("250ms") == 250ms);
  REQUIRE(*parse_duration("1.25s") == 1250ms);
  REQUIRE(*parse_duration("2m") == 120s);
  REQUIRE(*parse_duration("100us") == 100us);
  REQUIRE_FALSE(parse_duration("s").ok());
  REQUIRE_FALSE(parse_duration("99999999999999999h").ok());
  REQUIRE(*parse_bytes("64KiB") == 65536);
  REQUIRE(*parse_bytes("4096") == 4096);
  REQUIRE_FALSE(parse_bytes("1TB").ok());
}

TEST_CASE("any text parses or fails cleanly, never crashes", "[config][property]") {
  rc::prop("parse never crashes and keeps only valid keys", [](const std::string& text) {
    auto document = ConfigDocument::parse(text);
    if (document.ok()) {
      for (const auto& [key, entry] : document->entries()) {
        RC_ASSERT(!key.empty());
        RC_ASSERT(entry.line >= 1);
      }
      auto config = load_actor_system_config(*document);
      static_cast<void>(config);
    }
    static_cast<void>(parse_duration(text));
    static_cast<void>(parse_bytes(text));
  });
}

}  // namespace
}  // namespace orrery
