#pragma once
// Serialization: the registry mapping each message type to a stable manifest and a codec, for
// remoting and for the serialize-everything test mode. One per actor system.
//
//   auto& s = system->serialization();
//   s.register_type<PlaceOrder>("shop.PlaceOrder");       // a struct with ORRERY_FIELDS
//   s.register_type<shop::v1::Receipt>("shop.Receipt");   // a protobuf message
//   s.register_codec<Legacy>("shop.Legacy", encode, decode);
//
// Manifests are part of the wire protocol: keep them stable across versions. Built in:
// orrery.bool, orrery.int32, orrery.int64, orrery.uint32, orrery.uint64, orrery.double,
// orrery.string, orrery.Done.

#include <functional>
#include <map>
#include <orrery/actor/future.hpp>
#include <orrery/actor/message_roundtrip.hpp>
#include <orrery/remote/any_message.hpp>
#include <orrery/remote/wire.hpp>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <typeindex>
#include <unordered_map>

namespace orrery {

namespace detail {
template <class T>
struct is_variant_type : std::false_type {};
template <class... Ts>
struct is_variant_type<std::variant<Ts...>> : std::true_type {};
}  // namespace detail

class Serialization final : public MessageRoundtrip {
 public:
  using Encoder = std::function<Status(const void* message, std::string& out, RefContext& refs)>;
  using Decoder = std::function<Result<AnyMessage>(std::string_view payload, RefContext& refs)>;

  Serialization();

  /// Registers a struct with ORRERY_FIELDS or a protobuf message under `manifest`.
  template <class T>
  Status register_type(std::string manifest) {
    static_assert(HasFieldList<T> || ProtobufMessage<T>,
                  "register_type needs ORRERY_FIELDS(T, ...) or a protobuf message; otherwise "
                  "use register_codec");
    return add(std::move(manifest), typeid(T), type_name<T>(), &encode_fields<T>, &decode_fields<T>);
  }

  /// Registers T with a codec of your own: encode(const T&, std::string& out) -> Status and
  /// decode(std::string_view) -> Result<T>.
  template <class T, class Encode, class Decode>
  Status register_codec(std::string manifest, Encode encode, Decode decode) {
    return add(std::move(manifest), typeid(T), type_name<T>(),
               [encode](const void* message, std::string& out, RefContext&) {
                 return encode(*static_cast<const T*>(message), out);
               },
               [decode](std::string_view payload, RefContext&) -> Result<AnyMessage> {
                 Result<T> decoded = decode(payload);
                 if (!decoded.ok()) return decoded.error();
                 return AnyMessage::of(std::move(decoded).value());
               });
  }

  bool registered(std::type_index type) const;
  /// The manifest of a registered type, or an error naming the type.
  Result<std::string> manifest_of(std::type_index type, std::string_view type_name) const;

  struct Encoded {
    std::string manifest;
    std::string payload;
  };

  /// Encodes a message (for a variant, the alternative it holds).
  template <class M>
  Result<Encoded> encode(const M& message, RefContext& refs) const {
    if constexpr (detail::is_variant_type<M>::value) {
      return std::visit([&](const auto& alternative) { return encode(alternative, refs); }, message);
    } else {
      return encode_erased(typeid(M), type_name<M>(), &message, refs);
    }
  }

  /// Decodes a payload by its manifest. Unknown manifests and malformed payloads are errors.
  Result<AnyMessage> decode(std::string_view manifest, std::string_view payload, RefContext& refs) const;

  /// Encodes and decodes again (the serialize-everything test mode).
  template <class M>
  Result<M> roundtrip(const M& message, RefContext& refs) const {
    auto encoded = encode(message, refs);
    if (!encoded.ok()) return encoded.error();
    auto decoded = decode(encoded->manifest, encoded->payload, refs);
    if (!decoded.ok()) return decoded.error();
    std::optional<M> taken = take_as<M>(*decoded);
    if (!taken) return make_error(Errc::corrupt, "manifest " + encoded->manifest + " decoded to another type");
    return std::move(*taken);
  }

  /// The type-erased round trip the actor system's serialize-everything mode uses.
  Result<AnyMessage> roundtrip(std::type_index type, std::string_view type_name,
                               const void* message, RefContext& refs) const override;

  /// Caps a payload's size when decoding (bytes).
  static constexpr int payload_bytes_max = 64 << 20;

 private:
  struct Entry {
    std::string manifest;
    std::type_index type;
    std::string_view type_name;
    Encoder encode;
    Decoder decode;
  };

  Status add(std::string manifest, std::type_index type, std::string_view name, Encoder encode,
             Decoder decode);
  Result<Encoded> encode_erased(std::type_index type, std::string_view name, const void* message,
                                RefContext& refs) const;

  template <class T>
  static Status encode_fields(const void* message, std::string& out, RefContext& refs) {
    const T& value = *static_cast<const T*>(message);
    if constexpr (ProtobufMessage<T>) {
      if (!value.SerializeToString(&out)) return make_error(Errc::invalid_argument, "protobuf serialization failed");
    } else {
      google::protobuf::io::StringOutputStream stream(&out);
      google::protobuf::io::CodedOutputStream coded(&stream);
      wire::Writer writer{coded, refs};
      wire::write_fields(writer, value);
    }
    return {};
  }

  template <class T>
  static Result<AnyMessage> decode_fields(std::string_view payload, RefContext& refs) {
    T value{};
    if constexpr (ProtobufMessage<T>) {
      if (!value.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
        return make_error(Errc::corrupt, "malformed protobuf payload");
      }
    } else {
      google::protobuf::io::CodedInputStream coded(
          reinterpret_cast<const std::uint8_t*>(payload.data()), static_cast<int>(payload.size()));
      coded.SetRecursionLimit(static_cast<int>(wire::nesting_max));
      wire::Reader reader{coded, refs};
      Status status = wire::read_fields(reader, value);
      if (!status.ok()) return status.error();
      if (!coded.ConsumedEntireMessage()) return make_error(Errc::corrupt, "malformed payload: a bad tag");
    }
    return AnyMessage::of(std::move(value));
  }

  template <class T>
  void add_builtin(std::string manifest);

  mutable std::shared_mutex mutex_;
  std::map<std::string, Entry, std::less<>> by_manifest_;
  // Looked up by type only, never iterated.
  std::unordered_map<std::type_index, const Entry*> by_type_;
};

}  // namespace orrery
