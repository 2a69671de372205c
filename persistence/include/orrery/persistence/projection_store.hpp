#pragma once
// Where projections keep their offsets (Akka Projections' offset store), and, for exactly-once
// projections, the transaction that holds the handler's own writes beside the offset.

#include <optional>
#include <string>

#include <orrery/actor/future.hpp>
#include <orrery/core/result.hpp>
#include <orrery/core/unique_function.hpp>
#include <orrery/persistence/read_journal.hpp>

namespace orrery::persistence {

/// Offsets of at-least-once projections. Asynchronous like every store.
class OffsetStore {
 public:
  virtual ~OffsetStore() = default;
  /// The offset a projection stored last, or none for a projection that never ran.
  virtual Future<std::optional<Offset>> load_offset(std::string projection) = 0;
  virtual Future<Done> save_offset(std::string projection, Offset offset) = 0;
};

/// Exactly once: `writes(transaction)` and the new offset commit in one transaction, or neither
/// does (writes returning an error rolls it back). `Transaction` is the store's own: the memory
/// store's MemoryReadSide, a SQLite store's database handle.
template <class Transaction>
class TransactionalOffsetStore : public OffsetStore {
 public:
  virtual Future<Done> commit(std::string projection, Offset offset,
                              UniqueFunction<Status(Transaction&)> writes) = 0;
};

}  // namespace orrery::persistence
