# SPDX-License-Identifier: BSD-3-Clause
"""What the A/B benchmark runs on (hvsim, hvbench, testpmd) and one cell of
one round: a run, retried while other processes disturbed it."""

import os
import shutil

from .env import HOST_CPU, NETVSC_DEVICE, BenchError, Build, NothingMeasured, log
from .hvbench import run_hvbench
from .steal import disturbance, disturbance_score, wait_for_idle
from .testpmd import run_testpmd


class BenchEnv(Build):
    """The build's artefacts plus the two guests; names every run's logs."""

    def __init__(self, args):
        self.hvbench = os.path.join(args.build, "app", "bench", "hvbench")
        super().__init__(args.build, files=[self.hvbench])
        self.root = args.root
        self.testpmd = shutil.which("dpdk-testpmd")
        if self.testpmd is None:
            raise BenchError("dpdk-testpmd not found (Debian package dpdk)")
        self.seq = 0
        self.devargs = getattr(args, "devargs", None)
        self.hvnet_devargs = getattr(args, "hvnet_devargs", None)
        self.hvsim_args = (getattr(args, "hvsim_args", None) or "").split()
        self.warmup = getattr(args, "warmup_used", 0)    # frames each run moves unmeasured

    def device_args(self, pmd="hvnet"):
        """EAL arguments naming hvsim's NIC with --devargs (both PMDs) and,
        for ours, --hvnet-devargs after them."""
        keys = [self.devargs] if self.devargs else []
        if pmd == "hvnet" and self.hvnet_devargs:
            keys.append(self.hvnet_devargs)
        return ["-a", ",".join([NETVSC_DEVICE] + keys)] if keys else []

    def next_tag(self, what):
        self.seq += 1
        return f"{self.seq:03d}-{what}"

    def hvsim_cmd(self, pmd, traffic, stats):
        cmd = ["taskset", "-c", HOST_CPU, self.hvsim, f"--netvsc={pmd}", "--strict",
               f"--traffic={traffic}", f"--stats-json={stats}", *self.hvsim_args]
        if pmd == "hvnet":     # for bundled, the guest must not see our bus
            cmd += [f"--plugin={p}" for p in self.plugins]
        return cmd


def failed(guest, pmd, mode, size, queues, error, setup=True):
    """setup: the run could not be made (False: it ran, and left nothing
    to measure)."""
    return {"guest": guest, "pmd": pmd, "mode": mode, "size": size,
            "queues": queues, "failed": True, "error": error, "setup_failed": setup}


def measure(env, guest, pmd, mode, size, n, wait_idle, retries, queues=1, run=None):
    """One cell of one round; a run disturbed by other processes is run
    again (up to `retries` times) and the least disturbed one is kept.
    run: a callable doing the run instead (the VF rows, benchlib/vf.py)."""
    best, last_err, setup = None, None, True
    for attempt in range(retries + 1):
        concurrent = wait_for_idle(wait_idle)
        try:
            if run is not None:
                r = run()
            elif guest == "hvbench":
                r = run_hvbench(env, pmd, mode, size, n, queues)
            else:
                r = run_testpmd(env, mode, size, n, queues, pmd)
        except BenchError as e:
            last_err, setup = str(e), not isinstance(e, NothingMeasured)
            if attempt < retries or best is not None:
                log(f"  ({guest} {pmd} {mode} {size} B {queues}q failed: {e}"
                    + ("; again)" if attempt < retries else ")"))
                continue
            return failed(guest, pmd, mode, size, queues, last_err, setup)
        r["concurrent"] = concurrent
        r["attempt"] = attempt
        why = disturbance(r)
        r["disturbed"] = why
        score = disturbance_score(r, why)
        if best is None or score < best[0]:
            best = (score, r)
        if not why:
            break
        log(f"  ({guest} {pmd} {mode} {size} B {queues}q disturbed: {'; '.join(why)}"
            + ("; again)" if attempt < retries else ")"))
    if best is None:
        return failed(guest, pmd, mode, size, queues, last_err, setup)
    r = best[1]
    if r["disturbed"]:
        r["notes"] = r.get("notes", []) + ["disturbed: " + "; ".join(r["disturbed"])]
    return r
