#pragma once
// EventSchema: how one entity type's events and states become bytes and back. Types go through
// the actor system's Serialization registry (register each event alternative and the state
// under a stable manifest, as for messages); the schema adds, per manifest, the version written
// now and upcasters that bring payloads of older versions up to it, so that a journal written by
// an older version of the program still recovers. An event adapter (Akka's fromJournal) sees the
// stored event first and may turn it into zero, one or several events, for changes an upcaster
// cannot express (a type split in two, a type retired).
//
//   EventSchema<Event> schema;
//   schema.version("bank.Deposited", 2)
//         .upcast("bank.Deposited", 1, [](std::string_view v1) { return add_currency(v1); });

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <orrery/actor/actor_system.hpp>
#include <orrery/core/result.hpp>
#include <orrery/persistence/persistent_event.hpp>
#include <orrery/remote/serialization.hpp>

namespace orrery::persistence {

template <class Event>
class EventSchema {
 public:
  /// payload at `version` -> payload at version + 1.
  using Upcaster = std::function<Result<std::string>(std::string_view payload)>;
  /// A stored event the adapter takes over: the events it becomes, or none to decode as usual.
  using Adapter = std::function<std::optional<std::vector<Event>>(const PersistentEvent&)>;

  /// The version events of `manifest` are written with from now on (1 when never set).
  EventSchema& version(std::string manifest, std::uint32_t current) {
    versions_[std::move(manifest)] = current;
    return *this;
  }
  /// How a payload of `manifest` at `from` becomes one at `from + 1`.
  EventSchema& upcast(std::string manifest, std::uint32_t from, Upcaster upcaster) {
    upcasters_[{std::move(manifest), from}] = std::move(upcaster);
    return *this;
  }
  EventSchema& adapter(Adapter adapter) {
    adapter_ = std::move(adapter);
    return *this;
  }

  std::uint32_t current_version(std::string_view manifest) const {
    auto found = versions_.find(manifest);
    return found == versions_.end() ? 1 : found->second;
  }

  struct Encoded {
    std::string manifest;
    std::uint32_t version = 1;
    std::string payload;
  };

  /// Encodes a value (an event, or a state for snapshots) through the registry.
  template <class T>
  Result<Encoded> encode(ActorSystem& system, const T& value) const {
    auto encoded = system.serialization().encode(value, system.ref_context());
    if (!encoded.ok()) return encoded.error();
    Encoded out{std::move(encoded->manifest), 1, std::move(encoded->payload)};
    out.version = current_version(out.manifest);
    return out;
  }

  /// Decodes a stored payload of `manifest` written at `version` into a T, upcasting first.
  /// Errors name what failed: an unknown manifest, a version newer than this program knows, a
  /// missing upcaster, a malformed payload.
  template <class T>
  Result<T> decode(ActorSystem& system, std::string_view manifest, std::uint32_t version,
                   std::string_view payload) const {
    const std::uint32_t current = current_version(manifest);
    if (version > current)
      return make_error(Errc::unsupported,
                        fmt::format("{} version {} is newer than this program's {}", manifest,
                                    version, current));
    std::string upcast(payload);
    for (std::uint32_t at = version; at < current; ++at) {
      auto found = upcasters_.find(std::pair<std::string, std::uint32_t>(manifest, at));
      if (found == upcasters_.end())
        return make_error(Errc::unsupported,
                          fmt::format("{} version {}: no upcaster to version {}", manifest, at,
                                      at + 1));
      auto next = found->second(upcast);
      if (!next.ok())
        return make_error(next.error().code, fmt::format("{} upcast from version {}: {}",
                                                         manifest, at, next.error().message));
      upcast = std::move(next).value();
    }
    auto decoded = system.serialization().decode(manifest, upcast, system.ref_context());
    if (!decoded.ok()) return decoded.error();
    std::optional<T> taken = take_as<T>(*decoded);
    if (!taken)
      return make_error(Errc::corrupt,
                        fmt::format("manifest {} is not a type this entity stores", manifest));
    return std::move(*taken);
  }

  /// The events a stored event stands for: the adapter's, or the event decoded.
  Result<std::vector<Event>> from_journal(ActorSystem& system, const PersistentEvent& stored) const {
    if (adapter_) {
      if (auto adapted = adapter_(stored)) return std::move(*adapted);
    }
    auto event = decode<Event>(system, stored.manifest, stored.version, stored.payload);
    if (!event.ok()) return event.error();
    std::vector<Event> events;
    events.push_back(std::move(event).value());
    return events;
  }

 private:
  std::map<std::string, std::uint32_t, std::less<>> versions_;
  std::map<std::pair<std::string, std::uint32_t>, Upcaster> upcasters_;
  Adapter adapter_;
};

}  // namespace orrery::persistence
