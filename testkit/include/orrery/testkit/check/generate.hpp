#pragma once
// Linearizable histories made to measure: clients issue operations one after another, each
// taking effect at a seeded instant inside its interval on a real register (or one per key), so
// the history is linearizable by construction. For tests of checkers and for benchmarks.
//
//   auto ops = generate_history({.model = ModelKind::kv, .clients = 50, .keys = 10,
//                                .operations = 1700, .seed = 1});
#include <cstdint>
#include <vector>

#include <orrery/testkit/check/history.hpp>
#include <orrery/testkit/check/models.hpp>

namespace orrery::testkit::check {

struct GenerateOptions {
  ModelKind model = ModelKind::cas_register;
  std::uint32_t clients = 5;
  /// Keys, for kv (each operation picks one); 1 for the register models.
  std::uint32_t keys = 1;
  std::uint32_t operations = 100;
  /// Of which this many end indeterminate (info): each took effect or not, by a coin.
  std::uint32_t indeterminate = 0;
  /// Values written are drawn from [0, values): few values make cas succeed and reads ambiguous.
  std::int64_t values = 5;
  std::uint64_t seed = 1;
};

/// Operations in call order, with call and ret positions (ret == indeterminate for info).
std::vector<Operation> generate_history(const GenerateOptions& options);

}  // namespace orrery::testkit::check
