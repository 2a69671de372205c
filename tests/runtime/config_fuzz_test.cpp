// Bad configuration text never crashes: random and mutated TOML goes through the parser and the
// loaders and comes back as a result, a value or an error naming the origin.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <orrery/config/runtime_config.hpp>
#include <orrery/env/production/production_config.hpp>

namespace orrery {
namespace {

constexpr std::string_view sample = R"(# a node
[actor.system]
name = "orders"
throughput = 100
shutdown-phase-timeout = "1.5s"
log-level = "info"

[executor]
workers = 2
spin-before-park = "50us"

[storage]
root = "data"

[transport]
kind = "grpc"
address = "orders@127.0.0.1:2552"
plaintext = true
frame-bytes-max = "1MiB"
peers = { max = 3, list = [1, 2.5, "x", 1979-05-27T07:32:00Z] }
[[items]]
x = 'literal'
)";

/// Characters TOML gives meaning to, so that mutations reach the parser's corners.
constexpr std::string_view alphabet = "[]{}=\"'.,#\n\t 0123456789abcdefsmhKiMGB-_+:eTZ\\";

struct Mutation {
  std::size_t position = 0;
  int operation = 0;  // 0 insert, 1 delete, 2 replace
  char character = ' ';
};

std::string mutate(std::string text, const std::vector<Mutation>& mutations) {
  for (const Mutation& mutation : mutations) {
    const std::size_t at = text.empty() ? 0 : mutation.position % (text.size() + 1);
    if (mutation.operation == 0 || text.empty()) {
      text.insert(at, 1, mutation.character);
    } else if (at < text.size()) {
      if (mutation.operation == 1)
        text.erase(at, 1);
      else
        text[at] = mutation.character;
    }
  }
  return text;
}

/// Parses and loads `text` as every loader would; returns whether it all succeeded, and checks
/// that each error names the origin.
bool load_all(const std::string& text) {
  auto document = ConfigDocument::parse(text, "fuzz.toml");
  if (!document.ok()) {
    RC_ASSERT(document.error().message.starts_with("fuzz.toml"));
    return false;
  }
  for (const auto& [key, entry] : document->entries()) {
    RC_ASSERT(!key.empty());
    RC_ASSERT(entry.line >= 1);
  }
  auto system = load_actor_system_config(*document);
  auto production = load_production_config(*document);
  auto all = document->check_all_used();
  for (const Status& status : {system.ok() ? Status() : Status(system.error()),
                               production.ok() ? Status() : Status(production.error()), all}) {
    if (!status.ok()) RC_ASSERT(status.error().message.starts_with("fuzz.toml"));
  }
  return system.ok() && production.ok() && all.ok();
}

TEST_CASE("config - the sample the fuzzer mutates is itself refused only for its extra keys",
          "[config]") {
  auto document = ConfigDocument::parse(sample, "sample.toml");
  REQUIRE(document.ok());
  REQUIRE(load_actor_system_config(*document).ok());
  auto production = load_production_config(*document);
  REQUIRE_FALSE(production.ok());  // peers is not a [transport] key
  REQUIRE(production.error().message.starts_with("sample.toml:20: unknown key 'transport.peers'"));
}

TEST_CASE("config - any text parses or fails cleanly, never crashes", "[config][property]") {
  rc::prop("random text", [](const std::string& text) {
    static_cast<void>(load_all(text));
    static_cast<void>(parse_duration(text));
    static_cast<void>(parse_bytes(text));
  });
  rc::prop("mutated TOML", [](const std::vector<std::tuple<std::size_t, int, std::size_t>>& raw) {
    std::vector<Mutation> mutations;
    for (const auto& [position, operation, character] : raw) {
      mutations.push_back(
          Mutation{position, ((operation % 3) + 3) % 3, alphabet[character % alphabet.size()]});
    }
    static_cast<void>(load_all(mutate(std::string(sample), mutations)));
  });
}

}  // namespace
}  // namespace orrery
