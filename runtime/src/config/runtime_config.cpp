// The actor system's configuration schema.

#include <orrery/config/runtime_config.hpp>

namespace orrery {

namespace {

std::string check_system_name(const std::string& name) {
  if (name.empty()) return "an actor system needs a name";
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return "'" + name + "' may hold only letters, digits, '-' and '_'";
  }
  return {};
}

ConfigSchema<ActorSystemConfig> make_actor_system_schema() {
  using namespace std::chrono_literals;
  ConfigSchema<ActorSystemConfig> schema("actor.system");
  schema.string("name", &ActorSystemConfig::name, check_system_name)
      .integer("throughput", &ActorSystemConfig::throughput, 1, 1'000'000)
      .integer("dead-letters-logged-max", &ActorSystemConfig::dead_letters_logged_max, 0, 1'000'000)
      .boolean("serialize-messages", &ActorSystemConfig::serialize_messages)
      .enumeration("log-level", &ActorSystemConfig::log_level,
                   {{"debug", LogLevel::debug},
                    {"info", LogLevel::info},
                    {"warning", LogLevel::warning},
                    {"error", LogLevel::error}})
      .duration("shutdown-phase-timeout", &ActorSystemConfig::shutdown_phase_timeout, 1ms, 1h);
  return schema;
}

}  // namespace

const ConfigSchema<ActorSystemConfig>& actor_system_schema() {
  static const ConfigSchema<ActorSystemConfig> schema = make_actor_system_schema();  // immutable
  return schema;
}

ConfigSection actor_system_config_section() {
  return actor_system_schema().section();
}

Result<ActorSystemConfig> load_actor_system_config(const ConfigDocument& document) {
  ActorSystemConfig config;
  Status status = actor_system_schema().apply(document, config);
  if (!status.ok()) return status.error();
  return config;
}

}  // namespace orrery
