#pragma once
// Plain structs on the wire, in protobuf's encoding (through protobuf's own coded streams):
// field i of ORRERY_FIELDS is protobuf field number i, so a struct and a .proto message with the
// same fields read each other's bytes. Supported field types: bool, integers (signed ones
// zigzag), enums, float, double, std::string, Duration, ActorRef<X>, std::optional<T>,
// std::vector<T> (a repeated field), nested ORRERY_FIELDS structs and protobuf messages.
//
//   struct PlaceOrder { std::string item; std::uint32_t quantity; ActorRef<Receipt> reply_to; };
//   ORRERY_FIELDS(PlaceOrder, &PlaceOrder::item, &PlaceOrder::quantity, &PlaceOrder::reply_to);
//
// Decoding checks everything: wire types, lengths, nesting depth, ref types. Bad bytes give an
// Error, never a crash; unknown field numbers are skipped (a newer peer may add fields).

#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message_lite.h>
#include <optional>
#include <orrery/actor/actor_ref.hpp>
#include <orrery/core/result.hpp>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeindex>
#include <vector>

namespace orrery {

/// Declares the serializable fields of a plain struct, in field-number order.
template <class T>
struct FieldList;

#define ORRERY_FIELDS(Type, ...)                                  \
  template <>                                                     \
  struct orrery::FieldList<Type> {                                \
    static constexpr auto fields() { return std::make_tuple(__VA_ARGS__); } \
  }

template <class T>
concept HasFieldList = requires { FieldList<T>::fields(); };

template <class T>
concept ProtobufMessage = std::is_base_of_v<google::protobuf::MessageLite, T>;

/// How refs inside messages are written and read; the remoting layer (or, without it, the
/// local system) implements it.
class RefContext {
 public:
  virtual ~RefContext() = default;
  /// "orrery://system@host:port/user/a#uid"
  virtual std::string write_ref(const RecipientBase& ref) = 0;
  /// A ref read back, typed: null with an Error when the text is malformed, names a local actor
  /// that does not exist or takes another message type, or a node that is quarantined.
  virtual Result<IntrusivePtr<RecipientBase>> read_ref(std::string_view text,
                                                       std::type_index message_type,
                                                       IntrusivePtr<RecipientBase> (*make_remote)(
                                                           RefContext&, std::string_view)) = 0;
};

template <class X>
IntrusivePtr<RecipientBase> make_remote_recipient(RefContext& context, std::string_view text);

namespace wire {

enum WireType : std::uint32_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

inline constexpr std::uint32_t nesting_max = 32;

struct Writer {
  google::protobuf::io::CodedOutputStream& out;
  RefContext& refs;
};

struct Reader {
  google::protobuf::io::CodedInputStream& in;
  RefContext& refs;
  std::uint32_t depth = 0;
};

inline Error malformed(std::string what) { return make_error(Errc::corrupt, std::move(what)); }

template <class T, class = void>
struct Codec;

template <class T>
struct Codec<T, std::enable_if_t<std::is_integral_v<T> || std::is_enum_v<T>>> {
  static constexpr WireType wire = varint;
  static void write(Writer& w, const T& value) {
    if constexpr (std::is_enum_v<T>) {
      Codec<std::underlying_type_t<T>>::write(w, static_cast<std::underlying_type_t<T>>(value));
    } else if constexpr (std::is_signed_v<T>) {
      const auto v = static_cast<std::int64_t>(value);
      w.out.WriteVarint64((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
    } else {
      w.out.WriteVarint64(static_cast<std::uint64_t>(value));
    }
  }
  static Status read(Reader& r, T& value) {
    std::uint64_t raw = 0;
    if (!r.in.ReadVarint64(&raw)) return malformed("truncated varint");
    if constexpr (std::is_enum_v<T>) {
      std::underlying_type_t<T> underlying{};
      Status status = Codec<std::underlying_type_t<T>>::from_raw(raw, underlying);
      value = static_cast<T>(underlying);
      return status;
    } else {
      return from_raw(raw, value);
    }
  }
  static Status from_raw(std::uint64_t raw, T& value) {
    if constexpr (std::is_same_v<T, bool>) {
      value = raw != 0;
    } else if constexpr (std::is_signed_v<T>) {
      const auto decoded = static_cast<std::int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
      if (decoded < std::numeric_limits<T>::min() || decoded > std::numeric_limits<T>::max()) {
        return malformed("integer out of range for its field");
      }
      value = static_cast<T>(decoded);
    } else {
      if (raw > std::numeric_limits<T>::max()) return malformed("integer out of range for its field");
      value = static_cast<T>(raw);
    }
    return {};
  }
};

template <>
struct Codec<double> {
  static constexpr WireType wire = fixed64;
  static void write(Writer& w, const double& value) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    w.out.WriteLittleEndian64(bits);
  }
  static Status read(Reader& r, double& value) {
    std::uint64_t bits = 0;
    if (!r.in.ReadLittleEndian64(&bits)) return malformed("truncated double");
    std::memcpy(&value, &bits, sizeof bits);
    return {};
  }
};

template <>
struct Codec<float> {
  static constexpr WireType wire = fixed32;
  static void write(Writer& w, const float& value) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    w.out.WriteLittleEndian32(bits);
  }
  static Status read(Reader& r, float& value) {
    std::uint32_t bits = 0;
    if (!r.in.ReadLittleEndian32(&bits)) return malformed("truncated float");
    std::memcpy(&value, &bits, sizeof bits);
    return {};
  }
};

/// Reads a length prefix checked against what is left.
inline Status read_length(Reader& r, std::uint32_t& length) {
  if (!r.in.ReadVarint32(&length)) return malformed("truncated length");
  const int left = r.in.BytesUntilLimit();  // -1 without a limit
  if (length > static_cast<std::uint32_t>(std::numeric_limits<int>::max()) ||
      (left >= 0 && length > static_cast<std::uint32_t>(left))) {
    return malformed("a length beyond the end of its message");
  }
  return {};
}

template <>
struct Codec<std::string> {
  static constexpr WireType wire = length_delimited;
  static void write(Writer& w, const std::string& value) {
    w.out.WriteVarint32(static_cast<std::uint32_t>(value.size()));
    w.out.WriteString(value);
  }
  static Status read(Reader& r, std::string& value) {
    std::uint32_t length = 0;
    if (Status s = read_length(r, length); !s.ok()) return s;
    if (!r.in.ReadString(&value, static_cast<int>(length))) return malformed("truncated string");
    return {};
  }
};

template <class Rep, class Period>
struct Codec<std::chrono::duration<Rep, Period>> {
  static constexpr WireType wire = varint;
  using D = std::chrono::duration<Rep, Period>;
  static void write(Writer& w, const D& value) {
    Codec<std::int64_t>::write(w, std::chrono::duration_cast<std::chrono::nanoseconds>(value).count());
  }
  static Status read(Reader& r, D& value) {
    std::int64_t ns = 0;
    if (Status s = Codec<std::int64_t>::read(r, ns); !s.ok()) return s;
    value = std::chrono::duration_cast<D>(std::chrono::nanoseconds(ns));
    return {};
  }
};

template <class X>
struct Codec<ActorRef<X>> {
  static constexpr WireType wire = length_delimited;
  static void write(Writer& w, const ActorRef<X>& ref) {
    Codec<std::string>::write(w, ref ? w.refs.write_ref(*ref.recipient()) : std::string());
  }
  static Status read(Reader& r, ActorRef<X>& ref) {
    std::string text;
    if (Status s = Codec<std::string>::read(r, text); !s.ok()) return s;
    if (text.empty()) {
      ref = ActorRef<X>();
      return {};
    }
    auto resolved = r.refs.read_ref(text, typeid(X), &make_remote_recipient<X>);
    if (!resolved.ok()) return resolved.error();
    ref = typed_ref<X>(std::move(resolved).value());
    return {};
  }
};

template <class T>
  requires HasFieldList<T>
Status read_fields(Reader& r, T& value);
template <class T>
  requires HasFieldList<T>
void write_fields(Writer& w, const T& value);

template <class T>
struct Codec<T, std::enable_if_t<HasFieldList<T>>> {
  static constexpr WireType wire = length_delimited;
  static void write(Writer& w, const T& value) {
    // Nested messages need their size first: encode into a buffer.
    std::string nested;
    {
      google::protobuf::io::StringOutputStream stream(&nested);
      google::protobuf::io::CodedOutputStream out(&stream);
      Writer inner{out, w.refs};
      write_fields(inner, value);
    }
    Codec<std::string>::write(w, nested);
  }
  static Status read(Reader& r, T& value) {
    if (r.depth >= nesting_max) return malformed("messages nested too deep");
    std::uint32_t length = 0;
    if (Status s = read_length(r, length); !s.ok()) return s;
    const auto limit = r.in.PushLimit(static_cast<int>(length));
    ++r.depth;
    Status status = read_fields(r, value);
    --r.depth;
    if (status.ok() && !r.in.ConsumedEntireMessage()) status = malformed("nested message ends early");
    r.in.PopLimit(limit);
    return status;
  }
};

template <class T>
struct Codec<T, std::enable_if_t<ProtobufMessage<T>>> {
  static constexpr WireType wire = length_delimited;
  static void write(Writer& w, const T& value) { Codec<std::string>::write(w, value.SerializeAsString()); }
  static Status read(Reader& r, T& value) {
    std::string bytes;
    if (Status s = Codec<std::string>::read(r, bytes); !s.ok()) return s;
    if (!value.ParseFromString(bytes)) return malformed("bad protobuf message in a field");
    return {};
  }
};

inline std::uint32_t tag(std::uint32_t field, WireType type) { return (field << 3) | type; }

template <class F>
void write_field(Writer& w, std::uint32_t number, const F& value) {
  w.out.WriteTag(tag(number, Codec<F>::wire));
  Codec<F>::write(w, value);
}

template <class F>
void write_field(Writer& w, std::uint32_t number, const std::optional<F>& value) {
  if (value) write_field(w, number, *value);
}

template <class F>
void write_field(Writer& w, std::uint32_t number, const std::vector<F>& values) {
  for (const F& value : values) write_field(w, number, value);
}

template <class F>
Status read_field(Reader& r, WireType type, F& value) {
  if (type != Codec<F>::wire) return malformed("a field has the wrong wire type");
  return Codec<F>::read(r, value);
}

template <class F>
Status read_field(Reader& r, WireType type, std::optional<F>& value) {
  value.emplace();
  return read_field(r, type, *value);
}

template <class F>
Status read_field(Reader& r, WireType type, std::vector<F>& values) {
  if (values.size() >= 1'000'000) return malformed("a repeated field has too many elements");
  values.emplace_back();
  return read_field(r, type, values.back());
}

inline Status skip_field(Reader& r, WireType type) {
  switch (type) {
    case varint: {
      std::uint64_t ignored = 0;
      return r.in.ReadVarint64(&ignored) ? Status() : malformed("truncated unknown field");
    }
    case fixed64: {
      std::uint64_t ignored = 0;
      return r.in.ReadLittleEndian64(&ignored) ? Status() : malformed("truncated unknown field");
    }
    case fixed32: {
      std::uint32_t ignored = 0;
      return r.in.ReadLittleEndian32(&ignored) ? Status() : malformed("truncated unknown field");
    }
    case length_delimited: {
      std::uint32_t length = 0;
      if (Status s = read_length(r, length); !s.ok()) return s;
      return r.in.Skip(static_cast<int>(length)) ? Status() : malformed("truncated unknown field");
    }
  }
  return malformed("unknown wire type " + std::to_string(static_cast<unsigned>(type)));
}

template <class T>
  requires HasFieldList<T>
void write_fields(Writer& w, const T& value) {
  std::apply(
      [&](auto... members) {
        std::uint32_t number = 0;
        (write_field(w, ++number, value.*members), ...);
      },
      FieldList<T>::fields());
}

template <class T>
  requires HasFieldList<T>
Status read_fields(Reader& r, T& value) {
  for (;;) {
    const std::uint32_t tag_value = r.in.ReadTag();
    if (tag_value == 0) return {};  // end of the message (or of the limit)
    const std::uint32_t number = tag_value >> 3;
    const auto type = static_cast<WireType>(tag_value & 7);
    Status status;
    bool known = false;
    std::apply(
        [&](auto... members) {
          std::uint32_t index = 0;
          ((++index == number ? (known = true, status = read_field(r, type, value.*members), 0) : 0), ...);
        },
        FieldList<T>::fields());
    if (!known) status = skip_field(r, type);
    if (!status.ok()) return status;
  }
}

}  // namespace wire
}  // namespace orrery
