#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 hvnet authors
"""./hvnet bench's rounds (app/bench/bench.py run_rounds), with the runs
replaced: a first run that could not be made ends the benchmark with its
one line; a first run that worked but left nothing to measure (the
bundled PMD dropping what its warm-up did not take) is a failed cell like
any other, and the other cells still run. TAP, one line per check.
"""

import contextlib
import os
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "app", "bench"))

import bench                                            # noqa: E402
from benchlib.env import BenchError                     # noqa: E402
from benchlib.runner import failed                      # noqa: E402

checks = []


def check(what, ok):
    checks.append((what, bool(ok)))


def fake_args(todo):
    return types.SimpleNamespace(rounds_used=1, packets_used=1000, todo=todo, no_testpmd=True,
                                 wait_idle_used=0, retries_used=0)


def run(first_failure):
    """run_rounds over two cells whose very first run fails; returns
    (runs or None, the BenchError's text or None, the runs it asked for)."""
    asked = []

    def measure(env, guest, pmd, mode, size, n, wait_idle, retries, queues=1, run=None):
        asked.append((pmd, mode, size, queues))
        if len(asked) == 1:
            return first_failure(guest, pmd, mode, size, queues)
        return {"guest": guest, "pmd": pmd, "mode": mode, "size": size, "queues": queues,
                "mpps": 1.0, "cpp": 100.0}

    bench.measure = measure
    todo = [("rxonly", 64, 60, 2), ("io", 64, 60, 2)]
    try:
        with contextlib.redirect_stdout(sys.stderr):     # its progress lines: not TAP
            runs, failures, _ = bench.run_rounds(None, fake_args(todo))
        return runs, failures, None, asked
    except BenchError as e:
        return None, None, str(e), asked


runs, failures, err, asked = run(
    lambda g, p, m, s, q: failed(g, p, m, s, q, "hvbench bundled rxonly 60 B: nothing was left "
                                 "to measure", setup=False))
check("a first run that left nothing to measure does not end the benchmark", err is None)
check(f"every run of both cells was made ({len(asked)} of 4)", len(asked) == 4)
check(f"it is counted as one failure ({failures})", failures == 1)
check("the failed run is kept with its reason", runs is not None and runs[0].get("failed") and
      "nothing was left" in runs[0]["error"])

runs, failures, err, asked = run(
    lambda g, p, m, s, q: failed(g, p, m, s, q, "hvbench bundled rxonly 60 B failed (exit 1)"))
check("a first run that could not be made ends the benchmark with its line",
      err == "hvbench bundled rxonly 60 B failed (exit 1)")
check(f"and nothing else was run ({len(asked)} run)", len(asked) == 1)

for i, (what, ok) in enumerate(checks, 1):
    print(("ok" if ok else "not ok") + f" {i} - {what}")
print(f"1..{len(checks)}")
sys.exit(0 if all(ok for _, ok in checks) else 1)
