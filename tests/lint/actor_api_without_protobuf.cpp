// The actor API compiles no wire format: a user who includes <orrery/actor.hpp> compiles no
// protobuf header (serialization stays behind remoting's headers). Built with the suite, so an
// include that drags protobuf back in breaks the build; lint.actor-api rebuilds it.
#include <orrery/actor.hpp>

// Every protobuf header reaches google/protobuf/stubs/common.h, which defines the version.
#if defined(GOOGLE_PROTOBUF_VERSION) || defined(GOOGLE_PROTOBUF_COMMON_H__)
#error "<orrery/actor.hpp> includes protobuf headers: keep serialization behind remoting's headers"
#endif
