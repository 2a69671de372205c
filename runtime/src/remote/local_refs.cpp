// Resolving and writing refs on this node.

#include <fmt/format.h>

#include <orrery/actor/actor_system.hpp>
#include <orrery/actor/detail/cell.hpp>
#include <orrery/remote/local_refs.hpp>

namespace orrery {

void ExportedRefs::add(RecipientBase& recipient) {
  std::vector<IntrusivePtr<RecipientBase>> dropped;  // released after the lock
  std::lock_guard guard(mutex_);
  if (++added_since_prune_ >= prune_every) {
    added_since_prune_ = 0;
    prune_terminated();
  }
  const auto [it, inserted] =
      by_path_.insert_or_assign(recipient.path(), IntrusivePtr<RecipientBase>(&recipient));
  if (inserted) order_.push_back(it->first);
  // Over the bound, first forget what has terminated (answered asks, stopped adapters), so that
  // a live ref is forgotten only when live ones alone exceed it.
  if (by_path_.size() > limit_) prune_terminated();
  // A reply slot or adapter that is never answered would otherwise stay until its target
  // stops: the bound forgets the oldest first.
  while (by_path_.size() > limit_ && !order_.empty()) {
    auto oldest = by_path_.find(order_.front());
    order_.pop_front();
    if (oldest == by_path_.end()) continue;  // pruned already
    dropped.push_back(std::move(oldest->second));
    by_path_.erase(oldest);
    ++evicted_;
  }
}

void ExportedRefs::prune_terminated() {
  std::erase_if(by_path_, [](const auto& entry) { return entry.second->terminated(); });
  std::erase_if(order_, [this](const std::string& path) { return by_path_.count(path) == 0; });
}

void ExportedRefs::set_limit(std::size_t max) {
  std::lock_guard guard(mutex_);
  limit_ = std::max<std::size_t>(max, 1);
}

std::uint64_t ExportedRefs::evicted() const {
  std::lock_guard guard(mutex_);
  return evicted_;
}

IntrusivePtr<RecipientBase> ExportedRefs::find(std::string_view path) {
  std::lock_guard guard(mutex_);
  auto found = by_path_.find(path);
  if (found == by_path_.end()) return nullptr;
  if (found->second->terminated()) {
    by_path_.erase(found);
    return nullptr;
  }
  return found->second;
}

void ExportedRefs::clear() {
  std::map<std::string, IntrusivePtr<RecipientBase>, std::less<>> dropped;
  std::lock_guard guard(mutex_);
  dropped.swap(by_path_);
  order_.clear();
}

std::size_t ExportedRefs::size() const {
  std::lock_guard guard(mutex_);
  return by_path_.size();
}

Result<IntrusivePtr<RecipientBase>> resolve_local(ActorSystem& system, std::string_view path,
                                                  std::uint64_t uid, std::type_index message_type) {
  IntrusivePtr<RecipientBase> found = system.exported_refs().find(path);
  if (!found) {
    if (CellBase* cell = system.resolve(path))
      found = IntrusivePtr<RecipientBase>(&cell->recipient());
  }
  if (!found) return make_error(Errc::not_found, fmt::format("no actor at {}", path));
  if (uid != 0 && found->uid() != uid) {
    return make_error(Errc::not_found,
                      fmt::format("the actor at {} is another incarnation (uid {}, not {})", path,
                                  found->uid(), uid));
  }
  if (!found->accepts(message_type)) {
    return make_error(Errc::invalid_argument,
                      fmt::format("the actor at {} does not take this message type", path));
  }
  return found;
}

std::string write_local_ref(ActorSystem& system, const NodeAddress& node,
                            const RecipientBase& ref) {
  auto& recipient = const_cast<RecipientBase&>(ref);
  if (recipient.as_cell() == nullptr || recipient.path() != recipient.as_cell()->path()) {
    system.exported_refs().add(recipient);  // not findable by walking the tree
  }
  return ActorAddress{node, recipient.path(), recipient.uid()}.to_string();
}

LocalRefContext::LocalRefContext(ActorSystem& system)
    : system_(system), node_{system.name(), "local", 0} {
}

std::string LocalRefContext::write_ref(const RecipientBase& ref) {
  return write_local_ref(system_, node_, ref);
}

Result<IntrusivePtr<RecipientBase>> LocalRefContext::read_ref(
    std::string_view text, std::type_index message_type,
    IntrusivePtr<RecipientBase> (*)(RefContext&, std::string_view)) {
  auto address = ActorAddress::parse(text);
  if (!address.ok()) return address.error();
  if (address->node != node_) {
    return make_error(Errc::unsupported,
                      fmt::format("{} is on another node, and this system has no remoting", text));
  }
  return resolve_local(system_, address->path, address->uid, message_type);
}

}  // namespace orrery
