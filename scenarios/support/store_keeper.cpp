// The store keeper and the disk digest.

#include <support/store_keeper.hpp>

#include <fmt/format.h>

namespace orrery::scenarios::support {

using namespace std::chrono_literals;

Behavior<KeeperTick> store_keeper(sim::Node& node, StoreSlot& slot, std::string path,
                                  OnStoreOpen on_open, Duration interval,
                                  persistence::sqlite::Synchronous synchronous) {
  return behaviors::setup<KeeperTick>([&node, &slot, path = std::move(path),
                                       on_open = std::move(on_open), interval,
                                       synchronous](ActorContext<KeeperTick>& ctx) {
    ctx.timers().start_timer_at_fixed_rate("keep", KeeperTick{}, interval);
    auto keep = [&node, &slot, path, on_open, synchronous](ActorContext<KeeperTick>& self) {
      if (!slot.store) {
        auto opened = persistence::SqliteStore::open(
            node.env(), {.path = path,
                         .owner = fmt::format("{}#{}", node.name(), node.incarnation()),
                         .synchronous = synchronous,
                         .wal_autocheckpoint_pages = 64});
        if (!opened.ok()) {
          ++slot.opens_failed;
          return;
        }
        slot.store = std::move(*opened);
        on_open(self, slot.store);
        return;
      }
      if (slot.reopening && !slot.reopening->ready()) return;
      slot.reopening.reset();
      if (slot.store->failed()) {
        ++slot.reopens;
        slot.reopening = slot.store->reopen();
      }
    };
    keep(ctx);
    return behaviors::receive<KeeperTick>(
        [keep](ActorContext<KeeperTick>& self, KeeperTick&) { keep(self); });
  });
}

sim::DiskConfig quiet_disk() {
  return sim::DiskConfig{.latency_min = 20us, .latency_max = 300us};
}

std::uint64_t disk_digest(sim::World& world) {
  std::uint64_t digest = 0xcbf29ce484222325ULL;
  const auto mix = [&digest](std::string_view bytes) {
    for (const char byte : bytes)
      digest = (digest ^ static_cast<unsigned char>(byte)) * 0x100000001b3ULL;
  };
  for (std::uint32_t n = 0; n < world.node_count(); ++n) {
    auto paths = world.node(n).disk().list("");
    if (!paths.ok()) continue;
    for (const std::string& path : *paths) {
      mix(path);
      mix(world.node(n).disk().contents(path).value_or(std::string()));
    }
  }
  return digest;
}

}  // namespace orrery::scenarios::support
