# SPDX-License-Identifier: BSD-3-Clause
"""One run of Debian's dpdk-testpmd --record-core-cycles on hvnet's PMD
under hvsim, driven through its interactive prompt."""

import os
import queue
import re
import subprocess
import threading
import time

from .cells import gen_traffic
from .env import GUEST_LCORES, BenchError
from .hvbench import IDLE_MS, probe
from .parse import gen_stats, last_line, load_stats, nic_stats, pct, port_counters
from .steal import Watch, schedstat, watch_fields

TESTPMD_GEN_DELAY_MS = 1000          # the prompt and "start" come after port start
TESTPMD_LIMIT_S = 60                 # a run's time limit


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


def run_testpmd(env, mode, size, packets, queues=1, pmd="hvnet"):
    tag = env.next_tag(f"testpmd-{pmd}-{mode}-{size}-q{queues}")
    stats_path = os.path.join(env.logs, tag + ".json")
    log_path = os.path.join(env.logs, tag + ".log")
    traffic = "none" if mode == "txonly" else gen_traffic(size, packets, TESTPMD_GEN_DELAY_MS,
                                                          queues)
    limit = TESTPMD_LIMIT_S
    cmd = ["timeout", "-s", "KILL", str(limit + 40)] + env.hvsim_cmd(pmd, traffic, stats_path) + [
        "--", "stdbuf", "-oL", env.testpmd, "-l", GUEST_LCORES, "-m", "256", "--no-pci", *env.device_args(pmd),
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
        r = testpmd_session(s, watch, fail, mode, size, packets, limit, stats_path, tag, t0,
                            pmd)
        r["queues"] = queues
        probes = [p for p in (probe0, probe(env)) if p]
        r["probe"] = max(probes) if probes else None
        return r
    except BenchError as e:
        s.finish(5)
        watch.done()
        raise BenchError(f"testpmd {pmd} {mode} {size} B: {e} (log: {log_path})")


def poll_until_done(s, fail, mode, packets, limit):
    """Poll the port counters until every frame is accounted for (or none
    moved for a while once traffic had started)."""
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
            return
        if started and now - last_change > IDLE_MS / 1000.0 + 0.3:
            return
    fail(f"not done after {limit} s")


def testpmd_session(s, watch, fail, mode, size, packets, limit, stats_path, tag, t0,
                    pmd="hvnet"):
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
    poll_until_done(s, fail, mode, packets, limit)
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
    r["notes"] = testpmd_notes(r, mode, gen)
    return r


def testpmd_notes(r, mode, gen):
    notes = []
    if r["violations"]:
        notes.append(f"{r['violations']} protocol violation(s)")
    if mode != "txonly" and gen and r["fwd_rx"] is not None and r["fwd_rx"] < gen["sent"]:
        lost = gen["sent"] - r["fwd_rx"]
        notes.append(f"{lost} of {gen['sent']} frames ({pct(lost, gen['sent'])}) "
                     f"dropped by the PMD on receive (testpmd's RX-dropped)")
    if mode == "io" and r["fwd_tx_dropped"]:
        notes.append(f"{r['fwd_tx_dropped']} received frames not taken by tx_burst "
                     f"(testpmd's TX-dropped)")
    return notes
