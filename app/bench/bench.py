#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""./hvnet bench: A/B benchmark of hvnet's net_netvsc against DPDK's bundled
one, on hvsim: rxonly / txonly / io at 64 B and 1518 B frames (60 B and
1514 B without FCS: hvsim's sizes= and the mbuf's pkt_len count frames
without FCS) on one queue pair, and rxonly / io on two queue pairs (RSS
over several flows, one forwarding lcore polling both queues).

Every cell is the median of --rounds runs; in each round the order of the
PMDs alternates (bundled first in even rounds, hvnet first in odd ones).
Two guests:
  - app/bench/hvbench (both PMDs): Mpps and cycles/packet;
  - Debian's dpdk-testpmd --record-core-cycles (hvnet only: testpmd
    disables every stream on the bundled 22.11 PMD, doc/guides/hvsim.md).
Then the VF rows (hvsim --vf, benchlib/vf.py): io through our netvsc port
with the VF attached, through net_hvsim_vf alone, through the bundled
net_netvsc with the VF, and the failover time over remove/add cycles
(--only-vf: only those; --no-vf: none).
What each number means: app/bench/README.md. The pieces are in
app/bench/benchlib/.
"""

import argparse
import os
import time

from benchlib.callgrind import INSTR_RATE, instructions
from benchlib.cells import (FLOWS_2Q, MODES, PMDS, QUEUES, SIZES, WARMUP_FRAMES, cells,
                            count_for, counts_text, warmup_text)
from benchlib.cli import run_main
from benchlib.memif import memif_rows, memif_table
from benchlib.env import GUEST_LCORES, HOST_CPU, BenchError, log
from benchlib.runner import BenchEnv, measure
from benchlib.steal import others_running
from benchlib.table import machine_info, notes_text, ratio_table, summarize, table, write_results
from benchlib.vf import run_vf_rows, vf_report


def parse_args():
    ap = argparse.ArgumentParser(prog="hvnet bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--build", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--rounds", type=int, default=None, help="runs per cell, median (default 3)")
    ap.add_argument("--packets", type=int, default=None,
                    help="frames per rxonly/io 64 B run (default 2000000); rxonly/io 1518 B "
                    "runs use an eighth, txonly 64 B four times, txonly 1518 B half")
    ap.add_argument("--warmup", type=int, default=None, metavar="N",
                    help="frames every hvbench run moves before it measures (default "
                         f"{WARMUP_FRAMES}; 0: none)")
    ap.add_argument("--quick", action="store_true",
                    help="1 round, --packets 1000000, no retries: a minute or two")
    ap.add_argument("--no-testpmd", action="store_true", help="skip the testpmd column")
    ap.add_argument("--modes", default=",".join(MODES), help="subset of rxonly,txonly,io")
    ap.add_argument("--sizes", default="64,1518", help="subset of 64,1518 (frame sizes with FCS)")
    ap.add_argument("--queues", default="1,2",
                    help="subset of 1,2: the one-queue rows, the two-queue rows (rxonly, io)")
    ap.add_argument("--instructions", action="store_true",
                    help="instead of timing: count the guest's instructions per packet "
                    "under valgrind's callgrind (deterministic; no hardware counters needed)")
    ap.add_argument("--instr-packets", type=int, default=20000, metavar="N",
                    help="frames per --instructions run (default 20000)")
    ap.add_argument("--instr-rate", type=int, default=None, metavar="PPS",
                    help="generator rate of --instructions' rxonly/io runs (default 20000, "
                    "about 1 frame per poll; 0: as fast as the guest takes them, full bursts)")
    ap.add_argument("--instr-pmds", default="bundled,hvnet", metavar="LIST",
                    help="the PMDs --instructions counts (default bundled,hvnet)")
    ap.add_argument("--retries", type=int, default=None,
                    help="runs disturbed by other processes are run again up to this many "
                    "times, the least disturbed kept (default 2, 0 with --quick)")
    ap.add_argument("--wait-idle", type=float, default=None, metavar="S",
                    help="before each run, wait up to S seconds for other DPDK/hvsim "
                    "processes to end (default 30, 2 with --quick)")
    ap.add_argument("--memif", action="store_true",
                    help="add the net_memif reference rows (rxonly, txonly, 1 queue): hvbench "
                    "on DPDK's memif PMD against a testpmd peer, no host (benchlib/memif.py)")
    ap.add_argument("--devargs", default=None, metavar="KEY=VAL[,KEY=VAL]",
                    help="device arguments for both PMDs on hvsim's NIC (both take the bundled "
                         "driver's keys, e.g. rx_extmbuf_enable=1: frames received in place)")
    ap.add_argument("--hvnet-devargs", default=None, metavar="KEY=VAL[,KEY=VAL]",
                    help="device arguments for our PMD only, after --devargs: an opt-in "
                         "path against the bundled PMD's default (e.g. rx_extmbuf_enable=1, "
                         "which the bundled PMD cannot forward with)")
    ap.add_argument("--hvsim-args", default=None, metavar="'OPT ...'",
                    help="more hvsim options for every run of both PMDs, e.g. --hvsim-args=--rx-batch=1 "
                         "(one frame per transfer-page packet)")
    ap.add_argument("--no-vf", action="store_true", help="skip the VF rows")
    ap.add_argument("--only-vf", action="store_true",
                    help="only the VF rows (./hvnet bench vf)")
    ap.add_argument("--vf-cycles", type=int, default=None, metavar="N",
                    help="VF remove/add cycles of the failover row (default 20, 5 with --quick)")
    args = ap.parse_args()
    if args.no_vf and args.only_vf:
        ap.error("--no-vf and --only-vf (./hvnet bench vf) exclude each other")
    args.vf_cycles = args.vf_cycles or (5 if args.quick else 20)
    args.rounds_used = args.rounds or (1 if args.quick else 3)
    modes = [m for m in MODES if m in args.modes.split(",")]
    sizes = [(w, n) for w, n in SIZES if str(w) in args.sizes.split(",")]
    queues = [q for q in QUEUES if str(q) in args.queues.split(",")]
    if not modes or not sizes or len(modes) != len(args.modes.split(",")) or \
            len(sizes) != len(args.sizes.split(",")) or not queues or \
            len(queues) != len(args.queues.split(",")):
        ap.error("--modes takes rxonly,txonly,io, --sizes 64,1518 and --queues 1,2")
    args.todo = cells(modes, sizes, queues)
    if not args.todo:
        ap.error("no row left: the 2-queue rows are rxonly and io only")
    args.wait_idle_used = args.wait_idle if args.wait_idle is not None else \
        (2 if args.quick else 30)
    args.retries_used = args.retries if args.retries is not None else (0 if args.quick else 2)
    args.packets_used = args.packets or (1000000 if args.quick else 2000000)
    args.warmup_used = WARMUP_FRAMES if args.warmup is None else args.warmup
    if args.instructions or args.only_vf:
        args.warmup_used = 0        # neither runs with the generator's timed traffic
    if args.warmup_used < 0:
        ap.error("--warmup must be 0 or more")
    if args.rounds_used < 1 or args.packets_used < 1000:
        ap.error("--rounds must be at least 1 and --packets at least 1000")
    return args


def command_line(args):
    """The ./hvnet bench command that reproduces this run."""
    return "./hvnet bench" + (" --quick" if args.quick else "") + \
        (f" --rounds {args.rounds}" if args.rounds else "") + \
        (f" --packets {args.packets}" if args.packets else "") + \
        (f" --warmup {args.warmup}" if args.warmup is not None else "") + \
        (" --no-testpmd" if args.no_testpmd else "") + \
        (f" --modes {args.modes}" if args.modes != ",".join(MODES) else "") + \
        (f" --sizes {args.sizes}" if args.sizes != "64,1518" else "") + \
        (f" --queues {args.queues}" if args.queues != "1,2" else "") + \
        (f" --devargs {args.devargs}" if args.devargs else "") + \
        (f" --hvnet-devargs {args.hvnet_devargs}" if args.hvnet_devargs else "") + \
        (f" --hvsim-args='{args.hvsim_args}'" if args.hvsim_args else "") + (" --memif" if args.memif else "") + (" --no-vf" if args.no_vf else "") + (" --only-vf" if args.only_vf else "") + \
        (f" --vf-cycles {args.vf_cycles}" if args.vf_cycles != (5 if args.quick else 20) else "")


def run_rounds(env, args):
    """Every cell, every round; returns (runs, failures, disturbed runs)."""
    rounds, packets = args.rounds_used, args.packets_used
    runs, failures, disturbed = [], 0, 0
    for rnd in range(rounds):
        for mode, wire, size, nq in args.todo:
            n = count_for(mode, size, packets)
            order = PMDS if rnd % 2 == 0 else tuple(reversed(PMDS))
            jobs = [("hvbench", pmd) for pmd in order]
            if not args.no_testpmd:
                jobs.append(("testpmd", "hvnet"))
                if env.testpmd_forwards_on_bundled():
                    jobs.append(("testpmd", "bundled"))
            for guest, pmd in jobs:
                r = measure(env, guest, pmd, mode, size, n, args.wait_idle_used,
                            args.retries_used, nq)
                r["round"] = rnd
                runs.append(r)
                if r.get("failed"):
                    failures += 1
                    if len(runs) == 1 and r["setup_failed"]:  # nothing works: say it once
                        raise BenchError(r["error"])
                    log(f"hvnet bench: {r['error']}")
                    continue
                if r.get("disturbed"):
                    disturbed += 1
                mp = f"{r['mpps']:.3f} Mpps, " if r.get("mpps") is not None else ""
                log(f"  round {rnd + 1}/{rounds} {guest:7} {pmd:7} {mode:6} {wire:4} B {nq}q: "
                    f"{mp}{r['cpp']:.0f} cycles/pkt"
                    + (f" [{'; '.join(r['notes'])}]" if r.get("notes") else ""))
    return runs, failures, disturbed


def report(args, runs, rows, disturbed, minfo, vf_text=None, memif_text=None):
    """The text of results.md (without its title)."""
    rounds, packets, retries = args.rounds_used, args.packets_used, args.retries_used
    notes = notes_text(runs)
    if args.only_vf:
        return "\n".join([f"`{command_line(args)}`: median of {rounds} round(s); io "
                          f"{packets} frames at 64 B, {max(packets // 8, 1000)} at 1518 B.",
                          "", vf_text or "", "Meaning of every column: app/bench/README.md."])
    header = (f"`{command_line(args)}`: median of {rounds} round(s); {counts_text(packets)}; "
              f"{warmup_text(args.warmup_used)}; "
              f"rows with 1 and 2 queue pairs (2: {FLOWS_2Q} flows spread by RSS, "
              f"one forwarding lcore polls both queues); hvsim's host thread "
              f"on CPU {HOST_CPU}, the guest's forwarding lcore on CPU 1; "
              f"{minfo.get('cpus')} CPUs ({minfo.get('cpu_model', '?')}).")
    text = [header, "", table(rows, not args.no_testpmd), "",
            "Per round (the two PMDs ran back to back), hvnet/bundled cycles/pkt:", "",
            ratio_table(rows), ""]
    if memif_text:
        text += ["net_memif reference (hvbench on memif against a testpmd peer: a "
                 "shared-memory NIC with no protocol, the floor):", "", memif_text, ""]
    if notes:
        text += ["Notes (from the runs):", ""] + notes + [""]
    if disturbed:
        text += [f"{disturbed} of {len(runs)} runs were still disturbed after {retries} "
                 f"retr{'y' if retries == 1 else 'ies'} (other processes on the 2 CPUs, time "
                 "stolen by the hypervisor, a core or its memory running slow, or the two "
                 "vCPUs placed far apart; see results.json): their numbers are noisy. Run the benchmark on an otherwise idle "
                 "machine.", ""]
    if vf_text:
        text += [vf_text]
    text.append("Meaning of every column: app/bench/README.md.")
    return "\n".join(text)


def main():
    args = parse_args()
    env = BenchEnv(args)
    if args.instructions:
        pmds = tuple(p for p in PMDS if p in args.instr_pmds.split(","))
        rate = INSTR_RATE if args.instr_rate is None else args.instr_rate
        return instructions(env, args.todo, args.instr_packets, rate, pmds or PMDS)
    # this driver and its watchers stay off the guest's forwarding CPU
    try:
        os.sched_setaffinity(0, {int(HOST_CPU)})
    except OSError:
        pass
    busy = others_running()
    if busy:
        log(f"hvnet bench: warning: other DPDK/hvsim processes are running ({', '.join(busy)}): "
            f"they share the 2 cores, numbers will be noisy")
    log(f"hvnet bench: {args.rounds_used} round(s), {counts_text(args.packets_used)}; "
        f"{warmup_text(args.warmup_used)}; "
        f"hvsim host on CPU {HOST_CPU}, guest forwarding lcore on CPU 1; logs in {env.logs}")
    t0 = time.monotonic()
    runs, failures, disturbed = ([], 0, 0) if args.only_vf else run_rounds(env, args)
    rows = summarize(runs)
    memif_runs, memif_doc, memif_text = [], [], None
    if args.memif and not args.only_vf:
        memif_runs = memif_rows(env, args.todo, args.packets_used, args.rounds_used, count_for)
        failures += sum(1 for r in memif_runs if r.get("failed"))
        memif_text, memif_doc = memif_table(memif_runs, rows)
    vf_runs, vf_rows, vf_text = [], [], None
    if not args.no_vf:
        def vf_measure(run, kind, size, retries=None):
            return measure(env, "hvbench", f"vf {kind}", "io", size, 0, args.wait_idle_used,
                           args.retries_used if retries is None else retries, 1, run=run)
        vf_runs = run_vf_rows(env, args, vf_measure)
        failures += sum(1 for r in vf_runs if r.get("failed"))
        disturbed += sum(1 for r in vf_runs if r.get("disturbed"))
        vf_text, vf_rows = vf_report(vf_runs, args.vf_cycles)
    minfo = machine_info()
    text = report(args, runs, rows, disturbed, minfo, vf_text, memif_text)
    write_results(env.out, "results", "# hvnet bench results\n\n" + text + "\n", {
        "command": command_line(args), "rounds": args.rounds_used, "packets": args.packets_used,
        "warmup": args.warmup_used,
        "frames_per_run": {f"{m} {w}": count_for(m, n, args.packets_used)
                           for m in MODES for w, n in SIZES}, "host_cpu": HOST_CPU,
        "guest_lcores": GUEST_LCORES, "machine": minfo, "concurrent": busy,
        "wall_s": round(time.monotonic() - t0, 1), "rows": rows, "runs": runs,
        "vf_rows": vf_rows, "vf_runs": vf_runs, "vf_cycles": args.vf_cycles,
        "memif_rows": memif_doc, "memif_runs": memif_runs})
    log("")
    log(text)
    log(f"\nhvnet bench: {len(runs) + len(vf_runs)} runs in {time.monotonic() - t0:.0f} s; "
        f"results in {os.path.join(env.out, 'results.md')} and results.json")
    if failures:
        log(f"hvnet bench: {failures} run(s) failed (see above)")
        return 1
    return 0


if __name__ == "__main__":
    run_main(main, "hvnet bench")
