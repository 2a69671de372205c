// The [remote] table of a node's configuration: RemoteConfig's schema and its cross-key checks.

#include <fmt/format.h>

#include <orrery/core/assert.hpp>
#include <orrery/remote/remote_config.hpp>

namespace orrery {

namespace {

using namespace std::chrono_literals;

ConfigSchema<RemoteConfig> make_remote_schema() {
  using U32 = std::uint32_t;
  ConfigSchema<RemoteConfig> schema("remote");
  schema.duration("heartbeat-interval", &RemoteConfig::heartbeat_interval, 1ms, 1h)
      .duration("unreachable-after", &RemoteConfig::unreachable_after, 1ms, 24h)
      .duration("handshake-timeout", &RemoteConfig::handshake_timeout, 1ms, 24h)
      .duration("handshake-retry-interval", &RemoteConfig::handshake_retry_interval, 1ms, 1h)
      .duration("handshake-retry-interval-max", &RemoteConfig::handshake_retry_interval_max, 1ms,
                1h)
      .duration("peer-idle-timeout", &RemoteConfig::peer_idle_timeout, 1ms, 24h * 7)
      .integer<U32>("pending-messages-max", &RemoteConfig::pending_messages_max, 0, 10'000'000)
      .integer<U32>("inbox-messages-max", &RemoteConfig::inbox_messages_max, 1, 100'000'000)
      .integer<U32>("system-messages-max", &RemoteConfig::system_messages_max, 1, 10'000'000)
      .integer<U32>("quarantined-max", &RemoteConfig::quarantined_max, 1, 1'000'000)
      .integer<U32>("quarantined-nodes-max", &RemoteConfig::quarantined_nodes_max, 1, 1'000'000)
      .integer<U32>("exported-refs-max", &RemoteConfig::exported_refs_max, 1, 100'000'000)
      .integer<U32>("recipient-cache-max", &RemoteConfig::recipient_cache_max, 1, 100'000'000)
      .integer<U32>("errors-logged-max", &RemoteConfig::errors_logged_max, 0, 1'000'000)
      .integer<U32>("send-refusals-logged-max", &RemoteConfig::send_refusals_logged_max, 0,
                    1'000'000);
  return schema;
}

const ConfigSchema<RemoteConfig>& remote_schema() {
  static const ConfigSchema<RemoteConfig> schema = make_remote_schema();  // immutable
  return schema;
}

/// A check across two keys: the error names the one the file sets (`key` when it sets both)
/// and its line; the other may be a default the user never wrote.
Error across(const ConfigDocument& document, std::string_view key, std::string_view other,
             std::string_view problem) {
  const ConfigDocument::Entry* entry = document.find(key);
  std::string_view named = key;
  if (entry == nullptr && document.find(other) != nullptr) {
    named = other;
    entry = document.find(other);
  }
  ORRERY_ASSERT(entry != nullptr, "the defaults pass the checks across keys");
  return make_error(Errc::invalid_argument, fmt::format("{}:{}: key '{}': {}", document.origin(),
                                                        entry->line, named, problem));
}

std::int64_t as_millis(Duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

}  // namespace

ConfigSection remote_config_section() {
  return remote_schema().section();
}

Result<RemoteConfig> load_remote_config(const ConfigDocument& document) {
  RemoteConfig config;
  if (auto applied = remote_schema().apply(document, config); !applied) return applied.error();
  // A peer that misses one heartbeat is not gone: Terminated is final, so declaring it too early
  // would quarantine a healthy node for good.
  if (config.unreachable_after < 2 * config.heartbeat_interval) {
    return across(
        document, "remote.unreachable-after", "remote.heartbeat-interval",
        fmt::format("remote.unreachable-after ({} ms) must be at least twice "
                    "remote.heartbeat-interval ({} ms)",
                    as_millis(config.unreachable_after), as_millis(config.heartbeat_interval)));
  }
  if (config.handshake_retry_interval > config.handshake_retry_interval_max) {
    return across(document, "remote.handshake-retry-interval",
                  "remote.handshake-retry-interval-max",
                  fmt::format("remote.handshake-retry-interval ({} ms) must not exceed "
                              "remote.handshake-retry-interval-max ({} ms)",
                              as_millis(config.handshake_retry_interval),
                              as_millis(config.handshake_retry_interval_max)));
  }
  return config;
}

}  // namespace orrery
