#pragma once
// The seam lint: outside runtime/env's production code, nothing reads a clock, sleeps, starts a
// thread, draws randomness, opens a socket or a file. Each banned name says what to use instead.
// Rule families: clock, sleep, thread, random, socket, file (mutable globals: globals_rule.hpp).

#include <memory>
#include <vector>

#include "violation.hpp"

namespace orrery::lint {

/// The banned names, compiled once.
class SeamChecker {
 public:
  SeamChecker();
  ~SeamChecker();
  SeamChecker(const SeamChecker&) = delete;
  SeamChecker& operator=(const SeamChecker&) = delete;

  /// Appends every use of a banned clock, sleep, thread, randomness, socket or file API.
  void check(const LintedFile& file, std::vector<Violation>& out) const;

 private:
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace orrery::lint
