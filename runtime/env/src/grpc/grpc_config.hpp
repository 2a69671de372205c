#pragma once
// Reading the PEM data a GrpcTransportConfig names (inline text or a file).

#include <string>
#include <string_view>

#include <orrery/core/result.hpp>
#include <orrery/env/production/grpc_transport.hpp>

namespace orrery::grpc_transport {

/// The PEM text of `source`; an error naming `field` when the file cannot be read or holds no
/// PEM block.
Result<std::string> read_pem(const PemSource& source, std::string_view field);

}  // namespace orrery::grpc_transport
