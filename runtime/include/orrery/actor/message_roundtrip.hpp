#pragma once
// MessageRoundtrip: the serialize-every-message test mode's round trip, type-erased, so that the
// actor API needs no wire format: a cell hands it a message by type and address, and the
// serialization registry (behind remoting's headers) encodes it and decodes the bytes again.

#include <orrery/core/result.hpp>
#include <orrery/remote/any_message.hpp>
#include <string_view>
#include <typeindex>

namespace orrery {

class RefContext;

class MessageRoundtrip {
 public:
  virtual ~MessageRoundtrip() = default;
  /// Encodes the message at `message` (of `type`, named `type_name` for errors) with the refs
  /// inside it written through `refs`, and decodes the bytes again: the copy a remote recipient
  /// would get, or the error that would stop it on the way.
  virtual Result<AnyMessage> roundtrip(std::type_index type, std::string_view type_name,
                                       const void* message, RefContext& refs) const = 0;

 protected:
  MessageRoundtrip() = default;
  MessageRoundtrip(const MessageRoundtrip&) = default;
  MessageRoundtrip& operator=(const MessageRoundtrip&) = default;
};

}  // namespace orrery
