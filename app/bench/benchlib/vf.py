# SPDX-License-Identifier: BSD-3-Clause
"""The VF rows (hvsim --vf, doc/guides/hvsim.md "Accelerated networking"):
hvbench io through three ports that reach the same SR-IOV VF, and the
failover time over orderly remove/add cycles.

  hvnet    our net_netvsc with the VF attached (hvsim --vf): the port the
           application sees is the netvsc one, the frames cross the VF
  vf-only  net_hvsim_vf used directly (hvsim --vf-only: no VMBus device)
  bundled  DPDK's bundled net_netvsc with the same VF (hvsim --vf)

hvsim starts with its generator idle; once the guest started, and (hvnet,
bundled) hvsim's stats say the data path is the VF, the control socket
starts the generator. Every frame of the measurement crosses the VF: a run
where some did not is noted.
"""

import json
import socket
import statistics
import time

from .env import BenchError, log
from .hvbench import run_hvbench

KINDS = ("hvnet", "vf-only", "bundled")
SIZES = ((64, 60), (1518, 1514))
VF_DELAY_MS = 100                    # the PCI device 100 ms after VF_ASSOCIATION
# the bundled PMD never uses a device that appears during its probe
# (doc/guides/hvsim.md): it gets Hyper-V's default delay
BUNDLED_VF_DELAY_MS = 1000
# --vf-only has no RNDIS to tell hvsim the guest's MAC, so the generator is
# told where to send: the NIC's MAC, which the VF filters on
VF_ONLY_MAC = "00:15:5d:b1:0c:01"
IDLE_TRAFFIC = "gen:count=0,rate=1,delay=3600000"   # nothing until the control says
WAIT_S = 30                          # for the data path to reach the VF
FAILOVER_RATE = 20000                # frames/s during the cycles: 50 µs resolution
FAILOVER_STEP_S = 15                 # for each step of a cycle


def control(sock, line):
    """One command on hvsim's control socket (--control): its answer."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(sock)
        s.sendall(line.encode() + b"\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            buf += chunk
    except OSError as e:
        raise BenchError(f"hvsim's control socket: {line}: {e}") from e
    finally:
        s.close()
    return buf.decode(errors="replace")


def vf_state(sock):
    """NIC 0's vf object from hvsim's live stats."""
    try:
        return json.loads(control(sock, "stats"))["nics"][0]["vf"]
    except (ValueError, KeyError, IndexError) as e:
        raise BenchError(f"hvsim's stats have no vf object: {e}") from e


def wait_vf(sock, what, holds, limit=WAIT_S):
    """Poll hvsim's stats until holds(vf) is true; returns the seconds it took."""
    t0 = time.monotonic()
    while True:
        if holds(vf_state(sock)):
            return time.monotonic() - t0
        if time.monotonic() - t0 > limit:
            raise BenchError(f"{what} not within {limit} s")
        time.sleep(0.05)


def on_vf(v):
    return v.get("datapath") == "vf"


def scenario(kind, size, count):
    """run_hvbench's vf argument for one io run of `count` frames."""
    if kind == "vf-only":
        sim_args, dst = ["--vf-only", f"--mac={VF_ONLY_MAC}"], f",dst={VF_ONLY_MAC}"
    else:
        delay = BUNDLED_VF_DELAY_MS if kind == "bundled" else VF_DELAY_MS
        sim_args, dst = ["--vf", f"--vf-delay={delay}"], ""

    def started(sock):
        waited = 0.0
        if kind != "vf-only":
            waited = wait_vf(sock, "the data path on the VF", on_vf)
        control(sock, f"gen rate=0,count={count},delay=0,burst=64,sizes={size}{dst}")
        return {"waited_for_vf_s": round(waited, 3)}

    return {"name": f"vf-{kind}", "sim_args": sim_args, "started": started}


def vf_notes(r):
    """A run where frames did not all cross the VF says so. A VF never
    pushes back (doc/guides/hvsim.md): what the generator offers beyond
    what the guest takes is dropped by hvsim at the full VF ring, not by
    the PMD, so that note is rewritten."""
    v = r.get("vf_stats") or {}
    moved = r.get("moved", 0)
    notes = [n for n in r.get("notes", []) if "dropped by the PMD on receive" not in n]
    sent = (r.get("gen") or {}).get("sent", 0)
    if v.get("rx_dropped_ring"):
        notes.append(f"{v['rx_dropped_ring']} of {sent} frames "
                     f"({100 * v['rx_dropped_ring'] / max(sent, 1):.1f}%) dropped at the full "
                     f"VF RX ring (hvsim's rx_dropped_ring: a VF does not push back)")
    if v.get("rx_frames", 0) < moved or v.get("tx_frames", 0) < moved:
        notes.append(f"only {v.get('rx_frames', 0)} frames in and {v.get('tx_frames', 0)} "
                     f"out crossed the VF of {moved} forwarded")
    return notes


def run_vf_io(env, kind, size, count):
    pmd = "bundled" if kind == "bundled" else "hvnet"
    r = run_hvbench(env, pmd, "io", size, count, 1, traffic=IDLE_TRAFFIC,
                    vf=scenario(kind, size, count))
    r["vf_kind"] = kind
    r["notes"] = vf_notes(r)
    return r


def sample_summary(samples):
    """Count, median and maximum of hvsim's timing samples (µs)."""
    if not samples:
        return {"n": 0, "median_us": None, "max_us": None}
    return {"n": len(samples), "median_us": statistics.median(samples), "max_us": max(samples)}


def run_failover(env, cycles):
    """hvbench io on our netvsc port, the generator at FAILOVER_RATE, while
    hvsim removes and re-adds the VF `cycles` times; hvsim's timing samples."""
    seconds = 60 + cycles * 2 * FAILOVER_STEP_S

    def started(sock):
        wait_vf(sock, "the data path on the VF", on_vf)
        control(sock, f"gen rate={FAILOVER_RATE},count=1000000000,delay=0,burst=1,"
                "sizes=60,flows=4")
        wait_vf(sock, "traffic on the VF", lambda v: v.get("tx_frames", 0) > 0)
        for i in range(cycles):
            control(sock, "vf remove")
            wait_vf(sock, f"cycle {i + 1}: removal", lambda v: v.get("state") == "absent"
                    and len(v.get("to_synthetic_us", [])) > i, FAILOVER_STEP_S)
            control(sock, "vf add")
            wait_vf(sock, f"cycle {i + 1}: back on the VF", lambda v: on_vf(v)
                    and len(v.get("to_vf_us", [])) > i, FAILOVER_STEP_S)
        control(sock, "gen stop")
        return {"cycles": cycles}

    vf = {"name": "vf-failover", "sim_args": ["--vf", f"--vf-delay={VF_DELAY_MS}"],
          "started": started, "idle_ms": 3000}
    r = run_hvbench(env, "hvnet", "io", 60, 10 ** 12, 1, traffic=IDLE_TRAFFIC, seconds=seconds,
                    vf=vf)
    v = r.get("vf_stats") or {}
    gen = r.get("gen") or {}
    r["vf_kind"] = "failover"
    r["to_synthetic"] = sample_summary(v.get("to_synthetic_us", []))
    r["to_vf"] = sample_summary(v.get("to_vf_us", []))
    r["lost"] = gen.get("sent", 0) - gen.get("received", 0)
    # the io row's notes (frames "dropped") are about the rate; keep the loss
    r["notes"] = [n for n in r.get("notes", []) if "dropped by the PMD" not in n]
    if r["lost"]:
        r["notes"].append(f"{r['lost']} of {gen.get('sent')} frames lost over the cycles")
    return r


def run_vf_rows(env, args, measure):
    """Every VF row, --rounds times (order rotated per round), then the
    failover cycles; returns the run records."""
    runs = []
    count = {60: args.packets_used, 1514: max(args.packets_used // 8, 1000)}
    sizes = [(w, n) for w, n in SIZES if str(w) in args.sizes.split(",")]
    for rnd in range(args.rounds_used):
        for wire, size in sizes:
            order = KINDS[rnd % len(KINDS):] + KINDS[:rnd % len(KINDS)]
            for kind in order:
                r = measure(lambda k=kind: run_vf_io(env, k, size, count[size]), kind, size)
                r.update({"round": rnd, "vf_kind": kind, "size": size, "frame": wire})
                runs.append(r)
                if r.get("failed"):
                    log(f"hvnet bench: {r['error']}")
                    continue
                log(f"  round {rnd + 1}/{args.rounds_used} vf {kind:8} io {wire:4} B: "
                    f"{r['mpps']:.3f} Mpps, {r['cpp']:.0f} cycles/pkt"
                    + (f" [{'; '.join(r['notes'])}]" if r.get("notes") else ""))
    r = measure(lambda: run_failover(env, args.vf_cycles), "failover", 60, retries=0)
    r["vf_kind"] = "failover"
    runs.append(r)
    if r.get("failed"):
        log(f"hvnet bench: {r['error']}")
    else:
        log(f"  failover x{args.vf_cycles}: to synthetic {r['to_synthetic']}, "
            f"to the VF {r['to_vf']}")
    return runs


# ---- the report -------------------------------------------------------------------------

def _med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _fmt(v, digits):
    return "fail" if v is None else f"{v:.{digits}f}"


def vf_summary(runs):
    """Per frame size: the median Mpps and cycles/pkt of each kind, and the
    cost of transparency (hvnet over vf-only, cycles/pkt; per round, median)."""
    rows = []
    for wire, size in SIZES:
        row = {"frame": wire, "size": size}
        ok = [r for r in runs if r.get("size") == size and r.get("vf_kind") in KINDS
              and not r.get("failed")]
        for kind in KINDS:
            rs = [r for r in ok if r["vf_kind"] == kind]
            row[f"{kind}_mpps"] = _med([r.get("mpps") for r in rs])
            row[f"{kind}_cpp"] = _med([r.get("cpp") for r in rs])
            row[f"{kind}_notes"] = sorted({n for r in rs for n in r.get("notes", [])})
        per_round = []
        for rnd in sorted({r["round"] for r in ok}):
            a = [r["cpp"] for r in ok if r["round"] == rnd and r["vf_kind"] == "hvnet"]
            b = [r["cpp"] for r in ok if r["round"] == rnd and r["vf_kind"] == "vf-only"]
            if a and b and b[0]:
                per_round.append(a[0] / b[0])
        row["transparency_per_round"] = [round(x, 3) for x in per_round]
        row["transparency"] = _med(per_round)
        if any(row[f"{k}_mpps"] is not None for k in KINDS):
            rows.append(row)
    return rows


def vf_table(rows):
    head = ["io, 1 queue", "netvsc+VF (hvnet) Mpps", "net_hvsim_vf alone Mpps",
            "bundled netvsc+VF Mpps", "netvsc+VF (hvnet) cycles/pkt",
            "net_hvsim_vf alone cycles/pkt", "bundled netvsc+VF cycles/pkt",
            "cost of transparency (hvnet / VF alone, cycles/pkt; goal <= 1.1x)"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for r in rows:
        lines.append("| " + " | ".join(
            [f"{r['frame']} B"] + [_fmt(r[f"{k}_mpps"], 3) for k in KINDS] +
            [_fmt(r[f"{k}_cpp"], 0) for k in KINDS] +
            [(_fmt(r["transparency"], 2) + "x") if r["transparency"] else "n/a"]) + " |")
    return "\n".join(lines)


def failover_table(r, cycles):
    if r is None:
        return ""
    if r.get("failed"):
        return f"Failover cycles failed: {r['error']}"
    s, v = r["to_synthetic"], r["to_vf"]
    return "\n".join([
        f"| failover (hvnet, io, {FAILOVER_RATE} frames/s, {cycles} cycles) | samples | "
        "median µs | max µs |", "|---|---:|---:|---:|",
        f"| removal notice -> first frame synthetic | {s['n']} | {_fmt(s['median_us'], 0)} | "
        f"{_fmt(s['max_us'], 0)} |",
        f"| vf add -> first frame on the VF | {v['n']} | {_fmt(v['median_us'], 0)} | "
        f"{_fmt(v['max_us'], 0)} |",
        "", f"Frames lost over the cycles: {r.get('lost')} of "
        f"{(r.get('gen') or {}).get('sent')} (generator)."])


def vf_notes_text(runs):
    out = []
    for r in runs:
        if r.get("failed"):
            out.append(f"- vf {r.get('vf_kind')} {r.get('frame', '')} B round "
                       f"{r.get('round', 0) + 1}: failed: {r['error']}")
        elif r.get("notes") and r.get("vf_kind") in KINDS:
            out.append(f"- vf {r['vf_kind']} io {r['frame']} B round {r['round'] + 1}: "
                       + "; ".join(r["notes"]))
    return out


def vf_report(runs, cycles):
    """The VF section of results.md."""
    rows = vf_summary(runs)
    fo = next((r for r in runs if r.get("vf_kind") == "failover"), None)
    text = ["VF rows (hvsim --vf / --vf-only; hvbench io on one queue pair; every frame "
            "through the VF):", "", vf_table(rows), ""]
    if fo is not None:
        text += [failover_table(fo, cycles), ""]
    notes = vf_notes_text(runs)
    if notes:
        text += ["Notes (VF runs):", ""] + notes + [""]
    return "\n".join(text), rows
