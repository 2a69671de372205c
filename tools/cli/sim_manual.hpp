#pragma once
// The manuals `orrery sim VERB --help` prints.

namespace orrery::cli::manual {

inline constexpr const char* sim = R"(usage: orrery sim VERB ...

Runs the simulator's scenarios: seeded, deterministic worlds of several nodes under generated
faults (partitions, loss, crashes, disk faults, clock jumps), with invariants checked while they
run (safety) and after every fault is healed (liveness).

Verbs
  list     the scenarios, their invariants and their planted bugs
  run      one seed of a scenario
  sweep    many seeds, on several cores, with a replay file for every failing one
  shrink   cut a failing replay file down to a minimal one that still fails the same way
  replay   rerun a replay file and confirm it ends as recorded, bit for bit

`orrery sim VERB --help` tells more. Exit status everywhere: 0 pass, 1 an invariant broke (or a
replay did not reproduce), 2 usage or input error.
)";

inline constexpr const char* list = R"(usage: orrery sim list [--json]

Lists the built-in scenarios: what each runs, its invariants (safety: checked under faults;
liveness: checked after healing, within a bound) and its planted bugs (deliberate defects,
switched on with --bug NAME, that a sweep must find).

  --json   one JSON object: {"scenarios": [{"name", "summary", "default_until",
           "invariants": [{"name", "phase", "summary"}], "bugs": [{"name", "summary"}]}]}
)";

inline constexpr const char* run = R"(usage: orrery sim run SCENARIO --seed S [options]

Runs one seed of SCENARIO and prints its verdict, the invariant that broke (if one did), the
virtual time, the number of trace events and the trace hash. The same seed and options give the
same hash on every machine and build: a failing seed is a bug report.

  --seed S          the world's seed (required; decimal or 0x hex)
  --plan FILE       run this fault plan instead of the seed's generated one: a replay file, or
                    {"plan": [...]} (see `orrery sim replay --help` for the format)
  --add-generated   with --plan, also add the seed's own generated faults wherever they do not
                    clash with the file's (scripted faults mixed with seeded ones)
  --until DUR       length of the safety phase (the workload under faults), e.g. 90s or 10m
  --bug NAME        switch on a planted bug (orrery sim list shows them)
  --no-faults       no generated faults: the workload alone
  --trace FILE      write every trace event as a JSON line (for orrery viz)
  --out FILE        write the run's replay file
  --log             echo the nodes' log lines to stderr
  --json            one JSON object instead of text

Exit status: 0 every invariant held, 1 one broke, 2 usage or input error.
)";

inline constexpr const char* sweep =
    R"(usage: orrery sim sweep SCENARIO --seeds FIRST..LAST [options]

Runs many seeds of SCENARIO, each under its own generated fault plan, and prints a summary:
verdicts, failures per invariant, simulated time and events per second. Every failing seed gets a
replay file (for `orrery sim shrink` and `orrery sim replay`). With --jobs N the seeds run in N
worker processes; each seed's verdict and hash are the same as with --jobs 1.

  --seeds A..B      the seeds A to B, inclusive (or --from S --seeds N: N seeds from S)
  --jobs N          worker processes (default 1; use the machine's cores)
  --bug NAME        switch on a planted bug in every seed
  --until DUR       length of each seed's safety phase
  --no-faults       the workload alone
  --out DIR         where replay files of failing seeds go (default ./orrery-replays)
  --no-progress     no progress output on stderr (by default: a live bar on a terminal, a plain
                    line per tenth of the seeds otherwise)
  --json            one JSON object: the summary and every seed's result

Exit status: 0 every seed passed, 1 at least one failed, 2 usage or input error.
)";

inline constexpr const char* shrink =
    R"(usage: orrery sim shrink FILE [-o OUT] [--time-limit DUR] [--json]

Shrinks a failing run: reruns FILE (a replay file) with smaller and smaller variations, keeping
each one that still breaks the same invariant, until no smaller one does: fewer fault actions
(delta debugging over the plan), shorter fault windows, fewer workload operations, a shorter
safety phase. Prints the plan size before and after and writes the shrunk replay file.

  -o, --out OUT     where the shrunk file goes (default: FILE with .shrunk.json)
  --time-limit DUR  stop after DUR of wall time with the smallest failure found (default 5m)
  --json            one JSON object: sizes before and after, runs, the shrunk file's name

Exit status: 0 shrunk (or already minimal), 1 the file's run does not fail, 2 usage or input
error.
)";

inline constexpr const char* replay = R"(usage: orrery sim replay FILE [--trace FILE] [--json]

Reruns a replay file and checks that the run ends as recorded: the same verdict, the same
failing invariant and the same trace hash. A mismatch names what differs between the build that
recorded the file and this one (commit, build type, compiler, sanitizer).

A replay file is JSON (format "orrery-replay", version 1): the scenario, the seed, the bug, the
safety phase's length ("until"), the workload's operation count, the full realised fault plan,
one action a line, each with its time from the start:
  {"at": "4s", "kind": "crash", "nodes": ["b"], "duration": "3s"}
kinds: partition (groups), partition_one_way (groups: from, to), isolate, crash, pause,
clock_jump (delta), clock_drift (ppm), clog (two nodes), lossy_network (ppm), disk_errors (ppm);
the expected verdict, invariant and trace hash; and the build. Edit the plan by hand and run it
with `orrery sim run SCENARIO --seed S --plan FILE` as a regression test.

  --trace FILE   write the rerun's trace as JSON lines
  --json         one JSON object: {"reproduced", "expected", "actual", "differences"}

Exit status: 0 reproduced, 1 not reproduced, 2 usage or input error.
)";

}  // namespace orrery::cli::manual
