// The production timer thread: a min-heap of (due, sequence) with slot handles for cancel.
//
// The thread sleeps on a condition variable until the earliest timer is due, and records the
// instant it sleeps until. schedule_at wakes it only for a timer due before that instant, and
// cancel never wakes it: a thread woken for a cancelled timer finds nothing due and sleeps again.
// So the common pattern of an ask (schedule a timeout, cancel it on the answer, schedule the next
// one a little later) costs no wake-up at all; a wake-up is a futex call on both sides and a
// context switch that, on a small machine, takes a core from the workers. One task runs per lock
// acquisition: a task that is still in the heap can always be cancelled, and a cancel that
// returns false means the task ran or is running.

#include <algorithm>
#include <chrono>
#include <utility>

#include <orrery/core/assert.hpp>
#include <orrery/env/production/timer_service.hpp>

namespace orrery {

namespace {

constexpr Duration wait_max = std::chrono::hours(1);

constexpr TimerId make_id(std::uint32_t slot, std::uint32_t generation) noexcept {
  return TimerId{(std::uint64_t{generation} << 32) | slot};
}

}  // namespace

TimerService::TimerService(const Clock& clock) : clock_(clock), thread_([this] { loop(); }) {
}

TimerService::~TimerService() {
  ORRERY_ASSERT(std::this_thread::get_id() != thread_.get_id(),
                "a TimerService destroyed from its own timer task");
  {
    std::lock_guard guard(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  // The pending tasks go with slots_, unrun; nothing else can reach the service now.
}

bool TimerService::earlier(const HeapEntry& a, const HeapEntry& b) noexcept {
  if (a.due_ns != b.due_ns) return a.due_ns < b.due_ns;
  return a.sequence < b.sequence;
}

TimerId TimerService::schedule_at(Instant when, TimerTask task) {
  ORRERY_ASSERT(static_cast<bool>(task), "scheduling an empty timer task");
  bool earliest = false;
  TimerId id;
  {
    std::lock_guard guard(mutex_);
    const std::uint32_t slot = allocate_slot();
    Slot& entry = slots_[slot];
    entry.task = std::move(task);
    entry.pending = true;
    heap_.push_back(HeapEntry{to_nanoseconds(when), next_sequence_++, slot});
    entry.heap_index = static_cast<std::uint32_t>(heap_.size() - 1);
    sift_up(heap_.size() - 1);
    // Before the instant the thread sleeps until, it must wake early; at or after it, the
    // thread will find this timer when it wakes anyway. (While the thread is awake, sleep_until_ns_
    // is the minimum: it looks at the heap under the lock before it sleeps again.)
    earliest = to_nanoseconds(when) < sleep_until_ns_;
    id = make_id(slot, entry.generation);
  }
  if (earliest) wake_.notify_one();
  return id;
}

bool TimerService::cancel(TimerId id) noexcept {
  const auto slot = static_cast<std::uint32_t>(id.value & UINT32_MAX);
  const auto generation = static_cast<std::uint32_t>(id.value >> 32);
  TimerTask dropped;  // destroyed after the lock is released
  {
    std::lock_guard guard(mutex_);
    if (slot >= slots_.size()) return false;
    Slot& entry = slots_[slot];
    if (!entry.pending || entry.generation != generation) return false;
    ORRERY_ASSERT(heap_[entry.heap_index].slot == slot, "a slot and its heap entry disagree");
    heap_remove(entry.heap_index);
    dropped = release_slot(slot);
  }
  // No wake-up: a cancelled earliest timer leaves the thread waiting for nothing; it wakes at the
  // old due time, finds the next one not due, and waits again, cheaper than a wake-up per cancel.
  return true;
}

std::size_t TimerService::pending() const {
  std::lock_guard guard(mutex_);
  return heap_.size();
}

void TimerService::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    TimerTask task = take_due(lock);
    if (!task) continue;
    lock.unlock();
    task();
    task.reset();  // the task's captures are released outside the lock too
    lock.lock();
  }
}

TimerTask TimerService::take_due(std::unique_lock<std::mutex>& lock) {
  if (heap_.empty()) {
    sleep_until_ns_ = sleeping_forever;
    wake_.wait(lock);
    sleep_until_ns_ = awake;
    return {};
  }
  const HeapEntry first = heap_.front();
  const std::int64_t now_ns = to_nanoseconds(clock_.now());
  if (first.due_ns > now_ns) {
    // At most an hour per wait: the condition variable adds the wait to its own clock's now,
    // which would overflow for a timer due at Instant::max() ("never" timeouts).
    const Duration wait = std::min(Duration{first.due_ns - now_ns}, wait_max);
    sleep_until_ns_ = now_ns + wait.count();
    wake_.wait_for(lock, wait);
    sleep_until_ns_ = awake;
    return {};
  }
  heap_remove(0);
  return release_slot(first.slot);
}

std::uint32_t TimerService::allocate_slot() {
  if (free_head_ != no_slot) {
    const std::uint32_t slot = free_head_;
    free_head_ = slots_[slot].next_free;
    ORRERY_ASSERT(!slots_[slot].pending, "a pending timer's slot on the free list");
    return slot;
  }
  ORRERY_ASSERT(slots_.size() < no_slot, "more than 2^32 - 1 timer slots");
  slots_.emplace_back();
  return static_cast<std::uint32_t>(slots_.size() - 1);
}

TimerTask TimerService::release_slot(std::uint32_t slot) {
  Slot& entry = slots_[slot];
  ORRERY_ASSERT(entry.pending, "releasing a slot that holds no timer");
  entry.pending = false;
  TimerTask task = std::move(entry.task);
  // A new generation makes every id issued for this slot stale. A slot whose generation would
  // wrap is retired (leaked, a few dozen bytes per 4 billion timers) so that no old id can ever
  // match a later timer.
  ++entry.generation;
  if (entry.generation != UINT32_MAX) {
    entry.next_free = free_head_;
    free_head_ = slot;
  }
  return task;
}

void TimerService::heap_place(std::size_t index, const HeapEntry& entry) noexcept {
  heap_[index] = entry;
  slots_[entry.slot].heap_index = static_cast<std::uint32_t>(index);
}

void TimerService::sift_up(std::size_t index) noexcept {
  const HeapEntry moving = heap_[index];
  while (index > 0) {
    const std::size_t parent = (index - 1) / 2;
    if (!earlier(moving, heap_[parent])) break;
    heap_place(index, heap_[parent]);
    index = parent;
  }
  heap_place(index, moving);
}

void TimerService::sift_down(std::size_t index) noexcept {
  const HeapEntry moving = heap_[index];
  const std::size_t size = heap_.size();
  for (;;) {
    std::size_t child = 2 * index + 1;
    if (child >= size) break;
    if (child + 1 < size && earlier(heap_[child + 1], heap_[child])) ++child;
    if (!earlier(heap_[child], moving)) break;
    heap_place(index, heap_[child]);
    index = child;
  }
  heap_place(index, moving);
}

void TimerService::heap_remove(std::size_t index) noexcept {
  ORRERY_ASSERT(index < heap_.size());
  const std::size_t last = heap_.size() - 1;
  if (index != last) {
    heap_place(index, heap_[last]);
    heap_.pop_back();
    // The entry moved into the hole may belong above or below it.
    if (index > 0 && earlier(heap_[index], heap_[(index - 1) / 2])) {
      sift_up(index);
    } else {
      sift_down(index);
    }
  } else {
    heap_.pop_back();
  }
}

}  // namespace orrery
