#pragma once
// TestProbe<M>: an ActorRef<M> a test holds and asserts on (Akka's TestProbe). Waiting is in the
// TimeDriver's time: virtual under manual time and the simulator, real in production. A failed
// expectation throws ProbeFailure, whose message says what was expected and what came.
//
//   TestProbe<Reply> probe(kit);
//   service.tell(Request{probe.ref()});
//   Reply reply = probe.receive_message();
//   probe.expect_no_message(100ms);

#include <deque>
#include <functional>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include <orrery/actor.hpp>
#include <orrery/testkit/time_driver.hpp>

namespace orrery {

class ProbeFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What a fisher says of a message (fish_for_message).
enum class FishingOutcome { complete, continue_fishing, fail };

inline constexpr Duration probe_timeout_default = std::chrono::seconds(3);

namespace detail {
template <class T>
std::string describe_value(const T& value) {
  if constexpr (requires(std::ostream & out) { out << value; }) {
    std::ostringstream out;
    out << value;
    return out.str();
  } else {
    return std::string(message_type_name(value));
  }
}
}  // namespace detail

template <class M>
class TestProbe {
  struct Queue;

 public:
  TestProbe(ActorSystem& system, TimeDriver& time, std::string name = "probe")
      : system_(system), time_(time), queue_(new Queue(system, std::move(name))) {}
  TestProbe(const TestProbe&) = delete;
  TestProbe& operator=(const TestProbe&) = delete;
  ~TestProbe() {
    if (watcher_) {
      if (CellBase* cell = watcher_.recipient()->as_cell()) cell->post_stop();
    }
  }

  ActorRef<M> ref() const { return ActorRef<M>(IntrusivePtr<Recipient<M>>(queue_.get())); }
  operator ActorRef<M>() const { return ref(); }  // NOLINT: usable as a ref
  std::size_t queued() const { return queue_->size(); }

  /// The next message, within `timeout`.
  M receive_message(Duration timeout = probe_timeout_default) {
    if (!time_.await([this] { return queue_->size() > 0; }, timeout)) {
      fail(fmt::format("timeout ({} ms) waiting for a message", to_ms(timeout)));
    }
    return queue_->pop();
  }

  /// The next message, which must equal `expected`.
  M expect_message(const M& expected, Duration timeout = probe_timeout_default) {
    M got = receive_message(timeout);
    if (!(got == expected)) {
      fail(fmt::format("expected {}, got {}", detail::describe_value(expected),
                       detail::describe_value(got)));
    }
    return got;
  }

  /// The next message, which must hold the variant alternative T (or be a T).
  template <class T>
  T expect_message_type(Duration timeout = probe_timeout_default) {
    M got = receive_message(timeout);
    if constexpr (std::is_same_v<T, M>) {
      return got;
    } else {
      if (T* alternative = std::get_if<T>(&got)) return std::move(*alternative);
      fail(fmt::format("expected a {}, got a {}", type_name<T>(), message_type_name(got)));
    }
  }

  /// No message arrives for `duration`.
  void expect_no_message(Duration duration = std::chrono::milliseconds(100)) {
    time_.await([this] { return queue_->size() > 0; }, duration);
    if (queue_->size() > 0) {
      fail(fmt::format("expected no message for {} ms, got {}", to_ms(duration),
                       detail::describe_value(queue_->pop())));
    }
  }

  /// The next n messages, all within `timeout`.
  std::vector<M> receive_messages(std::size_t n, Duration timeout = probe_timeout_default) {
    if (!time_.await([this, n] { return queue_->size() >= n; }, timeout)) {
      fail(fmt::format("timeout ({} ms) waiting for {} messages; {} came", to_ms(timeout), n,
                       queue_->size()));
    }
    std::vector<M> messages;
    for (std::size_t i = 0; i < n; ++i)
      messages.push_back(queue_->pop());
    return messages;
  }

  /// Receives until `fisher` says complete (returning that message); `fail` or the timeout fail.
  M fish_for_message(Duration timeout, const std::function<FishingOutcome(const M&)>& fisher) {
    const Instant deadline = system_.env().clock.now() + timeout;
    for (;;) {
      const Duration left = deadline - system_.env().clock.now();
      if (left.count() <= 0) fail("timeout while fishing for a message");
      M got = receive_message(left);
      switch (fisher(got)) {
        case FishingOutcome::complete:
          return got;
        case FishingOutcome::continue_fishing:
          continue;
        case FishingOutcome::fail:
          fail(fmt::format("fished out an unexpected {}", detail::describe_value(got)));
      }
    }
  }

  /// Watches `target` from now on (Akka's probe.watch); expect_terminated then sees its end.
  void watch(const UntypedActorRef& target) {
    ensure_watcher();
    watcher_.tell(WatchCommand{target});
  }

  /// `target` terminates within `timeout` (the probe watches it).
  void expect_terminated(const UntypedActorRef& target, Duration timeout = probe_timeout_default) {
    ensure_watcher();
    watcher_.tell(WatchCommand{target});
    const std::string path = target.path();
    if (!time_.await([this, path] { return queue_->terminated_contains(path); }, timeout)) {
      fail(fmt::format("timeout ({} ms) waiting for {} to terminate", to_ms(timeout), path));
    }
    queue_->take_terminated(path);
  }

 private:
  struct WatchCommand {
    UntypedActorRef target;
  };

  /// The probe's mailbox: a thread-safe queue that is also the ref's recipient.
  struct Queue final : Recipient<M> {
    Queue(ActorSystem& system, std::string name)
        : system_(system), id_(system.next_actor_id()), name_(std::move(name)) {
      system_.add_ref();
    }
    ~Queue() override { system_.release(); }
    void tell(M&& message) override {
      std::lock_guard guard(mutex_);
      messages_.push_back(std::move(message));
    }
    std::string path() const override { return "/testkit/" + name_ + "-" + std::to_string(id_); }
    std::uint64_t uid() const noexcept override { return id_; }
    ActorSystem& core() const noexcept override { return system_; }
    bool terminated() const noexcept override { return false; }
    void add_watcher(CellBase&) override {}
    void remove_watcher(CellBase&) override {}
    std::size_t size() const {
      std::lock_guard guard(mutex_);
      return messages_.size();
    }
    M pop() {
      std::lock_guard guard(mutex_);
      M message = std::move(messages_.front());
      messages_.pop_front();
      return message;
    }
    void add_terminated(std::string path) {
      std::lock_guard guard(mutex_);
      terminated_.push_back(std::move(path));
    }
    bool terminated_contains(const std::string& path) const {
      std::lock_guard guard(mutex_);
      return std::find(terminated_.begin(), terminated_.end(), path) != terminated_.end();
    }
    void take_terminated(const std::string& path) {
      std::lock_guard guard(mutex_);
      terminated_.erase(std::find(terminated_.begin(), terminated_.end(), path));
    }

    ActorSystem& system_;
    std::uint64_t id_;
    std::string name_;
    mutable std::mutex mutex_;
    std::deque<M> messages_;
    std::vector<std::string> terminated_;
  };

  void ensure_watcher() {
    if (watcher_) return;
    IntrusivePtr<Queue> queue = queue_;
    watcher_ = system_.spawn_system_actor(
        behaviors::receive<WatchCommand>(
            [](ActorContext<WatchCommand>& ctx, WatchCommand& w) { ctx.watch(w.target); })
            .receive_signal([queue](ActorContext<WatchCommand>&,
                                    const Terminated& t) { queue->add_terminated(t.ref.path()); },
                            [queue](ActorContext<WatchCommand>&, const ChildFailed& f) {
                              queue->add_terminated(f.ref.path());
                            }),
        "probe-watcher-" + std::to_string(queue_->id_));
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw ProbeFailure(fmt::format("{}: {}", queue_->path(), what));
  }

  static long long to_ms(Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  }

  ActorSystem& system_;
  TimeDriver& time_;
  IntrusivePtr<Queue> queue_;
  ActorRef<WatchCommand> watcher_;
};

}  // namespace orrery
