// PolicyStores' wrappers: a decided failure completes like a store's own (a ready future, since
// nothing reaches a store); everything else is the wrapped store's call.

#include <fmt/format.h>

#include <orrery/persistence/testkit/policy_stores.hpp>

namespace orrery::persistence {

namespace {

template <class T>
Future<T> failed(const Error& error) {
  return ready_future<T>(error);
}

class PolicyJournal final : public Journal {
 public:
  explicit PolicyJournal(std::shared_ptr<PolicyStores> policy) : policy_(std::move(policy)) {}
  Future<Done> write(AtomicWrite write) override {
    if (auto error = policy_->decide_write(write)) return failed<Done>(*error);
    return policy_->inner().journal->write(std::move(write));
  }
  Future<std::vector<PersistentEvent>> replay(std::string id, SequenceNr from, SequenceNr to,
                                              std::uint64_t max) override {
    if (auto error = policy_->decide_read(id)) return failed<std::vector<PersistentEvent>>(*error);
    return policy_->inner().journal->replay(std::move(id), from, to, max);
  }
  Future<SequenceNr> highest_sequence_nr(std::string id, SequenceNr from) override {
    if (auto error = policy_->decide_read(id)) return failed<SequenceNr>(*error);
    return policy_->inner().journal->highest_sequence_nr(std::move(id), from);
  }
  Future<Done> delete_up_to(std::string id, SequenceNr to) override {
    return policy_->inner().journal->delete_up_to(std::move(id), to);
  }

 private:
  std::shared_ptr<PolicyStores> policy_;
};

class PolicySnapshots final : public SnapshotStore {
 public:
  explicit PolicySnapshots(std::shared_ptr<PolicyStores> policy) : policy_(std::move(policy)) {}
  Future<Done> save(Snapshot snapshot) override {
    if (auto error = policy_->decide_snapshot_save()) return failed<Done>(*error);
    return policy_->inner().snapshots->save(std::move(snapshot));
  }
  Future<std::optional<Snapshot>> load(std::string id, SnapshotCriteria criteria) override {
    return policy_->inner().snapshots->load(std::move(id), criteria);
  }
  Future<Done> remove(std::string id, SnapshotCriteria criteria) override {
    return policy_->inner().snapshots->remove(std::move(id), criteria);
  }

 private:
  std::shared_ptr<PolicyStores> policy_;
};

}  // namespace

bool PolicyStores::Counted::take(const std::string& id) {
  if (remaining == 0 || (!persistence_id.empty() && persistence_id != id)) return false;
  --remaining;
  return true;
}

Stores PolicyStores::stores() {
  auto self = shared_from_this();
  return Stores{std::make_shared<PolicyJournal>(self), std::make_shared<PolicySnapshots>(self),
                inner_.durable_state, inner_.read};
}

void PolicyStores::fail_next_writes(std::uint32_t count, std::string persistence_id) {
  std::lock_guard lock(mutex_);
  fail_writes_ = Counted{count, std::move(persistence_id)};
}
void PolicyStores::reject_next_writes(std::uint32_t count, std::string persistence_id) {
  std::lock_guard lock(mutex_);
  reject_writes_ = Counted{count, std::move(persistence_id)};
}
void PolicyStores::fail_next_reads(std::uint32_t count, std::string persistence_id) {
  std::lock_guard lock(mutex_);
  fail_reads_ = Counted{count, std::move(persistence_id)};
}
void PolicyStores::fail_next_snapshot_saves(std::uint32_t count) {
  std::lock_guard lock(mutex_);
  fail_snapshot_saves_ = Counted{count, ""};
}
void PolicyStores::set_write_policy(WritePolicy policy) {
  std::lock_guard lock(mutex_);
  policy_ = std::move(policy);
}
std::uint64_t PolicyStores::writes_failed() const {
  std::lock_guard lock(mutex_);
  return writes_failed_;
}
std::uint64_t PolicyStores::writes_rejected() const {
  std::lock_guard lock(mutex_);
  return writes_rejected_;
}

std::optional<Error> PolicyStores::decide_write(const AtomicWrite& write) {
  std::lock_guard lock(mutex_);
  if (policy_) {
    if (auto error = policy_(write)) {
      ++(error->code == Errc::refused ? writes_rejected_ : writes_failed_);
      return error;
    }
  }
  if (fail_writes_.take(write.persistence_id)) {
    ++writes_failed_;
    return make_error(Errc::io_error,
                      fmt::format("policy: write of '{}' failed", write.persistence_id));
  }
  if (reject_writes_.take(write.persistence_id)) {
    ++writes_rejected_;
    return make_error(Errc::refused,
                      fmt::format("policy: write of '{}' rejected", write.persistence_id));
  }
  return std::nullopt;
}

std::optional<Error> PolicyStores::decide_read(const std::string& persistence_id) {
  std::lock_guard lock(mutex_);
  if (fail_reads_.take(persistence_id))
    return make_error(Errc::io_error, fmt::format("policy: read of '{}' failed", persistence_id));
  return std::nullopt;
}

std::optional<Error> PolicyStores::decide_snapshot_save() {
  std::lock_guard lock(mutex_);
  if (fail_snapshot_saves_.take(""))
    return make_error(Errc::io_error, "policy: snapshot save failed");
  return std::nullopt;
}

}  // namespace orrery::persistence
