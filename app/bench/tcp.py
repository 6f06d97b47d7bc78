#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Real TCP through hvnet's net_netvsc: iperf3 throughput with TSO/LRO off and on.

Two hvsim NICs, each with a tap into a kernel network namespace of its own;
Debian's dpdk-testpmd forwards between the two netvsc ports (csum engine,
IP and TCP checksums by the NIC). iperf3 runs from one namespace to the
other, once per round with the offloads off and once with TSO (and LRO,
when the PMD offers it) on. See app/bench/README.md, "Real TCP".
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HOST_CPU = "0"          # hvsim's host thread; the forwarding lcore is CPU 1
TSO_SEGSZ = 1448        # the MSS of Linux's segments with timestamps at MTU 1500
# Coalesced packets are cut by the PMD at max_lro_pkt_size: 62000 keeps them
# within the host's TSO limit (62780 bytes of TCP payload) when they go out
# again. 9 KiB mbufs keep such a chain within the 31 pages of a TX packet.
# Both runs get the same pools.
TESTPMD_ARGS = ["--total-num-mbufs=16384", "--mbuf-size=9344", "--max-lro-pkt-size=62000"]
PORT = 5210


class TcpBenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Run:
    """One hvsim + testpmd, fed commands on stdin, its output in a log file."""

    def __init__(self, env, tag, seconds):
        self.env, self.tag = env, tag
        self.ns = f"hvb{os.getpid()}-{tag}-"
        self.out = os.path.join(env.logs, f"tcp-{tag}.log")
        self.stats = os.path.join(env.logs, f"tcp-{tag}.json")
        for f in (self.out, self.stats):
            if os.path.exists(f):
                os.unlink(f)
        cmd = ["taskset", "-c", HOST_CPU, env.hvsim, "--netvsc=hvnet",
               "--plugin", env.bus, "--plugin", env.pmd, "--strict",
               f"--stats-json={self.stats}", "--nics=2",
               f"--traffic=tap:ns={self.ns},addr0=10.9.0.1/24,addr1=10.9.0.2/24", "--",
               "stdbuf", "-oL", "dpdk-testpmd", "-l", "0-1", "-m", "512", "--no-pci",
               f"--file-prefix=hvb{os.getpid()}", "--", "-i", *TESTPMD_ARGS]
        self.cmdline = " ".join(cmd)
        self.deadline = time.monotonic() + seconds + 120
        self.logf = open(self.out, "w")
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self.logf,
                                  stderr=subprocess.STDOUT, text=True,
                                  env=dict(os.environ, HVSIM_SHIM=env.shim),
                                  start_new_session=True)

    def text(self):
        with open(self.out, errors="replace") as f:
            return f.read()

    def tp(self, *cmds):
        for c in cmds:
            self.p.stdin.write(c + "\n")
        self.p.stdin.flush()

    def wait_for(self, pred, seconds, what):
        end = min(time.monotonic() + seconds, self.deadline)
        while time.monotonic() < end:
            if pred(self.text()):
                return
            if self.p.poll() is not None:
                break
            time.sleep(0.1)
        if pred(self.text()):
            return
        raise TcpBenchError(f"{what}: not seen within {seconds} s (log: {self.out})")

    def in_ns(self, port, *cmd):
        return ["ip", "netns", "exec", f"{self.ns}{port}", *cmd]

    def tap_mac(self, port):
        r = subprocess.run(["ip", "-n", f"{self.ns}{port}", "-br", "link", "show",
                            f"hvtap{port}"], capture_output=True, text=True, timeout=10)
        if r.returncode != 0 or len(r.stdout.split()) < 3:
            raise TcpBenchError(f"no tap in namespace {self.ns}{port} (log: {self.out})")
        return r.stdout.split()[2]

    def finish(self):
        """quit testpmd; hvsim then writes its stats. Returns its exit status."""
        try:
            self.tp("quit")
            self.p.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            rc = self.p.wait(timeout=max(5, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, 9)
            rc = self.p.wait()
        self.logf.close()
        self.drop_namespaces()
        return rc

    def drop_namespaces(self):
        """hvsim removes its namespaces at exit, unless it was killed."""
        for port in (0, 1):
            name = f"{self.ns}{port}"
            if os.path.exists(f"/run/netns/{name}"):
                subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10)
            lock = f"/run/hvsim/{name}.lock"
            if os.path.exists(lock):
                os.unlink(lock)


def configure(run, offloads):
    """csum engine between the ports; offloads: TSO (and LRO if offered)."""
    run.wait_for(lambda t: "testpmd> " in t, 60, "testpmd prompt")
    run.tp("show port 0 rx_offload capabilities")
    run.wait_for(lambda t: "Rx Offloading Capabilities of port 0" in t and
                 "Per Port  :" in t.split("Rx Offloading Capabilities of port 0", 1)[1],
                 10, "rx offload capabilities")
    caps = t_after(run.text(), "Rx Offloading Capabilities of port 0")
    lro = offloads and "TCP_LRO" in caps
    run.tp(f"set eth-peer 0 {run.tap_mac(0)}", f"set eth-peer 1 {run.tap_mac(1)}",
           "port stop all")
    for p in (0, 1):
        run.tp(f"csum set ip hw {p}", f"csum set tcp hw {p}")
        if offloads:
            run.tp(f"tso set {TSO_SEGSZ} {p}")
        if lro:
            run.tp(f"port config {p} rx_offload tcp_lro on")
    run.tp("port start all", "set fwd csum", "start")
    run.wait_for(lambda t: t.count("TX RS bit threshold") >= 2, 30, "forwarding start")
    return lro


def t_after(text, marker):
    return text.split(marker, 1)[1][:400] if marker in text else ""


def iperf(run, seconds):
    srv = subprocess.Popen(["timeout", str(seconds + 60)] +
                           run.in_ns(1, "iperf3", "-s", "-1", "-B", "10.9.0.2", "-p", str(PORT)),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        cli = subprocess.run(run.in_ns(0, "iperf3", "-c", "10.9.0.2", "-p", str(PORT), "-t",
                                       str(seconds), "-O", "1", "-J", "--connect-timeout", "5000"),
                             capture_output=True, text=True, timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        srv.kill()
        raise TcpBenchError(f"iperf3 did not finish within {seconds + 30} s (log: {run.out})")
    try:
        srv.wait(timeout=10)
    except subprocess.TimeoutExpired:
        srv.kill()
    try:
        d = json.loads(cli.stdout)
    except ValueError:
        raise TcpBenchError(f"iperf3 failed: {cli.stderr.strip() or cli.stdout[:200]}")
    if cli.returncode != 0 or "error" in d:
        raise TcpBenchError(f"iperf3 failed: {d.get('error', cli.returncode)} (log: {run.out})")
    e = d["end"]
    return {"gbps": e["sum_received"]["bits_per_second"] / 1e9,
            "sent_bytes": e["sum_sent"]["bytes"], "received_bytes": e["sum_received"]["bytes"],
            "seconds": e["sum_received"]["seconds"],
            "retransmits": e["sum_sent"].get("retransmits"),
            "cpu_sender_pct": e.get("cpu_utilization_percent", {}).get("host_total"),
            "cpu_receiver_pct": e.get("cpu_utilization_percent", {}).get("remote_total")}


def tap_tx_dropped(run, port):
    """Frames the kernel could not queue to hvsim on its tap (the host
    thread did not read them in time): where TCP's retransmits come from."""
    r = subprocess.run(["ip", "-n", f"{run.ns}{port}", "-s", "-j", "link", "show",
                        f"hvtap{port}"], capture_output=True, text=True, timeout=10)
    try:
        return json.loads(r.stdout)[0]["stats64"]["tx"]["dropped"]
    except (ValueError, LookupError):
        return None


def port_rx_packets(text, port):
    """testpmd's RX-packets of PORT in its last "show port stats all"."""
    v, cur = None, False
    for line in text.splitlines():
        if "NIC statistics for port" in line:
            cur = line.split()[5] == str(port)
        elif line.strip().startswith("####"):
            cur = False
        elif cur and "RX-packets:" in line:
            v = int(line.split()[1])
    return v


def measure(env, tag, offloads, seconds):
    run = Run(env, tag, seconds)
    try:
        lro = configure(run, offloads)
        r = iperf(run, seconds)
        r["tap_tx_dropped"] = [tap_tx_dropped(run, p) for p in (0, 1)]
        run.tp("stop", "show port stats all")
        run.wait_for(lambda t: t.count("NIC statistics for port") >= 2, 10, "port stats")
    finally:
        # hvsim runs in a session of its own (no terminal signals): always end it
        rc = run.finish()
    try:
        with open(run.stats) as f:
            s = json.load(f)
    except (OSError, ValueError):
        raise TcpBenchError(f"hvsim wrote no stats (exit {rc}, log: {run.out})")
    if rc != 0 or s["violations"] != 0:
        raise TcpBenchError(f"hvsim/testpmd exit {rc}, {s['violations']} violation(s) "
                            f"(log: {run.out})")
    n0, n1 = s["nics"][0], s["nics"][1]
    r.update(offloads=offloads, lro=lro, tag=tag, log=run.out, command=run.cmdline,
             guest_rx_packets=port_rx_packets(run.text(), 0),
             wire_frames=s["vswitch"]["tap"]["ports"][0]["to_guest_frames"],
             rsc_packets=n0.get("rsc_packets", 0), rsc_segments=n0.get("rsc_segments", 0),
             lso_packets=n1.get("lso_packets", 0), lso_segments=n1.get("lso_segments", 0))
    return r


class Env:
    def __init__(self, root, build):
        self.hvsim = os.path.join(build, "hvsim", "hvsim")
        self.shim = os.path.join(build, "hvsim", "libhvsim_uio.so")
        self.bus = os.path.join(build, "drivers", "bus", "vmbus", "librte_bus_vmbus.so.23.0")
        self.pmd = os.path.join(build, "drivers", "net", "netvsc", "librte_net_netvsc.so.23.0")
        for f in (self.hvsim, self.shim, self.bus, self.pmd):
            if not os.path.exists(f):
                raise TcpBenchError(f"{f} missing: build first (./hvnet setup)")
        for tool in ("iperf3", "dpdk-testpmd", "taskset", "stdbuf", "ip"):
            if shutil.which(tool) is None:
                raise TcpBenchError(f"{tool} not found: ./hvnet setup installs it")
        self.out = os.path.join(build, "bench")
        self.logs = os.path.join(self.out, "logs")
        os.makedirs(self.logs, exist_ok=True)


def others_running():
    """Other DPDK/hvsim processes: they share the 2 CPUs."""
    mine = os.getpid()
    r = subprocess.run(["pgrep", "-a", "-f", "hvsim|dpdk-|hvbench|guest_|iperf3"],
                       capture_output=True, text=True)
    return [l.split(None, 1)[1][:60] for l in r.stdout.splitlines()
            if l and int(l.split()[0]) != mine and "pgrep" not in l]


def fmt_ratio(a, b):
    return f"{a / b:.1f}" if a and b else "–"


def table(rows):
    hdr = ("| TCP, 1 stream, MTU 1500 | Gbit/s (median) | runs (Gbit/s) | retransmits "
           "| guest packets per wire frame | LSO: segments per packet "
           "| RSC: segments per packet |\n|---|---:|---|---:|---:|---:|---:|")
    lines = [hdr]
    for name, rs in rows:
        g = [r["gbps"] for r in rs]
        per_frame = [r["guest_rx_packets"] / r["wire_frames"] for r in rs
                     if r.get("guest_rx_packets") and r.get("wire_frames")]
        lso = fmt_ratio(sum(r["lso_segments"] for r in rs), sum(r["lso_packets"] for r in rs))
        rsc = fmt_ratio(sum(r["rsc_segments"] for r in rs), sum(r["rsc_packets"] for r in rs))
        lines.append(f"| {name} | {statistics.median(g):.2f} | {', '.join(f'{x:.2f}' for x in g)} "
                     f"| {statistics.median([r['retransmits'] or 0 for r in rs]):.0f} "
                     f"| {f'{statistics.median(per_frame):.3f}' if per_frame else '–'} "
                     f"| {lso} | {rsc} |")
    return "\n".join(lines)


def run(root, build, rounds, seconds):
    """The TCP rows: rounds x (off, on), alternating. Returns (markdown, doc)."""
    env = Env(root, build)
    busy = others_running()
    if busy:
        log(f"hvnet bench tcp: warning: other processes share the 2 CPUs "
            f"({', '.join(busy[:4])}{'...' if len(busy) > 4 else ''}): numbers will be noisy")
    log(f"hvnet bench tcp: {rounds} round(s) of iperf3 -t {seconds}, TSO/LRO off and on; "
        f"logs in {env.logs}")
    t0 = time.monotonic()
    runs = {False: [], True: []}
    for rnd in range(rounds):
        order = (False, True) if rnd % 2 == 0 else (True, False)
        for on in order:
            tag = f"r{rnd}-{'on' if on else 'off'}"
            r = measure(env, tag, on, seconds)
            r["round"] = rnd
            runs[on].append(r)
            log(f"  round {rnd + 1}/{rounds} offloads {'on ' if on else 'off'}: "
                f"{r['gbps']:.2f} Gbit/s, {r['retransmits']} retransmits "
                f"(tap drops {r['tap_tx_dropped'][0]}/{r['tap_tx_dropped'][1]}), "
                f"LSO {r['lso_packets']} -> {r['lso_segments']}, "
                f"RSC {r['rsc_packets']} <- {r['rsc_segments']}")
    lro = all(r["lro"] for r in runs[True])
    on_name = "TSO + LRO on" if lro else "TSO on (LRO not offered by the PMD)"
    rows = [("TSO and LRO off", runs[False]), (on_name, runs[True])]
    md = table(rows)
    on_g = statistics.median(r["gbps"] for r in runs[True])
    off_g = statistics.median(r["gbps"] for r in runs[False])
    text = (f"Real TCP through testpmd (csum engine, IP/TCP checksums by the NIC) on "
            f"hvnet's net_netvsc, between two kernel namespaces on hvsim taps: "
            f"`iperf3 -t {seconds} -O 1`, median of {rounds} round(s). "
            f"On/off: {on_g / off_g:.2f}x.\n\n{md}\n")
    if busy:
        text += "\nOther processes were running: the numbers are noisy.\n"
    doc = {"rounds": rounds, "seconds": seconds, "tso_segsz": TSO_SEGSZ, "lro": lro,
           "concurrent": busy, "wall_s": round(time.monotonic() - t0, 1),
           "runs": runs[False] + runs[True]}
    return text, doc


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
    text, doc = run(args.root, args.build, rounds, seconds)
    out = os.path.join(args.build, "bench")
    with open(os.path.join(out, "tcp.md"), "w") as f:
        f.write("# hvnet bench: real TCP\n\n" + text)
    with open(os.path.join(out, "tcp.json"), "w") as f:
        json.dump(doc, f, indent=1)
    log("")
    log(text)
    log(f"hvnet bench tcp: results in {os.path.join(out, 'tcp.md')} and tcp.json")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except TcpBenchError as e:
        print(f"hvnet bench tcp: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("hvnet bench tcp: interrupted", file=sys.stderr)
        sys.exit(130)
