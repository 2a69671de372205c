#pragma once
// Test helpers for the gRPC transport: a thread-safe FrameSink that records frames per sender
// and link events (with an optional hook to answer from the transport's thread), a thread-safe
// LogSink, and a polling wait for conditions that other threads make true.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <orrery/env/log_sink.hpp>
#include <orrery/env/transport.hpp>

namespace orrery::test {

/// Polls `done` until it holds or `timeout` passes; true when it held.
template <class Done>
bool eventually(Done done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

class RecordingSink final : public FrameSink {
 public:
  struct LinkEvent {
    bool up = false;
    NodeAddress peer;
  };
  /// Called for each frame after it is recorded, outside the sink's lock (set before attach).
  std::function<void(const NodeAddress&, const Frame&)> on_frame_hook;

  void on_frame(const NodeAddress& from, Frame frame) override {
    {
      std::lock_guard guard(mutex_);
      if (hook_only_) {
        ++frame_count_;
      } else {
        frames_[from].push_back(frame);
        ++frame_count_;
      }
    }
    if (on_frame_hook) on_frame_hook(from, frame);
  }
  void on_link_up(const NodeAddress& peer) override { record({true, peer}); }
  void on_link_down(const NodeAddress& peer) override { record({false, peer}); }

  /// Counts frames without keeping them (measurements).
  void count_only() { hook_only_ = true; }
  std::vector<Frame> frames_from(const NodeAddress& from) const {
    std::lock_guard guard(mutex_);
    const auto found = frames_.find(from);
    return found == frames_.end() ? std::vector<Frame>{} : found->second;
  }
  std::size_t frame_count() const {
    std::lock_guard guard(mutex_);
    return frame_count_;
  }
  std::vector<LinkEvent> events() const {
    std::lock_guard guard(mutex_);
    return events_;
  }
  /// How many up (or down) events `peer` has had.
  std::size_t link_events(const NodeAddress& peer, bool up) const {
    std::lock_guard guard(mutex_);
    std::size_t count = 0;
    for (const auto& event : events_)
      count += (event.peer == peer && event.up == up) ? 1 : 0;
    return count;
  }

 private:
  void record(LinkEvent event) {
    std::lock_guard guard(mutex_);
    events_.push_back(std::move(event));
  }

  mutable std::mutex mutex_;
  bool hook_only_ = false;
  std::map<NodeAddress, std::vector<Frame>> frames_;
  std::size_t frame_count_ = 0;
  std::vector<LinkEvent> events_;
};

/// Keeps log lines (thread-safe), for checking that bad input was logged.
class LinesLog final : public LogSink {
 public:
  void write(LogLevel level, std::string_view source, std::string_view message) override {
    std::lock_guard guard(mutex_);
    lines_.push_back(std::string(to_string(level)) + " [" + std::string(source) + "] " +
                     std::string(message));
  }
  LogLevel threshold() const noexcept override { return LogLevel::debug; }
  bool contains(std::string_view text) const {
    std::lock_guard guard(mutex_);
    for (const auto& line : lines_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::string all() const {
    std::lock_guard guard(mutex_);
    std::string text;
    for (const auto& line : lines_)
      text += line + "\n";
    return text;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace orrery::test
