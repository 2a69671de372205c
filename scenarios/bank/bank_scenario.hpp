#pragma once
// The `bank` scenario: three branch nodes (a, b, c), each with an event-sourced Branch entity of
// four accounts on its own SQLite store (SimDisk), and two client nodes (d, e) whose clients send
// transfers between the accounts of a branch over remoting, one at a time, retrying the same
// transfer id on a timeout until the branch answers. A generated fault plan crashes and restarts
// the branches (the disk loses or tears what was not synced), fails their disks, partitions and
// clogs the network, loses and duplicates frames and moves clocks; then everything is healed and
// the script checks, in order:
//   answered      every transfer a client sent gets an answer within 60 s of healing;
//   exactly once  no transfer is in a branch's journal twice;
//   durability    every transfer a client was told is applied is in its branch's journal, as sent;
//   conservation  every branch's money adds up to what it opened with, no account below zero,
//                 and the branch's recovered state is the fold of its journal.
#include <registry.hpp>

namespace orrery::scenarios {

/// The scenario as the registry lists it.
Scenario bank_scenario();

ScenarioResult run_bank_scenario(std::uint64_t seed, const ScenarioOptions& options);

}  // namespace orrery::scenarios
