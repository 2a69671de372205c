#pragma once
// Writing and resolving refs on this node. Actor cells are found again by walking the tree;
// recipients that are not cells (an ask's reply slot, a message adapter) are kept in
// ExportedRefs when written out, until they terminate, so that a reply can find them.
// LocalRefContext is the RefContext of a system without remoting (the serialize-everything test
// mode); Remoting uses the same resolution for refs that name its own node.

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>

#include <orrery/remote/actor_address.hpp>
#include <orrery/remote/wire.hpp>

namespace orrery {

class ActorSystem;

class ExportedRefs {
 public:
  /// Remembers a non-cell recipient under its path, once per path (pruning terminated ones as
  /// it goes); beyond the limit the oldest is forgotten.
  void add(RecipientBase& recipient);
  IntrusivePtr<RecipientBase> find(std::string_view path);
  void clear();
  std::size_t size() const;
  /// At most `max` live exports (at least 1); remoting sets it from its configuration.
  void set_limit(std::size_t max);
  /// How many were forgotten over the limit (their replies then dead-letter).
  std::uint64_t evicted() const;

 private:
  static constexpr std::size_t prune_every = 1024;
  void prune_terminated();  // locked
  mutable std::mutex mutex_;
  std::map<std::string, IntrusivePtr<RecipientBase>, std::less<>> by_path_;
  std::deque<std::string> order_;  // paths, oldest export first (may name pruned ones)
  std::size_t added_since_prune_ = 0;
  std::size_t limit_ = 100'000;
  std::uint64_t evicted_ = 0;
};

/// Finds the local recipient at `path` (uid 0: any), checking it takes `message_type`.
Result<IntrusivePtr<RecipientBase>> resolve_local(ActorSystem& system, std::string_view path,
                                                  std::uint64_t uid, std::type_index message_type);

/// Writes a local recipient's address (exporting it when it is not a cell).
std::string write_local_ref(ActorSystem& system, const NodeAddress& node, const RecipientBase& ref);

class LocalRefContext final : public RefContext {
 public:
  explicit LocalRefContext(ActorSystem& system);
  std::string write_ref(const RecipientBase& ref) override;
  Result<IntrusivePtr<RecipientBase>> read_ref(
      std::string_view text, std::type_index message_type,
      IntrusivePtr<RecipientBase> (*make_remote)(RefContext&, std::string_view)) override;

 private:
  ActorSystem& system_;
  NodeAddress node_;
};

}  // namespace orrery
