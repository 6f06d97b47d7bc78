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
What each number means: app/bench/README.md.
"""

import argparse
import json
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

MODES = ("rxonly", "txonly", "io")
SIZES = ((64, 60), (1518, 1514))     # (frame with FCS, length hvsim/mbufs use)
QUEUES = (1, 2)
MODES_2Q = ("rxonly", "io")          # the 2-queue rows
FLOWS_2Q = 4                         # generator flows, spread by RSS over the queues
PMDS = ("bundled", "hvnet")
TESTPMD_NA = "n/a (testpmd cannot forward on the bundled PMD, see doc/guides/hvsim.md)"
GEN_DELAY_MS = 300                   # the bundled PMD drops frames while it starts
TESTPMD_GEN_DELAY_MS = 1000          # the prompt and "start" come after port start
IDLE_MS = 1000                       # a guest stops when nothing moved this long
HOST_CPU = "0"                       # hvsim's host thread (and the guests' main lcore)
GUEST_LCORES = "0-1"                 # forwarding on lcore 1 = CPU 1


# Frames per run, as a multiple of --packets: what takes a comparable time.
# At 1514 B the generator (hvsim) is the limit, at ~0.2 Mpps; txonly needs
# no generator and the host takes aggregated 60 B frames at ~10 Mpps.
SCALE = {("rxonly", 60): 1, ("rxonly", 1514): 1 / 8, ("io", 60): 1, ("io", 1514): 1 / 8,
         ("txonly", 60): 4, ("txonly", 1514): 1 / 2}


def count_for(mode, size, packets):
    return max(int(packets * SCALE[(mode, size)]), 1000)


def cells(modes, sizes, queues):
    """(mode, frame with FCS, size, queues) of every row, in table order."""
    return [(m, w, n, q) for q in queues for m in modes for w, n in sizes
            if q == 1 or m in MODES_2Q]


class BenchError(Exception):
    pass


def log(msg):
    print(msg, flush=True)


class Env:
    def __init__(self, args):
        self.root = args.root
        self.build = args.build
        self.out = os.path.join(self.build, "bench")
        self.logs = os.path.join(self.out, "logs")
        self.hvsim = os.path.join(self.build, "hvsim", "hvsim")
        self.shim = os.path.join(self.build, "hvsim", "libhvsim_uio.so")
        self.hvbench = os.path.join(self.build, "app", "bench", "hvbench")
        self.plugins = [os.path.join(self.build, "drivers", "bus", "vmbus", "librte_bus_vmbus.so.23.0"),
                        os.path.join(self.build, "drivers", "net", "netvsc", "librte_net_netvsc.so.23.0")]
        self.testpmd = shutil.which("dpdk-testpmd")
        self.seq = 0
        for f in [self.hvsim, self.shim, self.hvbench] + self.plugins:
            if not os.path.exists(f):
                raise BenchError(f"{f} is missing: build first (./hvnet setup)")
        if self.testpmd is None:
            raise BenchError("dpdk-testpmd not found (Debian package dpdk)")
        os.makedirs(self.logs, exist_ok=True)

    def next_tag(self, what):
        self.seq += 1
        return f"{self.seq:03d}-{what}"

    def hvsim_cmd(self, pmd, traffic, stats):
        cmd = ["taskset", "-c", HOST_CPU, self.hvsim, f"--netvsc={pmd}", "--strict",
               f"--traffic={traffic}", f"--stats-json={stats}"]
        if pmd == "hvnet":     # for bundled, the guest must not see our bus
            cmd += [f"--plugin={p}" for p in self.plugins]
        return cmd

    def env(self):
        e = dict(os.environ)
        e["HVSIM_SHIM"] = self.shim
        return e


def gen_traffic(size, count, delay, queues=1, rate=0):
    flows = f",flows={FLOWS_2Q}" if queues > 1 else ""
    return f"gen:rate={rate},count={count},delay={delay},burst=64,sizes={size}{flows}"


def load_stats(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def nic_stats(stats):
    n = stats["nics"][0]
    return {k: v for k, v in n.items() if k not in ("channels", "rss")}


def gen_stats(stats):
    gen = stats["vswitch"].get("gen")
    return gen["ports"][0] if gen else None


def kv_line(text, prefix):
    """The last 'prefix k=v k=v ...' line of text, as a dict."""
    found = None
    for line in text.splitlines():
        if line.startswith(prefix + " "):
            found = line
    if found is None:
        return None
    out = {}
    for tok in found.split()[1:]:
        if "=" in tok:
            k, v = tok.split("=", 1)
            try:
                out[k] = int(v)
            except ValueError:
                try:
                    out[k] = float(v)
                except ValueError:
                    out[k] = v
    return out


def last_line(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1] if lines else "(no output)"


# ---- who else got the CPUs ------------------------------------------------------

def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    st = f.read()
                if int(st.rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return out


def schedstat(path):
    """(ns on the CPU, ns runnable but waiting for it)."""
    try:
        with open(path) as f:
            run, wait = f.read().split()[:2]
        return int(run), int(wait)
    except (OSError, ValueError):
        return None


def cpu_steal():
    """Per CPU, jiffies the hypervisor ran something else (/proc/stat)."""
    out = {}
    try:
        for line in open("/proc/stat"):
            f = line.split()
            if f[0].startswith("cpu") and f[0] != "cpu":
                out[f[0]] = int(f[8])
    except (OSError, ValueError, IndexError):
        pass
    return out


def find_worker(pid):
    """The guest's forwarding thread: the first DPDK worker lcore thread."""
    try:
        for tid in sorted(os.listdir(f"/proc/{pid}/task"), key=int):
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                comm = f.read().strip()
            if comm.startswith(("rte-worker", "lcore-worker")):
                return f"/proc/{pid}/task/{tid}/schedstat"
    except OSError:
        pass
    return None


class Watch(threading.Thread):
    """Samples, while a run lasts, how long hvsim's host thread (the
    process under `timeout`) was runnable but kept off its CPU."""

    def __init__(self, timeout_pid):
        super().__init__(daemon=True)
        self.root = timeout_pid
        self.host = None
        self.first = self.last = None
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.others = set()      # foreign DPDK/hvsim processes seen while measuring
        self.steal0 = self.steal1 = None
        self.start()

    def sample(self):
        st = schedstat(f"/proc/{self.host}/schedstat") if self.host else None
        return (time.monotonic(),) + st if st else None

    def begin(self):
        """The measurement starts now: forget the guest's start-up (its
        main thread shares the host's CPU while EAL initialises)."""
        with self.lock:
            if self.host is None:
                kids = children(self.root)
                self.host = kids[0] if kids else None
            self.first = self.last = self.sample()
            self.steal0 = cpu_steal()

    def run(self):
        n = 0
        while not self.stop.wait(0.1):
            n += 1
            if n % 10 == 0 and self.first is not None:
                for o in others_running(exclude=self.root):
                    self.others.add(o)
            if self.host is None:
                kids = children(self.root)
                self.host = kids[0] if kids else None
                continue
            with self.lock:
                st = self.sample()
                if st is None:
                    break
                if self.first is not None:
                    self.last = st

    def guest_worker(self):
        if self.host is None:
            return None
        for g in children(self.host):
            w = find_worker(g)
            if w:
                return w
        return None

    def done(self, end=False):
        """Share of the measurement the host thread waited for its CPU;
        end=True: the measurement ends now."""
        if end:
            with self.lock:
                self.last = self.sample() or self.last
        self.stop.set()
        self.join(1)
        self.steal1 = cpu_steal()
        if self.first is None or self.last is None or self.last[0] <= self.first[0]:
            return None
        return (self.last[2] - self.first[2]) / 1e9 / (self.last[0] - self.first[0])


DISTURBED_GUEST = 0.02    # the forwarding thread waited for its CPU > 2% of the window
DISTURBED_HOST = 0.05     # hvsim's host thread did, > 5% of the run


def calib(v):
    """hvbench's 'before,after' calibration: the slower of the two."""
    try:
        return max(float(x) for x in str(v).split(","))
    except ValueError:
        return None


CALIB_BEST = {}           # fastest calibration seen so far in this benchmark
SLOW_ALU = 1.25           # the core ran the ALU chain this much slower than the best
SLOW_MEM = 2.0            # memset this much slower
SLOW_PINGPONG = 2.0       # a cache-line round trip between the two CPUs this much slower


def watch_fields(watch):
    """What the watch saw, for a run record."""
    steal = {}
    if watch.steal0 and watch.steal1:
        steal = {c: watch.steal1.get(c, 0) - v for c, v in watch.steal0.items()}
    return {"others_during": sorted(watch.others),
            "steal_jiffies": {c: v for c, v in steal.items() if v}}


def disturbance(r):
    why = []
    if r.get("others_during"):
        why.append("other processes ran meanwhile (" +
                   ", ".join(sorted({o.split("[")[0] for o in r["others_during"]})) + ")")
    for key, limit, what in (("calib_alu", SLOW_ALU, "the core ran"),
                             ("calib_mem", SLOW_MEM, "the memory ran"),
                             ("pingpong", SLOW_PINGPONG, "a cache line between the 2 vCPUs went"),
                             ("probe", SLOW_PINGPONG, "a cache line between the 2 vCPUs went")):
        v = r.get(key)
        if v:
            best = CALIB_BEST[key] = min(CALIB_BEST.get(key, v), v)
            if v > limit * best:
                why.append(f"{what} {v / best:.1f}x slower than at best (calibration: "
                           + ("the hypervisor placed the vCPUs apart)" if key in ("pingpong", "probe")
                              else "a noisy neighbour on the host?)"))
    if r.get("steal_jiffies"):
        why.append("the hypervisor stole CPU time (" +
                   ", ".join(f"{c} {v} jiffies" for c, v in r["steal_jiffies"].items()) + ")")
    if r.get("guest_stolen") is not None and r["guest_stolen"] > DISTURBED_GUEST:
        why.append(f"guest lcore kept off its CPU {100 * r['guest_stolen']:.0f}% of the time")
    if r.get("host_stolen") is not None and r["host_stolen"] > DISTURBED_HOST:
        why.append(f"hvsim host thread kept off its CPU {100 * r['host_stolen']:.0f}% of the time")
    return why


# ---- hvbench -------------------------------------------------------------------

def run_hvbench(env, pmd, mode, size, packets, queues=1, wrapper=None, traffic=None,
                seconds=None):
    """One hvbench run; wrapper: a command the guest runs under (the
    instruction count runs it under callgrind, with its own traffic)."""
    tag = env.next_tag(f"hvbench-{pmd}-{mode}-{size}-q{queues}" + ("-instr" if wrapper else ""))
    stats_path = os.path.join(env.logs, tag + ".json")
    log_path = os.path.join(env.logs, tag + ".log")
    if traffic is None:
        traffic = "none" if mode == "txonly" else gen_traffic(size, packets, GEN_DELAY_MS, queues)
    seconds = seconds or (60 if wrapper is None else 600)
    idle_ms = IDLE_MS if wrapper is None else 20 * IDLE_MS
    cmd = env.hvsim_cmd(pmd, traffic, stats_path) + ["--"] + (wrapper or []) + [
        env.hvbench, "-l", GUEST_LCORES, "-m", "256", "--no-pci",
        f"--file-prefix=hvb{os.getpid()}x{env.seq}", "--",
        "--mode", mode, "--packets", str(packets), "--size", str(size),
        "--seconds", str(seconds), "--idle-ms", str(idle_ms), "--queues", str(queues)] + \
        (["--no-calib"] if wrapper else [])
    t0 = time.monotonic()
    watch = None
    try:
        p = subprocess.Popen(["timeout", "-s", "KILL", str(seconds + 40)] + cmd, env=env.env(),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, errors="replace")
        watch = Watch(p.pid)
        lines = []
        for line in p.stdout:
            lines.append(line)
            if line.startswith("started=1"):
                watch.begin()
        p.wait()
        out, rc = "".join(lines), p.returncode
    except OSError as e:
        out, rc = str(e), -1
    host_stolen = watch.done() if watch else None
    seen = watch_fields(watch) if watch else {}
    with open(log_path, "w") as f:
        f.write(" ".join(cmd) + "\n\n" + out)
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
    nic, gen = nic_stats(stats), gen_stats(stats)
    port = kv_line(out, "port") or {}
    # the window: first to last iteration that moved packets; for txonly
    # and io, to the moment nothing was in flight any more when the PMD can
    # tell (the send buffer holds many frames after the last tx_burst)
    window_us = b["window_us"]
    if mode != "rxonly" and b.get("tx_window_us", -1) > 0:
        window_us = b["tx_window_us"]
    window_s = window_us / 1e6
    if mode == "rxonly":
        moved = b["rx"]                  # frames the application got
    elif mode == "txonly":
        moved = nic["tx_frames"]         # frames the host took off the ring
    else:
        moved = gen["received"]          # frames that came back to the generator
    r = {
        "guest": "hvbench", "pmd": pmd, "mode": mode, "size": size, "queues": queues, "tag": tag,
        "mpps": moved / window_s / 1e6 if window_s > 0 else 0.0,
        "cpp": b["cpp"], "avg_burst": b["avg_burst"], "window_us": window_us,
        "guest_stolen": b["stolen_us"] / b["loop_us"] if b.get("loop_us") else None,
        "host_stolen": host_stolen, "guest_cpu_share": b.get("cpu_share"), **seen,
        "calib_alu": calib(b.get("calib_alu")), "calib_mem": calib(b.get("calib_mem")),
        "pingpong": calib(b.get("pingpong")),
        "guest_pkts": b["pkts"], "moved": moved, "complete": b["complete"],
        "unsent": b.get("unsent", 0),
        "guest_mpps": b["mpps"], "imissed": port.get("imissed", 0),
        "oerrors": port.get("oerrors", 0), "violations": stats.get("violations", 0),
        "host_tx_frames": nic["tx_frames"], "host_rx_frames": nic["rx_frames"],
        "gen": gen, "wall_s": round(time.monotonic() - t0, 2),
        "xstats": {m.group(1): int(m.group(2))
                   for m in re.finditer(r"^xstat (\S+)=(\d+)$", out, re.M)},
    }
    r["notes"] = anomalies(r, packets)
    return r


def pct(part, whole):
    v = 100.0 * part / whole
    return f"{v:.1f}%" if v >= 1 else f"{v:.2f}%"


def anomalies(r, packets):
    """What a reader must know about a run besides its numbers."""
    notes = []
    gen = r.get("gen")
    if r["mode"] == "txonly":
        if r["host_tx_frames"] != r["guest_pkts"]:
            notes.append(f"host took {r['host_tx_frames']} frames, guest sent {r['guest_pkts']}")
    elif gen is not None:
        got = r["guest_pkts"] if r["mode"] == "rxonly" else gen["received"]
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
    if r.get("violations"):
        notes.append(f"{r['violations']} protocol violation(s)")
    return notes


# ---- testpmd -------------------------------------------------------------------

class Interactive:
    """A process whose merged output is read by a thread; prompts have no newline."""

    def __init__(self, cmd, env, log_path):
        self.buf = ""
        self.lock = threading.Lock()
        self.log = open(log_path, "w")
        self.log.write(" ".join(cmd) + "\n\n")
        self.p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.q = queue.Queue()
        self.t = threading.Thread(target=self._reader, daemon=True)
        self.t.start()

    def _reader(self):
        fd = self.p.stdout.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            s = chunk.decode(errors="replace")
            with self.lock:
                self.buf += s
            self.log.write(s)
        self.q.put(None)

    def mark(self):
        with self.lock:
            return len(self.buf)

    def text(self, since=0):
        with self.lock:
            return self.buf[since:]

    def wait_for(self, pattern, since, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = re.search(pattern, self.text(since))
            if m:
                return m
            if self.p.poll() is not None:
                time.sleep(0.05)
                return re.search(pattern, self.text(since))
            time.sleep(0.02)
        return None

    def send(self, line):
        self.log.write(f"\n[bench: sending '{line}']\n")
        try:
            self.p.stdin.write((line + "\n").encode())
            self.p.stdin.flush()
        except OSError:
            raise BenchError(f"testpmd exited before '{line}' (exit {self.p.poll()}): "
                             + last_line(self.text()))

    def finish(self, timeout):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.t.join(2)
        self.log.close()
        return self.p.returncode


def port_counters(text):
    """RX-packets, RX-missed, TX-packets of the last 'show port stats'."""
    rx = re.findall(r"RX-packets:\s+(\d+)\s+RX-missed:\s+(\d+)", text)
    tx = re.findall(r"TX-packets:\s+(\d+)\s+TX-errors:", text)
    if not rx or not tx:
        return None
    return int(rx[-1][0]), int(rx[-1][1]), int(tx[-1])


def probe(env):
    """Cache-line round trip between CPUs 0 and 1 (hvbench --probe), cycles."""
    try:
        p = subprocess.run([env.hvbench, "--probe"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True, timeout=10)
        m = re.search(r"pingpong=([0-9.]+)", p.stdout)
        return float(m.group(1)) if m else None
    except (OSError, subprocess.TimeoutExpired):
        return None


def run_testpmd(env, mode, size, packets, queues=1):
    pmd = "hvnet"
    tag = env.next_tag(f"testpmd-{pmd}-{mode}-{size}-q{queues}")
    stats_path = os.path.join(env.logs, tag + ".json")
    log_path = os.path.join(env.logs, tag + ".log")
    traffic = "none" if mode == "txonly" else gen_traffic(size, packets, TESTPMD_GEN_DELAY_MS,
                                                          queues)
    limit = 60
    cmd = ["timeout", "-s", "KILL", str(limit + 40)] + env.hvsim_cmd(pmd, traffic, stats_path) + [
        "--", "stdbuf", "-oL", env.testpmd, "-l", GUEST_LCORES, "-m", "256", "--no-pci",
        f"--file-prefix=hvb{os.getpid()}x{env.seq}", "--", "-i",
        f"--forward-mode={mode}", "--record-core-cycles", "--nb-cores=1", f"--rxq={queues}", f"--txq={queues}",
        "--rxd=512", "--txd=512", "--burst=32", "--total-num-mbufs=8192"]
    if mode == "txonly":
        cmd.append(f"--txpkts={size}")
    t0 = time.monotonic()
    probe0 = probe(env)
    s = Interactive(cmd, env.env(), log_path)
    watch = Watch(s.p.pid)

    def fail(why):
        raise BenchError(why)

    try:
        r = testpmd_session(s, watch, fail, mode, size, packets, limit, stats_path, tag, t0)
        r["queues"] = queues
        probes = [p for p in (probe0, probe(env)) if p]
        r["probe"] = max(probes) if probes else None
        return r
    except BenchError as e:
        s.finish(5)
        watch.done()
        raise BenchError(f"testpmd {pmd} {mode} {size} B: {e} (log: {log_path})")


def testpmd_session(s, watch, fail, mode, size, packets, limit, stats_path, tag, t0):
    pmd = "hvnet"
    if not s.wait_for(r"testpmd> ", 0, 30):
        fail("no prompt: " + last_line(s.text()))
    worker = watch.guest_worker()
    mark = s.mark()
    s.send("start")
    t_start = time.monotonic()
    w0 = schedstat(worker) if worker else None
    watch.begin()
    if not s.wait_for(r"forwards packets on", mark, 10):
        fail("'start' did not start forwarding")
    # poll the port counters until every frame is accounted for (or none
    # moved for a while once traffic had started)
    deadline = time.monotonic() + limit
    last, last_change, started = None, time.monotonic(), False
    while time.monotonic() < deadline:
        time.sleep(0.2)
        mark = s.mark()
        s.send("show port stats 0")
        if not s.wait_for(r"#{20,}\s*\n[^#]*#{20,}", mark, 5):
            fail("'show port stats 0' did not answer")
        c = port_counters(s.text(mark))
        if c is None:
            continue
        rx, missed, tx = c
        done = tx if mode == "txonly" else rx + missed
        now = time.monotonic()
        if done != last:
            last, last_change = done, now
            started = started or done > 0
        if done >= packets:
            break
        if started and now - last_change > IDLE_MS / 1000.0 + 0.3:
            break
    else:
        fail(f"not done after {limit} s")
    w1 = schedstat(worker) if worker else None
    host_stolen = watch.done(end=True)
    mark = s.mark()
    s.send("stop")
    t_stop = time.monotonic()
    m = s.wait_for(r"CPU cycles/packet=([0-9.]+) \((?:total|busy) cycles=(\d+) / total \S+ "
                   r"packets=(\d+)\)", mark, 15)
    if not m:
        fail("no 'CPU cycles/packet' in the forward statistics after 'stop'")
    fwd = s.text(mark)
    s.send("quit")
    rc = s.finish(30)
    stats = load_stats(stats_path)
    if stats is None:
        raise BenchError(f"hvsim wrote no statistics (exit {rc}: killed?)")
    nic, gen = nic_stats(stats), gen_stats(stats)
    acc = re.findall(r"RX-packets:\s+(\d+)\s+RX-dropped:\s+(\d+).*?\n\s*TX-packets:\s+(\d+)\s+"
                     r"TX-dropped:\s+(\d+)", fwd)
    r = {
        "guest": "testpmd", "pmd": pmd, "mode": mode, "size": size, "tag": tag,
        "cpp": float(m.group(1)), "cycles": int(m.group(2)), "cycle_pkts": int(m.group(3)),
        "fwd_rx": int(acc[-1][0]) if acc else None, "fwd_rx_dropped": int(acc[-1][1]) if acc else None,
        "fwd_tx": int(acc[-1][2]) if acc else None, "fwd_tx_dropped": int(acc[-1][3]) if acc else None,
        "host_tx_frames": nic["tx_frames"], "host_rx_frames": nic["rx_frames"], "gen": gen,
        "violations": stats.get("violations", 0), "exit": rc, "host_stolen": host_stolen,
        **watch_fields(watch),
        "guest_stolen": (w1[1] - w0[1]) / 1e9 / (t_stop - t_start) if w0 and w1 else None,
        "wall_s": round(time.monotonic() - t0, 2),
    }
    # Mpps, from hvsim's side (JSON only): the generator's send window for
    # rxonly and io, the start..stop window for txonly
    if mode == "txonly":
        r["mpps"] = nic["tx_frames"] / (t_stop - t_start) / 1e6
    elif gen and gen["send_window_us"] > 0:
        got = gen["sent"] if mode == "rxonly" else gen["received"]
        r["mpps"] = got / gen["send_window_us"]
    r["notes"] = []
    if r["violations"]:
        r["notes"].append(f"{r['violations']} protocol violation(s)")
    if mode != "txonly" and gen and r["fwd_rx"] is not None and r["fwd_rx"] < gen["sent"]:
        lost = gen["sent"] - r["fwd_rx"]
        r["notes"].append(f"{lost} of {gen['sent']} frames ({pct(lost, gen['sent'])}) "
                          f"dropped by the PMD on receive (testpmd's RX-dropped)")
    if mode == "io" and r["fwd_tx_dropped"]:
        r["notes"].append(f"{r['fwd_tx_dropped']} received frames not taken by tx_burst "
                          f"(testpmd's TX-dropped)")
    return r


# ---- the table -----------------------------------------------------------------

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits):
    return "fail" if v is None else f"{v:.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def summarize(runs):
    rows = []
    for mode, wire, size, queues in cells(MODES, SIZES, QUEUES):
        sel = lambda guest, pmd: [r for r in runs if r["guest"] == guest and r["pmd"] == pmd
                                  and r["mode"] == mode and r["size"] == size
                                  and r.get("queues", 1) == queues]
        if not [r for r in runs if r["mode"] == mode and r["size"] == size
                and r.get("queues", 1) == queues]:
            continue
        row = {"mode": mode, "frame": wire, "size": size, "queues": queues}
        for pmd in PMDS:
            rs = sel("hvbench", pmd)
            row[f"{pmd}_mpps"] = med([r.get("mpps") for r in rs if not r.get("failed")])
            row[f"{pmd}_cpp"] = med([r.get("cpp") for r in rs if not r.get("failed")])
            row[f"{pmd}_avg_burst"] = med([r.get("avg_burst") for r in rs if not r.get("failed")])
            row[f"{pmd}_notes"] = sorted({n for r in rs for n in r.get("notes", [])} |
                                         {r["error"] for r in rs if r.get("failed")})
        tp = sel("testpmd", "hvnet")
        row["testpmd_hvnet_cpp"] = med([r.get("cpp") for r in tp if not r.get("failed")])
        row["testpmd_hvnet_mpps"] = med([r.get("mpps") for r in tp if not r.get("failed")])
        row["testpmd_hvnet_notes"] = sorted({n for r in tp for n in r.get("notes", [])} |
                                            {r["error"] for r in tp if r.get("failed")})
        row["testpmd_bundled_cpp"] = TESTPMD_NA
        row["mpps_ratio"] = ratio(row["hvnet_mpps"], row["bundled_mpps"])
        row["cpp_ratio"] = ratio(row["hvnet_cpp"], row["bundled_cpp"])
        rows.append(row)
    return rows


def table(rows, testpmd_ran):
    head = ["mode", "frame", "queues", "bundled Mpps", "hvnet Mpps", "bundled cycles/pkt",
            "hvnet cycles/pkt", "testpmd hvnet cycles/pkt", "hvnet/bundled Mpps",
            "hvnet/bundled cycles/pkt", "testpmd bundled cycles/pkt"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * 8 + ["---"]) + "|"]
    for r in rows:
        cells = [r["mode"], f"{r['frame']} B", str(r["queues"]), fmt(r["bundled_mpps"], 3), fmt(r["hvnet_mpps"], 3),
                 fmt(r["bundled_cpp"], 0), fmt(r["hvnet_cpp"], 0),
                 fmt(r["testpmd_hvnet_cpp"], 0) if testpmd_ran else "skipped",
                 fmt(r["mpps_ratio"], 2), fmt(r["cpp_ratio"], 2), TESTPMD_NA]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def notes_text(runs):
    """One line per cell and kind of note, over the rounds."""
    out = []
    for mode, wire, size, queues in cells(MODES, SIZES, QUEUES):
        if True:
            for guest, pmd, who in (("hvbench", "bundled", "bundled"),
                                    ("hvbench", "hvnet", "hvnet"),
                                    ("testpmd", "hvnet", "testpmd hvnet")):
                rs = [r for r in runs if (r["guest"], r["pmd"], r["mode"], r["size"],
                                          r.get("queues", 1)) ==
                      (guest, pmd, mode, size, queues)]
                if not rs:
                    continue
                kinds = {}
                for r in rs:
                    if r.get("failed"):
                        kinds.setdefault("failed", []).append(r["error"])
                        continue
                    for n in r.get("notes", []):
                        if n.startswith("disturbed"):
                            kinds.setdefault("disturbed", []).append(n)
                            continue
                        m = re.match(r"(\d+) (of \d+ frames \(([0-9.]+%)\) )?(.*)", n)
                        if m:
                            key = m.group(4)
                            kinds.setdefault(key, []).append(m.group(3) or m.group(1))
                        else:
                            kinds.setdefault(n, []).append(None)
                where = f"- {mode} {wire} B, {queues} queue{'s' if queues > 1 else ''}, {who}:"
                for key, vals in kinds.items():
                    runs_txt = f"{len(vals)} of {len(rs)} run{'s' if len(rs) > 1 else ''}"
                    if key == "failed":
                        out.append(f"{where} failed in {runs_txt}: {vals[-1]}")
                    elif key == "disturbed":
                        out.append(f"{where} disturbed in {runs_txt} (see results.json)")
                    elif vals[0] is None:
                        out.append(f"{where} {key} ({runs_txt})")
                    else:
                        out.append(f"{where} {key} in {runs_txt}: {', '.join(vals)}")
    return out


def machine_info():
    info = {"cpus": os.cpu_count()}
    try:
        info["loadavg_at_end"] = open("/proc/loadavg").read().split()[:3]
        info["cpu_model"] = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                                  if l.startswith("model name")), "?")
    except OSError:
        pass
    return info


def descendants(pid):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for k in kids.get(p, []):
            if k not in out:
                out.add(k)
                todo.append(k)
    return out


def others_running(exclude=None):
    """hvsim or DPDK processes not started by us: they steal the 2 cores."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm in ("hvsim", "hvbench") or comm.startswith(("dpdk-", "guest_")):
            found.append((int(pid), comm))
    if found and exclude:
        mine = descendants(exclude) | {exclude}
        found = [(p, c) for p, c in found if p not in mine]
    return [f"{c}[{p}]" for p, c in found]


def counts_text(packets):
    return "frames per run: " + ", ".join(
        f"{m} {w} B {count_for(m, n, packets)}" for m in MODES for w, n in SIZES) + \
        " (the same with 2 queues)"


def wait_for_idle(limit):
    """Wait up to limit seconds for foreign DPDK/hvsim processes to end;
    returns those still running."""
    end = time.monotonic() + limit
    busy = others_running()
    said = False
    while busy and time.monotonic() < end:
        if not said:
            log(f"  (waiting up to {limit:.0f} s for {', '.join(busy)} to end)")
            said = True
        time.sleep(0.5)
        busy = others_running()
    return busy


def measure(env, guest, pmd, mode, size, n, wait_idle, retries, queues=1):
    """One cell of one round; a run disturbed by other processes is run
    again (up to `retries` times) and the least disturbed one is kept."""
    best, last_err = None, None
    for attempt in range(retries + 1):
        concurrent = wait_for_idle(wait_idle)
        try:
            if guest == "hvbench":
                r = run_hvbench(env, pmd, mode, size, n, queues)
            else:
                r = run_testpmd(env, mode, size, n, queues)
        except BenchError as e:
            last_err = str(e)
            if attempt < retries or best is not None:
                log(f"  ({guest} {pmd} {mode} {size} B {queues}q failed: {e}"
                    + ("; again)" if attempt < retries else ")"))
                continue
            return {"guest": guest, "pmd": pmd, "mode": mode, "size": size,
                    "queues": queues, "failed": True, "error": last_err}
        r["concurrent"] = concurrent
        r["attempt"] = attempt
        why = disturbance(r)
        r["disturbed"] = why
        score = max(r.get("guest_stolen") or 0, r.get("host_stolen") or 0) + \
            (0.5 if r.get("others_during") else 0) + (0.5 if r.get("steal_jiffies") else 0) + \
            0.5 * sum(1 for w in why if "calibration" in w)
        if best is None or score < best[0]:
            best = (score, r)
        if not why:
            break
        log(f"  ({guest} {pmd} {mode} {size} B {queues}q disturbed: {'; '.join(why)}"
            + ("; again)" if attempt < retries else ")"))
    if best is None:
        return {"guest": guest, "pmd": pmd, "mode": mode, "size": size,
                "queues": queues, "failed": True, "error": last_err}
    r = best[1]
    if r["disturbed"]:
        r["notes"] = r.get("notes", []) + ["disturbed: " + "; ".join(r["disturbed"])]
    return r


# ---- instructions per packet (callgrind) -----------------------------------------

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


def instructions(env, todo, packets):
    """Every cell once per PMD with the guest under callgrind, counting only
    hvbench's iteration(): the bursts and the application's own work on
    the packets, not start-up or the drain after the loop. A count does
    not depend on the other CPU, the hypervisor or the neighbours.

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
    log(f"hvnet bench --instructions: {packets} frames per run at {INSTR_RATE} frames/s "
        f"(txonly: as fast as the guest sends), guest under callgrind; logs in {env.logs}")
    for mode, wire, size, nq in todo:
        row = {"mode": mode, "frame": wire, "size": size, "queues": nq}
        for pmd in PMDS:
            if mode != "txonly" and (pmd, nq) not in empty:
                ir, b, _, _ = callgrind_run(env, vg, pmd, "rxonly", 60, 1, nq, "none", 3)
                empty[(pmd, nq)] = ir / max(b.get("idle_iters", 0), 1)
                log(f"  {pmd:7} one empty poll of {nq} queue(s): "
                    f"{empty[(pmd, nq)]:.1f} instructions")
            traffic = "none" if mode == "txonly" else \
                gen_traffic(size, packets, INSTR_DELAY_MS, nq, INSTR_RATE)
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
        row["ratio"] = ratio(row["hvnet_ipp"], row["bundled_ipp"])
        rows.append(row)
    head = ["mode", "frame", "queues", "bundled instr/pkt", "hvnet instr/pkt",
            "hvnet/bundled", "bundled avg burst", "hvnet avg burst"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 3 + ["---:"] * 5) + "|"]
    for r in rows:
        lines.append("| " + " | ".join([
            r["mode"], f"{r['frame']} B", str(r["queues"]), fmt(r["bundled_ipp"], 0),
            fmt(r["hvnet_ipp"], 0), fmt(r["ratio"], 2), fmt(r["bundled_avg_burst"], 1),
            fmt(r["hvnet_avg_burst"], 1)]) + " |")
    text = "\n".join(lines)
    notes = [f"- {r['mode']} {r['frame']} B {r['queues']}q, {pmd}: {n}"
             for r in rows for pmd in PMDS for n in r[f"{pmd}_notes"]]
    if notes:
        text += "\n\nNotes (from the runs):\n\n" + "\n".join(notes)
    with open(os.path.join(env.out, "instructions.md"), "w") as f:
        f.write("# hvnet bench --instructions\n\n" + text + "\n")
    with open(os.path.join(env.out, "instructions.json"), "w") as f:
        json.dump({"packets": packets, "rate": INSTR_RATE, "empty_poll": {
            f"{p} {q}q": v for (p, q), v in empty.items()}, "rows": rows}, f, indent=1)
    log("\n" + text)
    log(f"\nper-function profiles: callgrind_annotate --inclusive=yes FILE "
        f"(FILE: {env.logs}/callgrind-*.out); table in {env.out}/instructions.md")
    return 0


def main():
    ap = argparse.ArgumentParser(prog="hvnet bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--build", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--rounds", type=int, default=None, help="runs per cell, median (default 3)")
    ap.add_argument("--packets", type=int, default=None,
                    help="frames per rxonly/io 64 B run (default 2000000); rxonly/io 1518 B "
                    "runs use an eighth, txonly 64 B four times, txonly 1518 B half")
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
    ap.add_argument("--retries", type=int, default=None,
                    help="runs disturbed by other processes are run again up to this many "
                    "times, the least disturbed kept (default 2, 0 with --quick)")
    ap.add_argument("--wait-idle", type=float, default=None, metavar="S",
                    help="before each run, wait up to S seconds for other DPDK/hvsim "
                    "processes to end (default 30, 2 with --quick)")
    args = ap.parse_args()
    rounds = args.rounds or (1 if args.quick else 3)
    modes = [m for m in MODES if m in args.modes.split(",")]
    sizes = [(w, n) for w, n in SIZES if str(w) in args.sizes.split(",")]
    queues = [q for q in QUEUES if str(q) in args.queues.split(",")]
    if not modes or not sizes or len(modes) != len(args.modes.split(",")) or \
            len(sizes) != len(args.sizes.split(",")) or not queues or \
            len(queues) != len(args.queues.split(",")):
        ap.error("--modes takes rxonly,txonly,io, --sizes 64,1518 and --queues 1,2")
    todo = cells(modes, sizes, queues)
    if not todo:
        ap.error("no row left: the 2-queue rows are rxonly and io only")
    wait_idle = args.wait_idle if args.wait_idle is not None else (2 if args.quick else 30)
    retries = args.retries if args.retries is not None else (0 if args.quick else 2)
    packets = args.packets or (1000000 if args.quick else 2000000)
    if rounds < 1 or packets < 1000:
        ap.error("--rounds must be at least 1 and --packets at least 1000")

    env = Env(args)
    if args.instructions:
        return instructions(env, todo, args.instr_packets)
    # this driver and its watchers stay off the guest's forwarding CPU
    try:
        os.sched_setaffinity(0, {int(HOST_CPU)})
    except OSError:
        pass
    busy = others_running()
    if busy:
        log(f"hvnet bench: warning: other DPDK/hvsim processes are running ({', '.join(busy)}): "
            f"they share the 2 cores, numbers will be noisy")
    log(f"hvnet bench: {rounds} round(s), {counts_text(packets)}; hvsim host on CPU {HOST_CPU}, "
        f"guest forwarding lcore on CPU 1; logs in {env.logs}")
    t0 = time.monotonic()
    runs, failures, disturbed = [], 0, 0
    for rnd in range(rounds):
        for mode, wire, size, nq in todo:
            if True:
                n = count_for(mode, size, packets)
                order = PMDS if rnd % 2 == 0 else tuple(reversed(PMDS))
                jobs = [("hvbench", pmd) for pmd in order]
                if not args.no_testpmd:
                    jobs.append(("testpmd", "hvnet"))
                for guest, pmd in jobs:
                    r = measure(env, guest, pmd, mode, size, n, wait_idle, retries, nq)
                    r["round"] = rnd
                    runs.append(r)
                    if r.get("failed"):
                        failures += 1
                        if len(runs) == 1:      # nothing works: say it once
                            raise BenchError(r["error"])
                        log(f"hvnet bench: {r['error']}")
                        continue
                    if r.get("disturbed"):
                        disturbed += 1
                    mp = f"{r['mpps']:.3f} Mpps, " if r.get("mpps") is not None else ""
                    log(f"  round {rnd + 1}/{rounds} {guest:7} {pmd:7} {mode:6} {wire:4} B {nq}q: "
                        f"{mp}{r['cpp']:.0f} cycles/pkt"
                        + (f" [{'; '.join(r['notes'])}]" if r.get("notes") else ""))
    rows = summarize(runs)
    md = table(rows, not args.no_testpmd)
    notes = notes_text(runs)
    cmdline = "./hvnet bench" + (" --quick" if args.quick else "") + \
        (f" --rounds {args.rounds}" if args.rounds else "") + \
        (f" --packets {args.packets}" if args.packets else "") + \
        (" --no-testpmd" if args.no_testpmd else "") + \
        (f" --modes {args.modes}" if args.modes != ",".join(MODES) else "") + \
        (f" --sizes {args.sizes}" if args.sizes != "64,1518" else "") + \
        (f" --queues {args.queues}" if args.queues != "1,2" else "")
    minfo = machine_info()
    header = (f"`{cmdline}`: median of {rounds} round(s); {counts_text(packets)}; "
              f"rows with 1 and 2 queue pairs (2: {FLOWS_2Q} flows spread by RSS, "
              f"one forwarding lcore polls both queues); hvsim's host thread "
              f"on CPU {HOST_CPU}, the guest's forwarding lcore on CPU 1; "
              f"{minfo.get('cpus')} CPUs ({minfo.get('cpu_model', '?')}).")
    text = [header, "", md, ""]
    if notes:
        text += ["Notes (from the runs):", ""] + notes + [""]
    if disturbed:
        text += [f"{disturbed} of {len(runs)} runs were still disturbed after {retries} "
                 f"retr{'y' if retries == 1 else 'ies'} (other processes on the 2 CPUs, time "
                 "stolen by the hypervisor, a core or its memory running slow, or the two "
                 "vCPUs placed far apart; see results.json): their numbers are noisy. Run the benchmark on an otherwise idle "
                 "machine.", ""]
    text.append("Meaning of every column: app/bench/README.md.")
    os.makedirs(env.out, exist_ok=True)
    with open(os.path.join(env.out, "results.md"), "w") as f:
        f.write("# hvnet bench results\n\n" + "\n".join(text) + "\n")
    with open(os.path.join(env.out, "results.json"), "w") as f:
        json.dump({"command": cmdline, "rounds": rounds, "packets": packets,
                   "frames_per_run": {f"{m} {w}": count_for(m, n, packets)
                                      for m in MODES for w, n in SIZES}, "host_cpu": HOST_CPU,
                   "guest_lcores": GUEST_LCORES, "machine": minfo, "concurrent": busy,
                   "wall_s": round(time.monotonic() - t0, 1), "rows": rows, "runs": runs},
                  f, indent=1)
    log("")
    log("\n".join(text))
    log(f"\nhvnet bench: {len(runs)} runs in {time.monotonic() - t0:.0f} s; "
        f"results in {os.path.join(env.out, 'results.md')} and results.json")
    if failures:
        log(f"hvnet bench: {failures} run(s) failed (see above)")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"hvnet bench: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("hvnet bench: interrupted", file=sys.stderr)
        sys.exit(130)
