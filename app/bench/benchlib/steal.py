# SPDX-License-Identifier: BSD-3-Clause
"""Who else had the CPUs while a run measured: the scheduler's wait time of
hvsim's host thread and of the guest's forwarding lcore, time the
hypervisor stole, foreign DPDK/hvsim processes, and calibrations that ran
slower than the best seen. disturbance() turns that into reasons a run's
numbers are noisy."""

import os
import threading
import time

from .env import log

DISTURBED_GUEST = 0.02    # the forwarding thread waited for its CPU > 2% of the window
DISTURBED_HOST = 0.05     # hvsim's host thread did, > 5% of the run

CALIB_BEST = {}           # fastest calibration seen so far in this benchmark
SLOW_ALU = 1.25           # the core ran the ALU chain this much slower than the best
SLOW_MEM = 2.0            # memset this much slower
SLOW_PINGPONG = 2.0       # a cache-line round trip between the two CPUs this much slower

# processes that compete for the 2 CPUs: by name, or name prefix
FOREIGN_NAMES = ("hvsim", "hvbench")
FOREIGN_PREFIXES = ("dpdk-", "guest_")


# ---- /proc ------------------------------------------------------------------------

def parent_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if parent_of(d) == pid:
                    out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return out


def descendants(pid):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                kids.setdefault(parent_of(d), []).append(int(d))
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


# ---- foreign processes -------------------------------------------------------------

def others_running(exclude=None, names=()):
    """hvsim or DPDK processes (and any in `names`) not started by us: they
    steal the 2 cores. Returned as "comm[pid]"."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm in FOREIGN_NAMES + tuple(names) or comm.startswith(FOREIGN_PREFIXES):
            found.append((int(pid), comm))
    if found and exclude:
        mine = descendants(exclude) | {exclude}
        found = [(p, c) for p, c in found if p not in mine]
    return [f"{c}[{p}]" for p, c in found]


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


# ---- the watch over one run ----------------------------------------------------------

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


def watch_fields(watch):
    """What the watch saw, for a run record."""
    steal = {}
    if watch.steal0 and watch.steal1:
        steal = {c: watch.steal1.get(c, 0) - v for c, v in watch.steal0.items()}
    return {"others_during": sorted(watch.others),
            "steal_jiffies": {c: v for c, v in steal.items() if v}}


# ---- the verdict --------------------------------------------------------------------

def calib(v):
    """hvbench's 'before,after' calibration: the slower of the two."""
    try:
        return max(float(x) for x in str(v).split(","))
    except ValueError:
        return None


def disturbance(r):
    """Why run record r's numbers are noisy (empty: they are not)."""
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


def disturbance_score(r, why):
    """Lower is cleaner: how a retried cell picks the run it keeps."""
    return max(r.get("guest_stolen") or 0, r.get("host_stolen") or 0) + \
        (0.5 if r.get("others_during") else 0) + (0.5 if r.get("steal_jiffies") else 0) + \
        0.5 * sum(1 for w in why if "calibration" in w)
