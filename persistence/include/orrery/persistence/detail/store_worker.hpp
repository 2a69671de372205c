#pragma once
// StoreWorker: where a store does its work. Tasks run on the node's executor, one at a time, in
// the order they were posted, so a store needs no lock around its own state and a disk call never
// runs on the stack of the actor that asked. In the simulator each batch is a scheduled turn, so
// the seed decides how store work interleaves with the actors.
//
// Every task runs exactly once: with `run` true on the worker's turn, or with `run` false when
// the worker is closed or its executor drops the turn (a crashed simulated node), so that the
// task fails its promise instead of leaving a future that never completes. A task must not refer
// to the object that owns the worker, only to state the task itself keeps alive: the owner may be
// gone by the time a dropped task runs.

#include <cstdint>
#include <deque>
#include <mutex>

#include <orrery/core/intrusive_ptr.hpp>
#include <orrery/core/unique_function.hpp>
#include <orrery/env/executor.hpp>

namespace orrery::persistence::detail {

class StoreWorker {
 public:
  using Task = UniqueFunction<void(bool run)>;

  /// `trace_id` names the worker's turns in the simulator's trace (stable across runs).
  StoreWorker(Executor& executor, std::uint64_t trace_id);
  /// Closes the worker (see close()).
  ~StoreWorker();
  StoreWorker(const StoreWorker&) = delete;
  StoreWorker& operator=(const StoreWorker&) = delete;

  /// Queues `task`; runs it with false at once when the worker is closed. Thread-safe.
  void post(Task task);
  /// Runs every task not yet started with false, and refuses later ones. A batch already running
  /// on another thread finishes first (close waits for it).
  void close();

 private:
  class Turn;
  IntrusivePtr<Turn> turn_;
};

}  // namespace orrery::persistence::detail
