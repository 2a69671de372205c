#pragma once
// What every scenario with SQLite stores on simulated disks needs: a keeper actor per node that
// opens the node's store (retrying while the disk fails), hands it to the scenario to spawn its
// entities, and reopens it whenever an I/O error left it failed, as an operator's restart policy
// would; the supervision that restarts an entity with backoff after a persist or recovery
// failure; and a digest of every disk, folded into the trace so the hash covers what SQLite wrote.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <orrery/actor.hpp>
#include <orrery/persistence/event_sourced_behavior.hpp>
#include <orrery/persistence/sqlite_store.hpp>
#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::scenarios::support {

/// One node's store in its current incarnation, reachable from the scenario's workload and checks.
/// It lives outside the node (a crash ends the incarnation, not the slot); `reset` on restart.
struct StoreSlot {
  std::uint32_t incarnation = 0;
  std::shared_ptr<persistence::SqliteStore> store;
  std::optional<Future<Done>> reopening;
  std::uint64_t opens_failed = 0;
  std::uint64_t reopens = 0;

  /// Open, and not failed: the entities can persist.
  bool healthy() const { return store && !store->failed(); }
};

struct KeeperTick {};

/// Called once, when the store first opens in an incarnation: spawn the node's entities.
using OnStoreOpen = std::function<void(ActorContext<KeeperTick>&,
                                       const std::shared_ptr<persistence::SqliteStore>&)>;

/// The keeper's behaviour; `slot` must outlive the node's incarnation. Spawn it from on_start.
Behavior<KeeperTick> store_keeper(
    sim::Node& node, StoreSlot& slot, std::string path, OnStoreOpen on_open,
    Duration interval = std::chrono::milliseconds(50),
    persistence::sqlite::Synchronous synchronous = persistence::sqlite::Synchronous::full);

/// `behavior` restarted with backoff (10 ms to 200 ms) after a persist or a recovery failure.
template <typename Command>
Behavior<Command> supervised_entity(Behavior<Command> behavior) {
  const auto backoff = SupervisorStrategy::restart_with_backoff(
      std::chrono::milliseconds(10), std::chrono::milliseconds(200), 0.2);
  return behaviors::supervise(std::move(behavior))
      .template on_failure<persistence::PersistFailedError>(backoff)
      .template on_failure<persistence::RecoveryFailedError>(backoff);
}

/// A disk with small latencies and no faults: the healed state.
sim::DiskConfig quiet_disk();

/// FNV-1a over every file of every node's disk (names and bytes), in name order: noted in the
/// trace, so that the hash also covers what SQLite wrote (its WAL salts come from its PRNG, which
/// must be seeded from the node's Env, not left over from an earlier run in the process).
std::uint64_t disk_digest(sim::World& world);

}  // namespace orrery::scenarios::support
