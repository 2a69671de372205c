// Remoting's [remote] table: typed keys over RemoteConfig's defaults, and errors that name the
// file, the line and the key (one key's range, and the checks across keys).
#include <catch2/catch.hpp>

#include <orrery/remote/remote_config.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

/// The first error of parsing `text` as "node.toml", loading [remote] and checking that every
/// key was read; "ok" when there is none.
std::string error_of(std::string_view text) {
  auto document = ConfigDocument::parse(text, "node.toml");
  if (!document.ok()) return document.error().message;
  auto config = load_remote_config(*document);
  if (!config.ok()) return config.error().message;
  auto all = document->check_all_used();
  return all.ok() ? std::string("ok") : all.error().message;
}

TEST_CASE("remote config - the [remote] table sets remoting's timeouts and bounds", "[config]") {
  auto document = ConfigDocument::parse(R"([remote]
heartbeat-interval = "200ms"
unreachable-after = "2s"
handshake-timeout = "3s"
handshake-retry-interval = "250ms"
handshake-retry-interval-max = "1s"
peer-idle-timeout = "10m"
pending-messages-max = 50
exported-refs-max = 1000
)",
                                        "node.toml");
  REQUIRE(document.ok());
  auto config = load_remote_config(*document);
  REQUIRE(config.ok());
  const RemoteConfig defaults;
  CHECK(config->heartbeat_interval == 200ms);
  CHECK(config->unreachable_after == 2s);
  CHECK(config->handshake_timeout == 3s);
  CHECK(config->handshake_retry_interval == 250ms);
  CHECK(config->handshake_retry_interval_max == 1s);
  CHECK(config->peer_idle_timeout == 10min);
  CHECK(config->pending_messages_max == 50);
  CHECK(config->exported_refs_max == 1000);
  CHECK(config->system_messages_max == defaults.system_messages_max);
  CHECK(config->quarantined_nodes_max == defaults.quarantined_nodes_max);
  CHECK(document->check_all_used().ok());
}

TEST_CASE("remote config - no table gives RemoteConfig's defaults", "[config]") {
  auto document = ConfigDocument::parse("", "node.toml");
  REQUIRE(document.ok());
  auto config = load_remote_config(*document);
  REQUIRE(config.ok());
  const RemoteConfig defaults;
  CHECK(config->heartbeat_interval == defaults.heartbeat_interval);
  CHECK(config->handshake_timeout == defaults.handshake_timeout);
  CHECK(config->peer_idle_timeout == defaults.peer_idle_timeout);
}

TEST_CASE("remote config errors - each names the file, the line and the key", "[config]") {
  CHECK(error_of("[remote]\nhandshake-timeout = 10\n")
            .starts_with("node.toml:2: key 'remote.handshake-timeout'"));
  CHECK(error_of("[remote]\n\npending-messages-max = -1\n")
            .starts_with("node.toml:3: key 'remote.pending-messages-max'"));
  CHECK(
      error_of("[remote]\nhandshake-timout = \"1s\"\n")
          .starts_with("node.toml:2: unknown key 'remote.handshake-timout' (known in [remote]: "));
  CHECK(error_of("[remote]\nheartbeat-interval = \"1 fortnight\"\n")
            .starts_with("node.toml:2: key 'remote.heartbeat-interval'"));
}

TEST_CASE("remote config errors - checks across keys name a key the file sets, and its line",
          "[config]") {
  CHECK(error_of("[remote]\nheartbeat-interval = \"1s\"\nunreachable-after = \"1500ms\"\n") ==
        "node.toml:3: key 'remote.unreachable-after': remote.unreachable-after (1500 ms) must be "
        "at least twice remote.heartbeat-interval (1000 ms)");
  // Only the heartbeat is written: the error points at it, not at a default.
  CHECK(error_of("[remote]\nheartbeat-interval = \"3s\"\n") ==
        "node.toml:2: key 'remote.heartbeat-interval': remote.unreachable-after (5000 ms) must be "
        "at least twice remote.heartbeat-interval (3000 ms)");
  CHECK(error_of("[remote]\nhandshake-retry-interval = \"5s\"\n") ==
        "node.toml:2: key 'remote.handshake-retry-interval': remote.handshake-retry-interval "
        "(5000 ms) must not exceed remote.handshake-retry-interval-max (4000 ms)");
  CHECK(error_of("[remote]\n\nhandshake-retry-interval-max = \"500ms\"\n") ==
        "node.toml:3: key 'remote.handshake-retry-interval-max': remote.handshake-retry-interval "
        "(1000 ms) must not exceed remote.handshake-retry-interval-max (500 ms)");
  CHECK(error_of("[remote]\nunreachable-after = \"2s\"\n") == "ok");
}

}  // namespace
}  // namespace orrery
