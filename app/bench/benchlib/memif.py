# SPDX-License-Identifier: BSD-3-Clause
"""The net_memif reference rows (--memif): hvbench on DPDK's memif PMD
(Debian's librte-net-memif), against a dpdk-testpmd peer in a second
process over one shared-memory interface. No host, no protocol: the cost
of a shared-memory NIC as such, the floor the netvsc rows are measured to.

Placement as in the hvsim rows: the peer's forwarding lcore on CPU 0
(where hvsim's host thread runs), hvbench's on CPU 1. The peer is the
memif server, hvbench the client. rxonly: the peer sends (txonly, same
frame size); txonly: the peer receives (rxonly). io needs a peer that both
sends and takes frames back, which testpmd has not: no io row."""

import os
import subprocess
import time

from .env import GUEST_LCORES, HOST_CPU, BenchError, log
from .parse import kv_line

MEMIF_MODES = ("rxonly", "txonly")
PEER_MODE = {"rxonly": "txonly", "txonly": "rxonly"}


def run_memif(env, mode, size, packets):
    """One hvbench run on net_memif; returns a run record like hvbench's."""
    tag = env.next_tag(f"memif-{mode}-{size}")
    sock = f"/tmp/hvbench-memif-{os.getpid()}-{env.seq}.sock"
    log_path = os.path.join(env.logs, tag + ".log")
    peer_log = os.path.join(env.logs, tag + "-peer.log")
    peer_cmd = ["taskset", "-c", f"{HOST_CPU},1", env.testpmd, "-l", "0,1", "--main-lcore", "1",
                "-m", "256", "--no-pci", f"--file-prefix=hvbm{os.getpid()}p{env.seq}",
                f"--vdev=net_memif0,role=server,socket={sock}", "--",
                f"--forward-mode={PEER_MODE[mode]}", "--nb-cores=1", "--burst=32",
                "--rxd=1024", "--txd=1024", "--total-num-mbufs=16384", "--auto-start",
                f"--txpkts={size}"]
    guest_cmd = [env.hvbench, "-l", GUEST_LCORES, "-m", "256", "--no-pci",
                 f"--file-prefix=hvbm{os.getpid()}g{env.seq}",
                 f"--vdev=net_memif0,role=client,socket={sock}", "--",
                 "--mode", mode, "--packets", str(packets), "--size", str(size),
                 "--seconds", "30", "--idle-ms", "1000", "--queues", "1",
                 "--warmup", str(env.warmup)]
    with open(peer_log, "w") as pl:
        pl.write(" ".join(peer_cmd) + "\n\n")
        pl.flush()
        peer = subprocess.Popen(peer_cmd, stdin=subprocess.PIPE, stdout=pl,
                                stderr=subprocess.STDOUT)
        try:
            time.sleep(2)      # the server's socket before the client
            p = subprocess.run(["timeout", "-s", "KILL", "60"] + guest_cmd, env=env.env(),
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, errors="replace")
        finally:
            try:
                peer.communicate(input=b"\n", timeout=10)   # testpmd: "Press enter to exit"
            except subprocess.TimeoutExpired:
                peer.kill()
                peer.wait()
            if os.path.exists(sock):
                os.unlink(sock)
    with open(log_path, "w") as f:
        f.write(" ".join(guest_cmd) + "\n\n" + p.stdout)
    b = kv_line(p.stdout, "bench")
    if p.returncode != 0 or b is None or not b.get("pkts"):
        raise BenchError(f"memif {mode} {size} B: hvbench failed (log: {log_path})")
    return {"guest": "hvbench", "pmd": "memif", "mode": mode, "size": size, "queues": 1,
            "cpp": b["cpp"], "mpps": b["mpps"], "avg_burst": b["avg_burst"],
            "guest_pkts": b["pkts"], "log": log_path}


def memif_rows(env, todo, packets, rounds, count_for):
    """Every rxonly/txonly 1-queue cell on memif, rounds times; the runs."""
    runs = []
    for rnd in range(rounds):
        for mode, wire, size, nq in todo:
            if mode not in MEMIF_MODES or nq != 1:
                continue
            try:
                r = run_memif(env, mode, size, count_for(mode, size, packets))
            except BenchError as e:
                log(f"hvnet bench: {e}")
                r = {"guest": "hvbench", "pmd": "memif", "mode": mode, "size": size,
                     "queues": 1, "failed": True, "error": str(e)}
            r["round"] = rnd
            runs.append(r)
            if not r.get("failed"):
                log(f"  round {rnd + 1}/{rounds} hvbench memif   {mode:6} {wire:4} B 1q: "
                    f"{r['mpps']:.3f} Mpps, {r['cpp']:.0f} cycles/pkt")
    return runs


def memif_table(memif_runs, rows):
    """memif's medians beside hvnet's and bundled's cycles/pkt; (text, rows)."""
    import statistics
    from .table import fmt, markdown, ratio
    out, doc = [], []
    for r in rows:
        rs = [m for m in memif_runs if (m["mode"], m["size"]) == (r["mode"], r["size"])
              and r["queues"] == 1 and not m.get("failed")]
        if not rs:
            continue
        cpp = statistics.median(m["cpp"] for m in rs)
        mpps = statistics.median(m["mpps"] for m in rs)
        d = {"mode": r["mode"], "frame": r["frame"], "memif_cpp": cpp, "memif_mpps": mpps,
             "hvnet_over_memif": ratio(r.get("hvnet_cpp"), cpp),
             "bundled_over_memif": ratio(r.get("bundled_cpp"), cpp), "runs": len(rs)}
        doc.append(d)
        out.append([r["mode"], f"{r['frame']} B", fmt(mpps, 3), fmt(cpp, 0),
                    fmt(r.get("hvnet_cpp"), 0), fmt(r.get("bundled_cpp"), 0),
                    fmt(d["hvnet_over_memif"], 2), fmt(d["bundled_over_memif"], 2)])
    head = ["mode (1 queue)", "frame", "memif Mpps", "memif cycles/pkt", "hvnet cycles/pkt",
            "bundled cycles/pkt", "hvnet/memif", "bundled/memif"]
    return markdown(head, ["---", "---"] + ["---:"] * 6, out) if out else "", doc
