# SPDX-License-Identifier: BSD-3-Clause
"""One run of the hvbench guest (app/bench/hvbench.c) under hvsim, and the
notes a reader needs besides its numbers."""

import os
import re
import subprocess
import time

from .cells import gen_traffic
from .env import GUEST_LCORES, BenchError, NothingMeasured
from .parse import gen_stats, kv_line, last_line, load_stats, nic_stats, pct
from .steal import Watch, calib, watch_fields

GEN_DELAY_MS = 300                   # the bundled PMD drops frames while it starts
IDLE_MS = 1000                       # a guest stops when nothing moved this long
FAULTS_NOTED = 50                    # page faults while measured worth a note


def run_hvbench(env, pmd, mode, size, packets, queues=1, wrapper=None, traffic=None,
                seconds=None, vf=None):
    """One hvbench run; wrapper: a command the guest runs under (the
    instruction count runs it under callgrind, with its own traffic).
    vf (benchlib/vf.py): a VF scenario, {"name", "sim_args" (hvsim's extra
    options), "started" (called with the control socket once the guest
    started; it starts the traffic and returns what it saw)}; the guest
    then sees the PCI bus.
    The guest first moves env.warmup frames unmeasured (not under a
    wrapper or with a VF scenario, which bring their own traffic); the
    generator sends those on top of `packets`."""
    what = vf["name"] if vf else pmd
    warmup = env.warmup if wrapper is None and vf is None and traffic is None else 0
    tag = env.next_tag(f"hvbench-{what}-{mode}-{size}-q{queues}" + ("-instr" if wrapper else ""))
    stats_path = os.path.join(env.logs, tag + ".json")
    log_path = os.path.join(env.logs, tag + ".log")
    if traffic is None:
        traffic = "none" if mode == "txonly" else gen_traffic(size, packets + warmup,
                                                              GEN_DELAY_MS, queues)
    seconds = seconds or (60 if wrapper is None else 600)
    idle_ms = IDLE_MS if wrapper is None else 20 * IDLE_MS
    sim_extra, control = [], None
    if vf is not None:
        control = os.path.join(env.logs, tag + ".sock")
        sim_extra = vf["sim_args"] + [f"--control={control}"]
        idle_ms = vf.get("idle_ms", idle_ms)
    cmd = env.hvsim_cmd(pmd, traffic, stats_path) + sim_extra + ["--"] + (wrapper or []) + [
        env.hvbench, "-l", GUEST_LCORES, "-m", "256"] + \
        ([] if vf else ["--no-pci"] + env.device_args(pmd)) + [       # the VF is a PCI device
        f"--file-prefix=hvb{os.getpid()}x{env.seq}", "--",
        "--mode", mode, "--packets", str(packets), "--size", str(size),
        "--seconds", str(seconds), "--idle-ms", str(idle_ms), "--queues", str(queues),
        "--warmup", str(warmup)] + (["--no-calib"] if wrapper else [])
    t0 = time.monotonic()
    watch = None
    vf_seen, vf_error = None, None
    try:
        p = subprocess.Popen(["timeout", "-s", "KILL", str(seconds + 40)] + cmd, env=env.env(),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, errors="replace")
        watch = Watch(p.pid)
        lines = []
        for line in p.stdout:
            lines.append(line)
            if line.startswith("started=1"):
                if vf is not None:
                    try:
                        vf_seen = vf["started"](control)
                    except BenchError as e:
                        vf_error = str(e)
                        p.terminate()     # timeout passes it on to hvsim
                watch.begin()
        p.wait()
        out, rc = "".join(lines), p.returncode
    except OSError as e:
        out, rc = str(e), -1
    host_stolen = watch.done() if watch else None
    seen = watch_fields(watch) if watch else {}
    with open(log_path, "w") as f:
        f.write(" ".join(cmd) + "\n\n" + out)
    if vf_error is not None:
        raise BenchError(f"hvbench {what} {mode} {size} B: {vf_error} (log: {log_path})")
    b = kv_line(out, "bench")
    stats = load_stats(stats_path)
    if wrapper is not None and rc == 0 and b is not None and stats is not None and \
            b.get("pkts") == 0:
        return {"tag": tag, "bench": b}         # an empty-poll run (instructions)
    if rc != 0 or b is None or stats is None:
        why = "killed after the time limit" if rc in (-9, 137) else last_line(out)
        if stats is None:
            why += "; hvsim wrote no statistics"
        raise BenchError(f"hvbench {pmd} {mode} {size} B failed (exit {rc}): {why} "
                         f"(log: {log_path})")
    r = record(b, stats, out, pmd, mode, size, queues, tag, host_stolen, seen)
    if warmup and r["guest_pkts"] == 0:
        raise NothingMeasured(f"hvbench {pmd} {mode} {size} B: the guest moved {r['warmup']} of "
                         f"{warmup + packets} frames, no more than the {warmup}-frame warm-up: "
                         f"nothing was left to measure ({r['imissed']} dropped on receive) "
                         f"(log: {log_path})")
    r["wall_s"] = round(time.monotonic() - t0, 2)
    r["notes"] = anomalies(r, packets)
    if vf is not None:
        r["vf"] = vf["name"]
        r["vf_seen"] = vf_seen
        r["vf_stats"] = stats["nics"][0].get("vf")
    return r


def record(b, stats, out, pmd, mode, size, queues, tag, host_stolen, seen):
    """The run record of a finished hvbench run (b: its "bench" line,
    seen: what the watch saw)."""
    nic, gen = nic_stats(stats), gen_stats(stats)
    port = kv_line(out, "port") or {}
    # the window: first to last iteration that moved packets; for txonly
    # and io, to the moment nothing was in flight any more when the PMD can
    # tell (the send buffer holds many frames after the last tx_burst)
    window_us = b["window_us"]
    if mode != "rxonly" and b.get("tx_window_us", -1) > 0:
        window_us = b["tx_window_us"]
    window_s = window_us / 1e6
    warm = b.get("warmup", 0)            # frames moved before the measured part
    if mode == "rxonly":
        moved = b["pkts"]                # frames the application got
    elif mode == "txonly":
        moved = nic["tx_frames"] - warm  # frames the host took off the ring
    else:                                # frames that came back to the generator
        moved = gen["received"] - b.get("warmup_tx", warm)
    return {
        "guest": "hvbench", "pmd": pmd, "mode": mode, "size": size, "queues": queues, "tag": tag,
        "mpps": moved / window_s / 1e6 if window_s > 0 else 0.0,
        "cpp": b["cpp"], "avg_burst": b["avg_burst"], "window_us": window_us,
        "guest_stolen": b["stolen_us"] / b["loop_us"] if b.get("loop_us") else None,
        "host_stolen": host_stolen, "guest_cpu_share": b.get("cpu_share"), **seen,
        "calib_alu": calib(b.get("calib_alu")), "calib_mem": calib(b.get("calib_mem")),
        "pingpong": calib(b.get("pingpong")),
        "guest_pkts": b["pkts"], "warmup": warm, "moved": moved, "complete": b["complete"],
        "faults": b.get("faults"), "warmup_faults": b.get("warmup_faults"),
        "unsent": b.get("unsent", 0),
        "guest_mpps": b["mpps"], "imissed": port.get("imissed", 0),
        "oerrors": port.get("oerrors", 0), "violations": stats.get("violations", 0),
        "host_tx_frames": nic["tx_frames"], "host_rx_frames": nic["rx_frames"],
        "gen": gen, "wall_s": None,
        "xstats": {m.group(1): int(m.group(2))
                   for m in re.finditer(r"^xstat (\S+)=(\d+)$", out, re.M)},
    }


def anomalies(r, packets):
    """What a reader must know about a run besides its numbers."""
    notes = []
    gen = r.get("gen")
    sent = r["guest_pkts"] + r.get("warmup", 0)
    if r["mode"] == "txonly":
        if r["host_tx_frames"] != sent:
            notes.append(f"host took {r['host_tx_frames']} frames, guest sent {sent}")
    elif gen is not None:
        got = sent if r["mode"] == "rxonly" else gen["received"]
        if got < gen["sent"]:
            lost = gen["sent"] - got
            if r["mode"] == "io":
                lost -= r.get("unsent", 0)      # noted apart
            where = [k for k, v in r.get("xstats", {}).items()
                     if v and re.search(r"missed|staging_full|rx_q\d+_ring full|drop", k)]
            if lost > 0:
                notes.append(f"{lost} of {gen['sent']} frames ({pct(lost, gen['sent'])}) "
                             f"dropped by the PMD on receive"
                             + (f" ({', '.join(where)})" if where else ""))
        if r["mode"] == "io" and r.get("unsent"):
            notes.append(f"{r['unsent']} received frames not taken by tx_burst (freed, as "
                         f"testpmd's io does)")
        if gen.get("corrupt") or gen.get("duplicates") or gen.get("foreign"):
            notes.append(f"generator saw corrupt={gen['corrupt']} duplicates={gen['duplicates']} "
                         f"foreign={gen['foreign']}")
    if (r.get("faults") or 0) > FAULTS_NOTED:
        notes.append(f"{r['faults']} page faults on the forwarding lcore while measured")
    if (r.get("warmup_faults") or 0) > FAULTS_NOTED:
        notes.append(f"{r['warmup_faults']} page faults on the forwarding lcore in the warm-up")
    if r.get("violations"):
        notes.append(f"{r['violations']} protocol violation(s)")
    return notes


def probe(env):
    """Cache-line round trip between CPUs 0 and 1 (hvbench --probe), cycles."""
    try:
        p = subprocess.run([env.hvbench, "--probe"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True, timeout=10)
        m = re.search(r"pingpong=([0-9.]+)", p.stdout)
        return float(m.group(1)) if m else None
    except (OSError, subprocess.TimeoutExpired):
        return None
