#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Real TCP through hvnet's net_netvsc: iperf3 throughput with TSO/LRO off and on.

Two hvsim NICs, each with a tap into a kernel network namespace of its own;
Debian's dpdk-testpmd forwards between the two netvsc ports (csum engine,
IP and TCP checksums by the NIC). iperf3 runs from one namespace to the
other, once per round with the offloads off and once with TSO (and LRO,
when the PMD offers it) on. See app/bench/README.md, "Real TCP"; the
pieces are in app/bench/benchlib/ (iperf.py).
"""

import argparse
import os

from benchlib.cli import run_main
from benchlib.iperf import log, run
from benchlib.table import write_results


def main():
    ap = argparse.ArgumentParser(prog="hvnet bench tcp", description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--build", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--rounds", type=int, default=None, help="runs per row, median (default 3)")
    ap.add_argument("--seconds", type=int, default=None, help="iperf3 -t (default 10)")
    ap.add_argument("--quick", action="store_true", help="1 round of 4 s")
    args, _ = ap.parse_known_args()     # ./hvnet bench's other options are not ours
    rounds = args.rounds or (1 if args.quick else 3)
    seconds = args.seconds or (4 if args.quick else 10)
    if rounds < 1 or seconds < 2:
        ap.error("--rounds must be at least 1 and --seconds at least 2")
    text, doc = run(args.build, rounds, seconds)
    out = os.path.join(args.build, "bench")
    write_results(out, "tcp", "# hvnet bench: real TCP\n\n" + text, doc)
    log("")
    log(text)
    log(f"hvnet bench tcp: results in {os.path.join(out, 'tcp.md')} and tcp.json")
    return 0


if __name__ == "__main__":
    run_main(main, "hvnet bench tcp")
