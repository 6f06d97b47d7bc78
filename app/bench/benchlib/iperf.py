# SPDX-License-Identifier: BSD-3-Clause
"""The real TCP rows of ./hvnet bench (tcp.py): two hvsim NICs with a tap
each into a kernel namespace of its own, Debian's dpdk-testpmd forwarding
between the two netvsc ports (csum engine), iperf3 from one namespace to
the other with the offloads off and on."""

import json
import os
import statistics
import subprocess
import sys
import time

from .env import HOST_CPU, BenchError, Build, log as log_to
from .steal import others_running
from .table import markdown

TSO_SEGSZ = 1448        # the MSS of Linux's segments with timestamps at MTU 1500
# Coalesced packets are cut by the PMD at max_lro_pkt_size: 62000 keeps them
# within the host's TSO limit (62780 bytes of TCP payload) when they go out
# again. 9 KiB mbufs keep such a chain within the 31 pages of a TX packet.
# Both runs get the same pools.
TESTPMD_ARGS = ["--total-num-mbufs=16384", "--mbuf-size=9344", "--max-lro-pkt-size=62000"]
PORT = 5210
TOOLS = ("iperf3", "dpdk-testpmd", "taskset", "stdbuf", "ip")


def log(msg):
    """tcp.py reports on stderr (./hvnet bench prints the A/B table on stdout)."""
    log_to(msg, sys.stderr)


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
        plugins = [a for p in env.plugins for a in ("--plugin", p)]
        cmd = ["taskset", "-c", HOST_CPU, env.hvsim, "--netvsc=hvnet", *plugins, "--strict",
               f"--stats-json={self.stats}", "--nics=2",
               f"--traffic=tap:ns={self.ns},addr0=10.9.0.1/24,addr1=10.9.0.2/24", "--",
               "stdbuf", "-oL", "dpdk-testpmd", "-l", "0-1", "-m", "512", "--no-pci",
               f"--file-prefix=hvb{os.getpid()}", "--", "-i", *TESTPMD_ARGS]
        self.cmdline = " ".join(cmd)
        self.deadline = time.monotonic() + seconds + 120
        self.logf = open(self.out, "w")
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self.logf,
                                  stderr=subprocess.STDOUT, text=True,
                                  env=env.env(),
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
        raise BenchError(f"{what}: not seen within {seconds} s (log: {self.out})")

    def in_ns(self, port, *cmd):
        return ["ip", "netns", "exec", f"{self.ns}{port}", *cmd]

    def tap_mac(self, port):
        r = subprocess.run(["ip", "-n", f"{self.ns}{port}", "-br", "link", "show",
                            f"hvtap{port}"], capture_output=True, text=True, timeout=10)
        if r.returncode != 0 or len(r.stdout.split()) < 3:
            raise BenchError(f"no tap in namespace {self.ns}{port} (log: {self.out})")
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
        raise BenchError(f"iperf3 did not finish within {seconds + 30} s (log: {run.out})")
    try:
        srv.wait(timeout=10)
    except subprocess.TimeoutExpired:
        srv.kill()
    try:
        d = json.loads(cli.stdout)
    except ValueError:
        raise BenchError(f"iperf3 failed: {cli.stderr.strip() or cli.stdout[:200]}")
    if cli.returncode != 0 or "error" in d:
        raise BenchError(f"iperf3 failed: {d.get('error', cli.returncode)} (log: {run.out})")
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


def measure_tcp(env, tag, offloads, seconds):
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
        raise BenchError(f"hvsim wrote no stats (exit {rc}, log: {run.out})")
    if rc != 0 or s["violations"] != 0:
        raise BenchError(f"hvsim/testpmd exit {rc}, {s['violations']} violation(s) "
                            f"(log: {run.out})")
    n0, n1 = s["nics"][0], s["nics"][1]
    r.update(offloads=offloads, lro=lro, tag=tag, log=run.out, command=run.cmdline,
             guest_rx_packets=port_rx_packets(run.text(), 0),
             wire_frames=s["vswitch"]["tap"]["ports"][0]["to_guest_frames"],
             rsc_packets=n0.get("rsc_packets", 0), rsc_segments=n0.get("rsc_segments", 0),
             lso_packets=n1.get("lso_packets", 0), lso_segments=n1.get("lso_segments", 0))
    return r


def fmt_ratio(a, b):
    return f"{a / b:.1f}" if a and b else "–"


def tcp_table(rows):
    head = ["TCP, 1 stream, MTU 1500", "Gbit/s (median)", "runs (Gbit/s)", "retransmits",
            "guest packets per wire frame", "LSO: segments per packet",
            "RSC: segments per packet"]
    cells = []
    for name, rs in rows:
        g = [r["gbps"] for r in rs]
        per_frame = [r["guest_rx_packets"] / r["wire_frames"] for r in rs
                     if r.get("guest_rx_packets") and r.get("wire_frames")]
        cells.append([
            name, f"{statistics.median(g):.2f}", ", ".join(f"{x:.2f}" for x in g),
            f"{statistics.median([r['retransmits'] or 0 for r in rs]):.0f}",
            f"{statistics.median(per_frame):.3f}" if per_frame else "–",
            fmt_ratio(sum(r["lso_segments"] for r in rs), sum(r["lso_packets"] for r in rs)),
            fmt_ratio(sum(r["rsc_segments"] for r in rs), sum(r["rsc_packets"] for r in rs))])
    return markdown(head, ["---", "---:", "---", "---:", "---:", "---:", "---:"], cells)


def run(build, rounds, seconds):
    """The TCP rows: rounds x (off, on), alternating. Returns (markdown, doc)."""
    env = Build(build, tools=TOOLS)
    busy = others_running(names=("iperf3",))
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
            r = measure_tcp(env, tag, on, seconds)
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
    md = tcp_table(rows)
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
