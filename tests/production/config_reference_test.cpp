// docs/reference.toml against the code: every key of every schema (the runtime's and
// persistence's) is listed there with a comment and the code's default, and nothing else is.

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include <orrery/config/runtime_config.hpp>
#include <orrery/env/production/production_config.hpp>
#include <orrery/persistence/persistence_config.hpp>
#include <orrery/remote/remote_config.hpp>

namespace {

using orrery::ConfigDocument;
using orrery::ConfigSection;

std::vector<ConfigSection> all_sections() {
  std::vector<ConfigSection> sections{orrery::actor_system_config_section(),
                                      orrery::remote_config_section()};
  for (ConfigSection& section : orrery::production_config_sections()) {
    sections.push_back(std::move(section));
  }
  for (ConfigSection& section : orrery::persistence::persistence_config_sections()) {
    sections.push_back(std::move(section));
  }
  return sections;
}

std::string reference_text() {
  std::ifstream file(ORRERY_REFERENCE_CONFIG);
  REQUIRE(file);
  std::ostringstream text;
  text << file.rdbuf();
  return std::move(text).str();
}

/// The first disagreement between `text` (as "reference.toml") and the schemas; "ok" if none.
std::string check(const std::string& text) {
  auto reference = ConfigDocument::parse(text, "reference.toml");
  if (!reference.ok()) return reference.error().message;
  for (const ConfigSection& section : all_sections()) {
    if (auto agreed = section.check_reference(*reference); !agreed) return agreed.error().message;
  }
  auto all = reference->check_all_used();
  return all.ok() ? std::string("ok") : all.error().message;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("config reference: every key, with the code's default, and no other", "[config]") {
  REQUIRE(check(reference_text()) == "ok");

  // The same, spelled out: the reference's keys are exactly the schemas' keys.
  auto reference = ConfigDocument::parse(reference_text(), "reference.toml");
  REQUIRE(reference.ok());
  std::set<std::string> listed;
  for (const auto& [key, entry] : reference->entries()) {
    if (entry.value.kind != orrery::ConfigValue::Kind::table) listed.insert(key);
  }
  std::set<std::string> known;
  for (const ConfigSection& section : all_sections())
    known.insert(section.keys.begin(), section.keys.end());
  CHECK(listed == known);
}

TEST_CASE("config reference: the actor system's defaults load from it field by field", "[config]") {
  auto reference = ConfigDocument::parse(reference_text(), "reference.toml");
  REQUIRE(reference.ok());
  auto loaded = orrery::load_actor_system_config(*reference);
  REQUIRE(loaded.ok());
  const orrery::ActorSystemConfig defaults;
  CHECK(loaded->name == defaults.name);
  CHECK(loaded->throughput == defaults.throughput);
  CHECK(loaded->dead_letters_logged_max == defaults.dead_letters_logged_max);
  CHECK(loaded->serialize_messages == defaults.serialize_messages);
  CHECK(loaded->log_level == defaults.log_level);
  CHECK(loaded->shutdown_phase_timeout == defaults.shutdown_phase_timeout);
}

TEST_CASE("config reference: remoting's defaults load from it field by field", "[config]") {
  auto reference = ConfigDocument::parse(reference_text(), "reference.toml");
  REQUIRE(reference.ok());
  auto loaded = orrery::load_remote_config(*reference);
  REQUIRE(loaded.ok());
  const orrery::RemoteConfig defaults;
  CHECK(loaded->heartbeat_interval == defaults.heartbeat_interval);
  CHECK(loaded->unreachable_after == defaults.unreachable_after);
  CHECK(loaded->handshake_timeout == defaults.handshake_timeout);
  CHECK(loaded->handshake_retry_interval == defaults.handshake_retry_interval);
  CHECK(loaded->handshake_retry_interval_max == defaults.handshake_retry_interval_max);
  CHECK(loaded->peer_idle_timeout == defaults.peer_idle_timeout);
  CHECK(loaded->pending_messages_max == defaults.pending_messages_max);
  CHECK(loaded->inbox_messages_max == defaults.inbox_messages_max);
  CHECK(loaded->system_messages_max == defaults.system_messages_max);
  CHECK(loaded->quarantined_max == defaults.quarantined_max);
  CHECK(loaded->quarantined_nodes_max == defaults.quarantined_nodes_max);
  CHECK(loaded->exported_refs_max == defaults.exported_refs_max);
  CHECK(loaded->recipient_cache_max == defaults.recipient_cache_max);
  CHECK(loaded->errors_logged_max == defaults.errors_logged_max);
  CHECK(loaded->send_refusals_logged_max == defaults.send_refusals_logged_max);
}

TEST_CASE("config reference: persistence's defaults load from it field by field", "[config]") {
  auto reference = ConfigDocument::parse(reference_text(), "reference.toml");
  REQUIRE(reference.ok());
  auto loaded = orrery::persistence::load_persistence_config(*reference);
  REQUIRE(loaded.ok());
  const orrery::persistence::PersistenceConfig defaults;
  CHECK(loaded->store == defaults.store);
  CHECK(loaded->memory.event_bytes_max == defaults.memory.event_bytes_max);
  CHECK(loaded->sqlite.path == defaults.sqlite.path);
  CHECK(loaded->sqlite.owner == defaults.sqlite.owner);
  CHECK(loaded->sqlite.synchronous == defaults.sqlite.synchronous);
  CHECK(loaded->sqlite.event_bytes_max == defaults.sqlite.event_bytes_max);
  CHECK(loaded->sqlite.batch_writes_max == defaults.sqlite.batch_writes_max);
  CHECK(loaded->sqlite.wal_autocheckpoint_pages == defaults.sqlite.wal_autocheckpoint_pages);
  CHECK(loaded->sqlite.reopen_on_failure == defaults.sqlite.reopen_on_failure);
  CHECK(loaded->postgres.connection == defaults.postgres.connection);
  CHECK(loaded->postgres.schema == defaults.postgres.schema);
  CHECK(loaded->postgres.event_bytes_max == defaults.postgres.event_bytes_max);
  CHECK(loaded->postgres.group_writes_max == defaults.postgres.group_writes_max);
}

TEST_CASE("config reference: each key has a comment on the line above", "[config]") {
  const std::string text = reference_text();
  std::vector<std::string> lines{""};  // lines[n] is line n
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);)
    lines.push_back(line);
  auto reference = ConfigDocument::parse(text, "reference.toml");
  REQUIRE(reference.ok());
  for (const auto& [key, entry] : reference->entries()) {
    if (entry.value.kind == orrery::ConfigValue::Kind::table) continue;
    INFO(key);
    REQUIRE(entry.line >= 2);
    CHECK(lines[entry.line - 1].starts_with("#"));
  }
}

TEST_CASE("config reference: the check finds a changed default, a missing key and an extra one",
          "[config]") {
  const std::string text = reference_text();
  const std::string changed = check(replaced(text, "throughput = 100", "throughput = 101"));
  CHECK(changed.starts_with("reference.toml:"));
  CHECK(changed.ends_with(": key 'actor.system.throughput': 101 is not the default in the code"));
  CHECK(check(replaced(text, "frame-bytes-max = \"1MiB\"", "frame-bytes-max = \"2MiB\""))
            .ends_with(": key 'transport.frame-bytes-max': 2MiB is not the default in the code"));
  CHECK(check(replaced(text, "peers-max = 4096\n", "")) ==
        "reference.toml: key 'transport.peers-max' is missing");
  CHECK(check(replaced(text, "[remote]\n",
                       "[remote]\n# a key no schema has\nhandshake-timeout-typo = \"1s\"\n"))
            .find(": unknown key 'remote.handshake-timeout-typo'") != std::string::npos);
  CHECK(check(text + "# a key no schema has\nbatch-writes = 8\n")
            .find(": unknown key 'persistence.postgres.batch-writes'") != std::string::npos);
  CHECK(check(replaced(text, "batch-writes-max = 256", "batch-writes-max = 255"))
            .ends_with(": key 'persistence.sqlite.batch-writes-max': 255 is not the default in "
                       "the code"));
  CHECK(check(text + "[cluster]\n")
            .ends_with(": unknown table [cluster] (known tables: actor.system, executor, log, "
                       "persistence, persistence.memory, persistence.postgres, "
                       "persistence.sqlite, remote, storage, transport)"));
}
