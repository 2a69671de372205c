#pragma once
// The seam's conformance suite runs each test body against every implementation listed in
// ORRERY_CONFORMANCE_FACTORIES, so that the simulator cannot drift from production (turmoil's
// rule). A factory is a type `F` that gives one test a fresh set of seam parts:
//
//   F()                               a fresh world: storage empty, timers idle, clock running
//   Clock& clock()                    the node's clock
//   Timers& timers()                  timers on that clock
//   Executor& executor()              runs Runnables
//   Storage& storage()                an empty storage, private to this F
//   std::unique_ptr<Random> make_random()
//                                     a new Random instance, as a new node would get (two calls
//                                     must give different streams)
//   bool run_until(const std::function<bool()>& done, Duration limit)
//                                     lets time pass and work (timers, Runnables) run until
//                                     done() holds or `limit` passes; returns whether it held.
//                                     Production waits in real time, reading done() from the
//                                     test's thread (it reads only locked or atomic state);
//                                     the simulator runs its world in virtual time.
//   void pass(Duration duration)      lets `duration` pass with everything running
//
// The destructor stops whatever F started; parts may hold work that never ran (dropped, as
// each part's contract says). Faults must be off: these bodies check the fault-free contract
// (the simulator's faults have their own tests).
//
#include "production_factories.hpp"
#include "sim_factories.hpp"

#define ORRERY_CONFORMANCE_FACTORIES \
  ::orrery::conformance::ProductionParts, ::orrery::conformance::SimParts
