#pragma once
// The runtime's typed configuration: its schemas, and loading a node's whole configuration from
// a ConfigDocument with every key accounted for.
//
//   [actor.system]   ActorSystemConfig
//   [executor] ...   ProductionConfig (production_config.hpp)
//
// Other subsystems (remote, cluster, persistence) add their own schemas and load from the same
// document; check_all_used() then reports any key or table nobody knew. docs/reference.toml
// lists every key with its default.

#include <orrery/actor/actor_system.hpp>
#include <orrery/config/config_document.hpp>
#include <orrery/config/config_schema.hpp>

namespace orrery {

const ConfigSchema<ActorSystemConfig>& actor_system_schema();

/// The [actor.system] schema for the reference-file check.
ConfigSection actor_system_config_section();

/// Reads the table [actor.system] over the defaults.
Result<ActorSystemConfig> load_actor_system_config(const ConfigDocument& document);

}  // namespace orrery
