# SPDX-License-Identifier: BSD-3-Clause
"""Where the build put what a benchmark runs, and the CPU layout."""

import glob
import os
import shutil
import sys

# our plugins, by their place in the build tree
PLUGINS = (("drivers", "bus", "vmbus", "librte_bus_vmbus"),
           ("drivers", "net", "netvsc", "librte_net_netvsc"))

HOST_CPU = "0"                       # hvsim's host thread (and the guests' main lcore)
GUEST_LCORES = "0-1"                 # forwarding on lcore 1 = CPU 1
NETVSC_DEVICE = "f5bee5e0-0000-4000-8000-000000000100"   # hvsim's first NIC (hvsim/vmbus/nic.c)


class BenchError(Exception):
    pass


class NothingMeasured(BenchError):
    """A run that worked but left nothing to measure (the PMD dropped what
    the warm-up did not take): an outcome of the cell, not a broken setup."""


def log(msg, stream=None):
    print(msg, file=stream or sys.stdout, flush=True)


def plugin_paths(build):
    """The bus and PMD plugin files hvsim's --plugin takes, in load order:
    each librte_X.so.MAJOR.MINOR, the ABI of the DPDK the build used (23.0
    for 22.11, 24.0 for 23.11, ...: meson.build)."""
    paths = []
    for where in PLUGINS:
        found = sorted(f for f in glob.glob(os.path.join(build, *where[:-1], f"{where[-1]}.so.*.*[0-9]"))
                       if os.path.isfile(f))
        paths.append(found[0] if found else os.path.join(build, *where[:-1], f"{where[-1]}.so"))
    return paths


class Build:
    """The build's artefacts, checked to exist; the output directories."""

    def __init__(self, build, files=(), tools=()):
        self.build = build
        self.out = os.path.join(build, "bench")
        self.logs = os.path.join(self.out, "logs")
        self.hvsim = os.path.join(build, "hvsim", "hvsim")
        self.shim = os.path.join(build, "hvsim", "libhvsim_uio.so")
        self.plugins = plugin_paths(build)
        for f in [self.hvsim, self.shim] + self.plugins + list(files):
            self.need_file(f)
        for tool in tools:
            if shutil.which(tool) is None:
                raise BenchError(f"{tool} not found: ./hvnet setup installs it")
        os.makedirs(self.logs, exist_ok=True)

    def abi_major(self):
        """The ABI major of the DPDK the build used, from the PMD plugin's
        file name (librte_net_netvsc.so.24.0: 24, DPDK 23.11)."""
        tail = os.path.basename(self.plugins[1]).split(".so.")[-1]
        return int(tail.split(".")[0]) if tail.split(".")[0].isdigit() else None

    def testpmd_forwards_on_bundled(self):
        """testpmd forwards on the bundled PMD from DPDK 23.11 (ABI 24) on:
        from then it reports its queues started (doc/guides/hvsim.md)."""
        abi = self.abi_major()
        return abi is not None and abi >= 24

    @staticmethod
    def need_file(path):
        if not os.path.exists(path):
            raise BenchError(f"{path} is missing: build first (./hvnet setup)")

    def env(self):
        """The environment of an hvsim run: the shim it preloads."""
        return dict(os.environ, HVSIM_SHIM=self.shim)
