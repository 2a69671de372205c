#pragma once
// The seam lint: outside runtime/env's production code, nothing reads a clock, sleeps, starts a
// thread, draws randomness, opens a socket or a file. Each banned name says what to use instead.
// Rule families: clock, sleep, thread, random, socket, file, process, environment, sqlite
// (SQLite's default VFS and process-wide state), libpq (its headers and PQ* calls, allowed only
// in persistence/src/postgres/; mutable globals: globals_rule.hpp).

#include <memory>
#include <vector>

#include "violation.hpp"

namespace orrery::lint {

/// Which families a folder is held to: all of them (the libraries), or only the determinism
/// ones, `clock` and `random` (sim/, which implements the seam but must not read the real clock
/// or the OS's randomness).
enum class SeamFamilies { all, determinism };

/// The banned names, compiled once.
class SeamChecker {
 public:
  SeamChecker();
  ~SeamChecker();
  SeamChecker(const SeamChecker&) = delete;
  SeamChecker& operator=(const SeamChecker&) = delete;

  /// Appends every use of a banned API of `families` (clock, sleep, thread, randomness,
  /// socket, file, process, environment).
  void check(const LintedFile& file, SeamFamilies families, std::vector<Violation>& out) const;

 private:
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace orrery::lint
