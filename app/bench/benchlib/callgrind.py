# SPDX-License-Identifier: BSD-3-Clause
"""./hvnet bench --instructions: instructions per packet of the guest,
counted under valgrind's callgrind (deterministic: no hardware counters,
no dependence on the other CPU, the hypervisor or the neighbours)."""

import os
import re
import shutil

from .cells import PMDS, gen_traffic
from .env import BenchError, log
from .hvbench import run_hvbench
from .parse import kv_line
from .table import fmt, instructions_table, ratio, write_results

INSTR_RATE = 20000       # frames/s offered to a guest under callgrind: it keeps up
INSTR_DELAY_MS = 3000    # the guest starts slowly under callgrind


def callgrind_run(env, vg, pmd, mode, size, packets, nq, traffic, seconds=None):
    """(instructions in iteration(), hvbench's bench line, run record)."""
    out_file = os.path.join(env.logs, f"callgrind-{pmd}-{mode}-{size}-q{nq}"
                            + ("-idle" if traffic == "none" and mode != "txonly" else "") + ".out")
    wrapper = [vg, "--tool=callgrind", "--toggle-collect=iteration*",
               f"--callgrind-out-file={out_file}"]
    r = run_hvbench(env, pmd, mode, size, packets, nq, wrapper, traffic, seconds)
    log_path = os.path.join(env.logs, r["tag"] + ".log")
    m = re.search(r"Collected : (\d+)", open(log_path).read())
    if m is None or int(m.group(1)) == 0:
        raise BenchError(f"no instruction count for {pmd} {mode} {size} B (log: {log_path})")
    return int(m.group(1)), r.get("bench") or {}, r, out_file


def empty_poll_cost(env, vg, pmd, nq):
    """Instructions of one empty poll of nq queues: a run with no traffic."""
    ir, b, _, _ = callgrind_run(env, vg, pmd, "rxonly", 60, 1, nq, "none", 3)
    return ir / max(b.get("idle_iters", 0), 1)


def instructions(env, todo, packets, rate=INSTR_RATE, pmds=PMDS):
    """Every cell once per PMD with the guest under callgrind, counting only
    hvbench's iteration(): the bursts and the application's own work on
    the packets, not start-up or the drain after the loop.

    Under callgrind the guest runs some 50x slower while hvsim does not.
    rxonly and io therefore get a generator limited to INSTR_RATE, which
    such a guest keeps up with (no frame dropped, which would be cheap
    work counted per packet), and the empty polls between its bursts are
    taken out: each PMD's cost of one empty poll is measured apart (no
    traffic, only empty polls), times the run's empty iterations."""
    vg = shutil.which("valgrind")
    if vg is None:
        raise BenchError("valgrind not found: install the Debian package valgrind")
    rows, empty = [], {}
    rate_text = f"{rate} frames/s" if rate else "as fast as the guest takes them (rate=0)"
    log(f"hvnet bench --instructions: {packets} frames per run at {rate_text} "
        f"(txonly: as fast as the guest sends), guest under callgrind; logs in {env.logs}")
    for mode, wire, size, nq in todo:
        row = {"mode": mode, "frame": wire, "size": size, "queues": nq}
        for pmd in pmds:
            if mode != "txonly" and (pmd, nq) not in empty:
                empty[(pmd, nq)] = empty_poll_cost(env, vg, pmd, nq)
                log(f"  {pmd:7} one empty poll of {nq} queue(s): "
                    f"{empty[(pmd, nq)]:.1f} instructions")
            traffic = "none" if mode == "txonly" else \
                gen_traffic(size, packets, INSTR_DELAY_MS, nq, rate)
            ir, _, r, out_file = callgrind_run(env, vg, pmd, mode, size, packets, nq, traffic)
            b = kv_line(open(os.path.join(env.logs, r["tag"] + ".log")).read(), "bench")
            idle = b.get("idle_iters", 0)
            if mode != "txonly":
                ir -= idle * empty[(pmd, nq)]
            row[f"{pmd}_ipp"] = ir / r["guest_pkts"] if r["guest_pkts"] else None
            row[f"{pmd}_avg_burst"] = r["avg_burst"]
            row[f"{pmd}_idle_iters"] = idle
            row[f"{pmd}_notes"] = list(r.get("notes", []))
            row[f"{pmd}_callgrind"] = out_file
            log(f"  {pmd:7} {mode:6} {wire:4} B {nq}q: {fmt(row[f'{pmd}_ipp'], 0)} "
                f"instructions/pkt (avg burst {r['avg_burst']:.1f}, {idle} empty iterations)"
                + (f" [{'; '.join(row[f'{pmd}_notes'])}]" if row[f"{pmd}_notes"] else ""))
        row["ratio"] = ratio(row.get("hvnet_ipp"), row.get("bundled_ipp"))
        rows.append(row)
    text = instructions_table(rows)
    notes = [f"- {r['mode']} {r['frame']} B {r['queues']}q, {pmd}: {n}"
             for r in rows for pmd in pmds for n in r[f"{pmd}_notes"]]
    if notes:
        text += "\n\nNotes (from the runs):\n\n" + "\n".join(notes)
    write_results(env.out, "instructions", "# hvnet bench --instructions\n\n" + text + "\n",
                  {"packets": packets, "rate": rate, "empty_poll": {
                      f"{p} {q}q": v for (p, q), v in empty.items()}, "rows": rows})
    log("\n" + text)
    log(f"\nper-function profiles: callgrind_annotate --inclusive=yes FILE "
        f"(FILE: {env.logs}/callgrind-*.out); table in {env.out}/instructions.md")
    return 0
