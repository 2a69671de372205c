// The serialization registry: manifests, built-in types, encoding and decoding by manifest.

#include <fmt/format.h>
#include <mutex>
#include <orrery/remote/serialization.hpp>

namespace orrery {

namespace detail {
/// A built-in scalar as a one-field message (field 1), like protobuf's wrapper types.
template <class T>
struct Boxed {
  T value{};
};
}  // namespace detail

template <class T>
struct FieldList<detail::Boxed<T>> {
  static constexpr auto fields() { return std::make_tuple(&detail::Boxed<T>::value); }
};

template <>
struct FieldList<Done> {
  static constexpr auto fields() { return std::make_tuple(); }
};

template <class T>
void Serialization::add_builtin(std::string manifest) {
  Status status = add(
      std::move(manifest), typeid(T), type_name<T>(),
      [](const void* message, std::string& out, RefContext& refs) -> Status {
        if constexpr (std::is_same_v<T, Done>) {
          static_cast<void>(message);
          static_cast<void>(out);
          static_cast<void>(refs);
        } else {
          detail::Boxed<T> boxed{*static_cast<const T*>(message)};
          return encode_fields<detail::Boxed<T>>(&boxed, out, refs);
        }
        return {};
      },
      [](std::string_view payload, RefContext& refs) -> Result<AnyMessage> {
        if constexpr (std::is_same_v<T, Done>) {
          return decode_fields<Done>(payload, refs);
        } else {
          auto decoded = decode_fields<detail::Boxed<T>>(payload, refs);
          if (!decoded.ok()) return decoded.error();
          return AnyMessage::of(std::move(decoded->template get_if<detail::Boxed<T>>()->value));
        }
      });
  ORRERY_ASSERT(status.ok(), "built-in manifests are unique");
}

Serialization::Serialization() {
  add_builtin<bool>("orrery.bool");
  add_builtin<std::int32_t>("orrery.int32");
  add_builtin<std::int64_t>("orrery.int64");
  add_builtin<std::uint32_t>("orrery.uint32");
  add_builtin<std::uint64_t>("orrery.uint64");
  add_builtin<double>("orrery.double");
  add_builtin<std::string>("orrery.string");
  add_builtin<Done>("orrery.Done");
}

Status Serialization::add(std::string manifest, std::type_index type, std::string_view name,
                          Encoder encode, Decoder decode) {
  if (manifest.empty()) {
    return make_error(Errc::invalid_argument, fmt::format("an empty manifest for {}", name));
  }
  std::unique_lock guard(mutex_);
  if (auto found = by_manifest_.find(manifest); found != by_manifest_.end()) {
    return make_error(Errc::already_exists, fmt::format("manifest '{}' is already taken by {}",
                                                        manifest, found->second.type_name));
  }
  if (auto found = by_type_.find(type); found != by_type_.end()) {
    return make_error(Errc::already_exists, fmt::format("{} is already registered as '{}'", name,
                                                        found->second->manifest));
  }
  auto [it, inserted] = by_manifest_.emplace(
      manifest, Entry{manifest, type, name, std::move(encode), std::move(decode)});
  ORRERY_ASSERT(inserted);
  by_type_.emplace(type, &it->second);
  return {};
}

bool Serialization::registered(std::type_index type) const {
  std::shared_lock guard(mutex_);
  return by_type_.find(type) != by_type_.end();
}

Result<std::string> Serialization::manifest_of(std::type_index type, std::string_view name) const {
  std::shared_lock guard(mutex_);
  auto found = by_type_.find(type);
  if (found == by_type_.end()) {
    return make_error(Errc::not_found, fmt::format("{} is not registered for serialization", name));
  }
  return found->second->manifest;
}

Result<Serialization::Encoded> Serialization::encode_erased(std::type_index type, std::string_view name,
                                                            const void* message, RefContext& refs) const {
  const Entry* entry = nullptr;
  {
    std::shared_lock guard(mutex_);
    auto found = by_type_.find(type);
    if (found == by_type_.end()) {
      return make_error(Errc::not_found, fmt::format("{} is not registered for serialization", name));
    }
    entry = found->second;  // entries are never removed: the pointer stays valid
  }
  Encoded encoded{entry->manifest, {}};
  Status status = entry->encode(message, encoded.payload, refs);
  if (!status.ok()) return status.error();
  return encoded;
}

Result<AnyMessage> Serialization::roundtrip(std::type_index type, std::string_view type_name,
                                            const void* message, RefContext& refs) const {
  Result<Encoded> encoded = encode_erased(type, type_name, message, refs);
  if (!encoded.ok()) return encoded.error();
  return decode(encoded->manifest, encoded->payload, refs);
}

Result<AnyMessage> Serialization::decode(std::string_view manifest, std::string_view payload,
                                         RefContext& refs) const {
  if (payload.size() > static_cast<std::size_t>(payload_bytes_max)) {
    return make_error(Errc::overflow, fmt::format("a payload of {} bytes is above the maximum", payload.size()));
  }
  const Entry* entry = nullptr;
  {
    std::shared_lock guard(mutex_);
    auto found = by_manifest_.find(manifest);
    if (found == by_manifest_.end()) {
      return make_error(Errc::not_found, fmt::format("unknown manifest '{}'", manifest));
    }
    entry = &found->second;
  }
  auto decoded = entry->decode(payload, refs);
  if (!decoded.ok()) {
    return make_error(decoded.error().code,
                      fmt::format("manifest '{}': {}", manifest, decoded.error().message));
  }
  return decoded;
}

}  // namespace orrery
