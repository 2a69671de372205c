#pragma once
// The stores the SPI conformance suite runs against. Each factory owns a harness (an Env with its
// executor) and a store over it, and gives the Stores; add an implementation by adding a factory
// here and to ORRERY_STORE_FACTORIES.

#include <memory>

#include <support/harness.hpp>
#include <support/production_harness.hpp>
#include <support/sim_harness.hpp>

#include <orrery/persistence/memory_store.hpp>
#include <orrery/persistence/stores.hpp>

namespace orrery::test {

/// A factory's contract: harness(), stores(), and a name.
template <class Harness>
struct MemoryStoreFactory {
  static constexpr const char* name = "memory";
  Harness h;
  std::shared_ptr<persistence::MemoryStore> store = std::make_shared<persistence::MemoryStore>(
      h.env(), std::make_shared<persistence::MemoryStoreData>(),
      persistence::MemoryStoreOptions{.event_bytes_max = 64 * 1024});
  test::Harness& harness() { return h; }
  persistence::Stores stores() { return persistence::Stores::of(store); }
};

}  // namespace orrery::test

#define ORRERY_STORE_FACTORIES                              \
  ::orrery::test::MemoryStoreFactory<::orrery::test::ManualHarness>, \
      ::orrery::test::MemoryStoreFactory<::orrery::test::ProductionHarness>, \
      ::orrery::test::MemoryStoreFactory<::orrery::test::SimHarness>
