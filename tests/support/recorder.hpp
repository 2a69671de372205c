#pragma once
// Recorder<T>: a thread-safe ActorRef<T> that keeps what it is told, for the runtime's own tests
// (the testkit's TestProbe is the full tool; the runtime's tests must not depend on it).

#include <mutex>
#include <orrery/actor/actor_ref.hpp>
#include <orrery/actor/actor_system.hpp>
#include <vector>

namespace orrery::test {

template <class T>
class Recorder {
  class Sink final : public Recipient<T> {
   public:
    explicit Sink(ActorSystem& system) : system_(system), id_(system.next_actor_id()) {}
    void tell(T&& message) override {
      std::lock_guard guard(mutex_);
      messages_.push_back(std::move(message));
    }
    std::string path() const override { return "/test/recorder-" + std::to_string(id_); }
    std::uint64_t uid() const noexcept override { return id_; }
    ActorSystem& core() const noexcept override { return system_; }
    bool terminated() const noexcept override { return false; }
    void add_watcher(CellBase&) override {}
    void remove_watcher(CellBase&) override {}
    std::vector<T> snapshot() const {
      std::lock_guard guard(mutex_);
      return messages_;
    }
    std::size_t count() const {
      std::lock_guard guard(mutex_);
      return messages_.size();
    }

   private:
    ActorSystem& system_;
    std::uint64_t id_;
    mutable std::mutex mutex_;
    std::vector<T> messages_;
  };

 public:
  explicit Recorder(ActorSystem& system) : sink_(new Sink(system)) {}
  ActorRef<T> ref() const { return ActorRef<T>(IntrusivePtr<Recipient<T>>(sink_.get())); }
  std::vector<T> messages() const { return sink_->snapshot(); }
  std::size_t count() const { return sink_->count(); }
  /// A predicate for Harness::run_until.
  auto has(std::size_t n) const {
    return [this, n] { return count() >= n; };
  }

 private:
  IntrusivePtr<Sink> sink_;
};

}  // namespace orrery::test
