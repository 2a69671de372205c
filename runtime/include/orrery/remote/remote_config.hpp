#pragma once
// Remoting's part of a node's configuration file: the table [remote] (RemoteConfig), read from
// the same TOML document as [actor.system] and the production tables:
//
//   [remote]
//   heartbeat-interval = "1s"
//   unreachable-after = "5s"        # then watches fire and the incarnation is quarantined
//   handshake-timeout = "10s"       # Akka's handshake-timeout
//   pending-messages-max = 10000
//
// docs/reference.toml lists every key with its default. Errors name the file, the line and
// the key, as for every table.

#include <orrery/config/config_document.hpp>
#include <orrery/config/config_schema.hpp>
#include <orrery/core/result.hpp>
#include <orrery/remote/remoting.hpp>

namespace orrery {

/// The [remote] schema, for the reference-file check.
ConfigSection remote_config_section();

/// Reads the table [remote] over RemoteConfig's defaults, and checks what one key alone cannot
/// (a peer is declared unreachable only after several heartbeats could have arrived; the
/// handshake's first retry interval is at most its maximum).
Result<RemoteConfig> load_remote_config(const ConfigDocument& document);

}  // namespace orrery
