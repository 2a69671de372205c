#pragma once
// PolicyStores: stores that fail or refuse chosen calls (Akka's PersistenceTestKit policies),
// wrapped around real ones, so a test can drive an entity through a persist failure, a rejected
// event or a failed recovery without a faulty disk. The simulator's SimDisk gives the real disk
// faults; this gives the exact one a test wants.
//
//   auto policy = std::make_shared<PolicyStores>(Stores::of(memory));
//   policy->fail_next_writes(1, "Account|a");     // an I/O error: the actor stops
//   policy->reject_next_writes(1);                // refused: the actor goes on
//   spawn(account(policy->stores(), "a"));

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <orrery/persistence/stores.hpp>

namespace orrery::persistence {

class PolicyStores : public std::enable_shared_from_this<PolicyStores> {
 public:
  /// Decides a write: an error to fail it with (nothing is stored), or none to pass it on.
  using WritePolicy = std::function<std::optional<Error>(const AtomicWrite&)>;

  explicit PolicyStores(Stores inner) : inner_(std::move(inner)) {}

  /// Stores that apply this object's policies and pass the rest to the wrapped ones.
  Stores stores();

  /// The next `count` writes (of `persistence_id`, or of anyone when empty) fail with an I/O
  /// error and store nothing.
  void fail_next_writes(std::uint32_t count, std::string persistence_id = "");
  /// The next `count` writes are refused (Errc::refused) and store nothing.
  void reject_next_writes(std::uint32_t count, std::string persistence_id = "");
  /// The next `count` replays and highest-sequence-number reads fail with an I/O error.
  void fail_next_reads(std::uint32_t count, std::string persistence_id = "");
  /// The next `count` snapshot saves fail.
  void fail_next_snapshot_saves(std::uint32_t count);
  /// A policy of your own, asked before the counted ones for every write.
  void set_write_policy(WritePolicy policy);

  std::uint64_t writes_failed() const;
  std::uint64_t writes_rejected() const;

  // Used by the wrappers.
  std::optional<Error> decide_write(const AtomicWrite& write);
  std::optional<Error> decide_read(const std::string& persistence_id);
  std::optional<Error> decide_snapshot_save();
  const Stores& inner() const noexcept { return inner_; }

 private:
  struct Counted {
    std::uint32_t remaining = 0;
    std::string persistence_id;
    bool take(const std::string& id);
  };

  Stores inner_;
  mutable std::mutex mutex_;
  Counted fail_writes_;
  Counted reject_writes_;
  Counted fail_reads_;
  Counted fail_snapshot_saves_;
  WritePolicy policy_;
  std::uint64_t writes_failed_ = 0;
  std::uint64_t writes_rejected_ = 0;
};

}  // namespace orrery::persistence
