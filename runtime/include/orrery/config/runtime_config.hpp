#pragma once
// The runtime's typed configuration: its schemas, and loading a node's whole configuration from
// a ConfigDocument with every key accounted for.
//
//   actor.system.*   ActorSystemConfig
//   executor.*       ThreadPoolConfig (production)
//
// Other subsystems (remote, cluster, persistence) add their own schemas and load from the same
// document; check_all_used() then reports any key nobody knew.

#include <orrery/actor/actor_system.hpp>
#include <orrery/config/config_document.hpp>
#include <orrery/config/config_schema.hpp>

namespace orrery {

const ConfigSchema<ActorSystemConfig>& actor_system_schema();

/// Reads `actor.system.*` over the defaults.
Result<ActorSystemConfig> load_actor_system_config(const ConfigDocument& document);

}  // namespace orrery
