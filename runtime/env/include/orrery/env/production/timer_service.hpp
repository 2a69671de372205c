#pragma once
// TimerService: the production Timers. Pending timers sit in a binary min-heap ordered by (due
// instant, scheduling sequence) and are run by one dedicated thread, each task outside the lock,
// in due order, ties in scheduling order. A million pending timers (an actor's receive timeout
// each) cost 72 bytes apiece (a 24-byte heap entry and a 48-byte slot whose task keeps captures up
// to three pointers inline), plus the vectors' spare capacity; schedule and cancel are O(log n).
//
//   SystemClock clock;
//   TimerService timers(clock);
//   TimerId id = timers.schedule_at(clock.now() + 5s, [ref] { ref.tell(Timeout{}); });
//   timers.cancel(id);  // true: the task is destroyed, never run
//
// A TimerId names a slot of the service and that slot's generation, so cancel finds its timer
// without a search or a hash map, and an id whose timer has run or been cancelled never matches
// again: a slot whose generation would wrap is retired instead of reused.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include <orrery/env/clock.hpp>
#include <orrery/env/timers.hpp>

namespace orrery {

class TimerService final : public Timers {
 public:
  /// Starts the timer thread. `clock` gives the instants that schedule_at() is given in (its
  /// now() must be steady time, as SystemClock's is: the thread waits on the steady clock) and
  /// must outlive the service.
  explicit TimerService(const Clock& clock);
  /// Stops and joins the thread after the task it may be running; pending tasks are destroyed
  /// without running. Not from a timer task (the thread cannot join itself).
  ~TimerService() override;
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;

  /// Thread-safe. Wakes the thread only when the new timer is due before the instant the thread
  /// sleeps until (so rarely: a cancelled timer's due instant still counts as that instant).
  TimerId schedule_at(Instant when, TimerTask task) override;
  /// Thread-safe; a cancelled task is destroyed before cancel returns (outside the lock, so its
  /// destructor may use the service).
  bool cancel(TimerId id) noexcept override;

  /// Timers scheduled and neither run nor cancelled yet.
  std::size_t pending() const;

 private:
  /// What the heap orders: small, so that sifting moves little memory.
  struct HeapEntry {
    std::int64_t due_ns;
    std::uint64_t sequence;
    std::uint32_t slot;
  };
  /// Where a timer's task lives while it is pending; free slots form a list through next_free.
  struct Slot {
    TimerTask task;
    std::uint32_t generation = 1;
    std::uint32_t heap_index = 0;
    std::uint32_t next_free = 0;
    bool pending = false;
  };

  static bool earlier(const HeapEntry& a, const HeapEntry& b) noexcept;
  void loop();
  /// Takes the earliest timer if it is due; otherwise waits for it (or a wake-up) and returns an
  /// empty task. Called with the lock held.
  TimerTask take_due(std::unique_lock<std::mutex>& lock);
  std::uint32_t allocate_slot();
  /// Frees the slot of a timer that left the heap; returns its task to be run or destroyed.
  TimerTask release_slot(std::uint32_t slot);
  void heap_place(std::size_t index, const HeapEntry& entry) noexcept;
  void sift_up(std::size_t index) noexcept;
  void sift_down(std::size_t index) noexcept;
  void heap_remove(std::size_t index) noexcept;

  const Clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<HeapEntry> heap_;
  std::vector<Slot> slots_;
  std::uint32_t free_head_ = no_slot;
  std::uint64_t next_sequence_ = 0;
  /// The instant (steady nanoseconds) the thread's current wait ends, under the lock; `awake`
  /// while the thread is not waiting (it looks at the heap before it waits again).
  std::int64_t sleep_until_ns_ = awake;
  bool stopping_ = false;
  std::thread thread_;

  static constexpr std::uint32_t no_slot = UINT32_MAX;
  static constexpr std::int64_t awake = INT64_MIN;
  static constexpr std::int64_t sleeping_forever = INT64_MAX;
};

}  // namespace orrery
