#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 hvnet authors
"""tools/vmbus-devbind against VMBus trees built by hvsim's tree builder
(tests/tools/vmbus_tree.c), with fake ip, ss, modprobe and driverctl on PATH.

A fake tree cannot bind, so the test plays the kernel: the drivers' bind,
unbind and new_id files and the devices' driver_override are regular files
watched with inotify. inotify queues the closes of every watched file in
the order they happened, so the log below is the exact order of the
tool's writes; on each one the fake kernel moves the `driver` link as
Linux does, and the tool's own check of that link then passes.

env: VMBUS_DEVBIND (the tool), VMBUS_TREE (the builder). TAP, one line per check.
"""

import ctypes
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading

TOOL = os.environ["VMBUS_DEVBIND"]
TREE = os.environ["VMBUS_TREE"]

NIC = "f8615163-df3e-46c5-913f-f2d2f965ed0e"
SCSI = "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f"
HEARTBEAT = "57164f39-9115-4e78-ab55-382f3bd5422d"
ETH0 = "6045bd7c-0a1b-4c2d-8e3f-000000000001"     # default route, a VF
ETH1 = "6045bd7c-0a1b-4c2d-8e3f-000000000002"     # free to bind
ETH2 = "6045bd7c-0a1b-4c2d-8e3f-000000000003"     # sshd's connection (ss)
ETH3 = "6045bd7c-0a1b-4c2d-8e3f-000000000004"     # SSH_CONNECTION of an ancestor
UIO = "6045bd7c-0a1b-4c2d-8e3f-000000000005"      # on uio_hv_generic, 2 subchannels
DISK = "6045bd7c-0a1b-4c2d-8e3f-000000000006"
HB = "6045bd7c-0a1b-4c2d-8e3f-000000000007"
MAC = {ETH0: "00:0d:3a:00:00:01", ETH1: "00:0d:3a:00:00:02", ETH2: "00:0d:3a:00:00:03",
       ETH3: "00:0d:3a:00:00:04"}
IFNAME = {ETH0: "eth0", ETH1: "eth1", ETH2: "eth2", ETH3: "eth3"}

IP_ADDR = [
    {"ifname": "lo", "address": "00:00:00:00:00:00",
     "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8}]},
    {"ifname": "eth0", "address": MAC[ETH0],
     "addr_info": [{"family": "inet", "local": "10.0.0.4", "prefixlen": 24},
                   {"family": "inet6", "local": "fe80::20d:3aff:fe00:1", "prefixlen": 64}]},
    {"ifname": "enP1s1", "address": MAC[ETH0], "master": "eth0", "addr_info": []},
    {"ifname": "eth1", "address": MAC[ETH1],
     "addr_info": [{"family": "inet", "local": "10.1.0.4", "prefixlen": 24}]},
    {"ifname": "eth2", "address": MAC[ETH2],
     "addr_info": [{"family": "inet", "local": "10.2.0.4", "prefixlen": 24}]},
    {"ifname": "eth3", "address": MAC[ETH3],
     "addr_info": [{"family": "inet", "local": "10.3.0.4", "prefixlen": 24}]},
]
ROUTE4 = [{"dst": "default", "gateway": "10.0.0.1", "dev": "eth0", "flags": []}]
SS = ('ESTAB 0 0 10.2.0.4:22 198.51.100.7:40000 users:(("sshd",pid=900,fd=4))\n'
      'ESTAB 0 0 10.1.0.4:443 198.51.100.8:40001 users:(("nginx",pid=901,fd=9))\n'
      'TIME-WAIT 0 0 10.3.0.4:22 198.51.100.9:40002\n')

IN_CLOSE_WRITE = 0x8
libc = ctypes.CDLL(None, use_errno=True)

n = 0
failures = 0


def check(title, cond, detail=""):
    global n, failures
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, title))
    if not cond:
        failures += 1
        for line in str(detail).splitlines()[:40]:
            print("# " + line)


def expect_eq(title, got, want):
    check(title, got == want, "got:\n%s\nwant:\n%s" % (got, want))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def symlink(target, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(target, path)


# ---- the world the tool sees -----------------------------------------------------

class World:
    """A sysfs tree (hvsim's builder plus net, PCI and other classes), a
    /proc with an ancestor logged in by SSH, and fakes on PATH."""

    def __init__(self, override=True, driverctl=True, modprobe_ok=True):
        self.dir = tempfile.mkdtemp(prefix="devbind-")
        self.sys = os.path.join(self.dir, "sys")
        self.bus = os.path.join(self.sys, "bus")
        self.log = os.path.join(self.dir, "commands.log")
        self.build_vmbus()
        self.build_net()
        self.build_attr_files(override)
        self.build_proc()
        self.build_fakes(driverctl, modprobe_ok)

    def dev(self, uuid, *rest):
        return os.path.join(self.bus, "vmbus/devices", uuid, *rest)

    def drv(self, driver, *rest):
        return os.path.join(self.bus, "vmbus/drivers", driver, *rest)

    def build_vmbus(self):
        cmds = "".join("device %s %s %d 0 0 0\n" % (u, NIC, 14 + i)
                       for i, u in enumerate((ETH0, ETH1, ETH2, ETH3)))
        cmds += "device %s %s 29 1 1 0\n" % (UIO, NIC)
        cmds += "subchannel %s 30 1\nsubchannel %s 31 2\n" % (UIO, UIO)
        cmds += "device %s %s 2 0 0 0\n" % (DISK, SCSI)
        cmds += "device %s %s 5 -1 0 0\n" % (HB, HEARTBEAT)
        p = subprocess.run([TREE, self.bus, os.path.join(self.dir, "uio")], input=cmds,
                           text=True, capture_output=True)
        assert p.returncode == 0, p.stderr
        write(self.dev(UIO, "channel_vp_mapping"), "29:0\n30:1\n31:0\n")
        for uuid, driver in ((DISK, "hv_storvsc"), (HB, "hv_utils")):
            os.unlink(self.dev(uuid, "driver"))
            os.symlink("/sys/bus/vmbus/drivers/" + driver, self.dev(uuid, "driver"))
            os.makedirs(self.drv(driver), exist_ok=True)

    def build_net(self):
        """net/<if> of each synthetic NIC, and ETH0's VF: a PCI netdev."""
        for uuid, ifname in IFNAME.items():
            write(self.dev(uuid, "net", ifname, "address"), MAC[uuid] + "\n")
            symlink("../../bus/vmbus/devices/%s/net/%s" % (uuid, ifname),
                    os.path.join(self.sys, "class/net", ifname))
        pci = os.path.join(self.sys, "devices/pci0001:00/0001:00:02.0")
        write(os.path.join(pci, "net/enP1s1/address"), MAC[ETH0] + "\n")
        os.makedirs(os.path.join(self.sys, "bus/pci/drivers/mlx5_core"))
        symlink("../../../bus/pci", os.path.join(pci, "subsystem"))
        symlink("../../../bus/pci/drivers/mlx5_core", os.path.join(pci, "driver"))
        symlink("../../../0001:00:02.0", os.path.join(pci, "net/enP1s1/device"))
        symlink("../../devices/pci0001:00/0001:00:02.0/net/enP1s1",
                os.path.join(self.sys, "class/net/enP1s1"))

    def build_attr_files(self, override):
        self.watched = []
        for driver in ("uio_hv_generic", "hv_netvsc"):
            for attr in ("bind", "unbind") + (("new_id",) if driver == "uio_hv_generic" else ()):
                write(self.drv(driver, attr), "")
                self.watched.append(self.drv(driver, attr))
        if override:
            for uuid in (ETH0, ETH1, ETH2, ETH3, UIO):
                write(self.dev(uuid, "driver_override"), "(null)\n")
                self.watched.append(self.dev(uuid, "driver_override"))

    def build_proc(self):
        self.proc = os.path.join(self.dir, "proc")
        write(os.path.join(self.proc, "self/environ"), "HOME=/root\0TERM=xterm\0")
        write(os.path.join(self.proc, "self/status"), "Name:\tvmbus-devbind\nPPid:\t4242\n")
        write(os.path.join(self.proc, "4242/environ"),
              "SSH_CONNECTION=203.0.113.9 50000 10.3.0.4 22\0USER=root\0")
        write(os.path.join(self.proc, "4242/status"), "Name:\tbash\nPPid:\t1\n")
        write(os.path.join(self.proc, "1/status"), "Name:\tsystemd\nPPid:\t0\n")

    def build_fakes(self, driverctl, modprobe_ok):
        self.bin = os.path.join(self.dir, "bin")
        data = os.path.join(self.dir, "data")
        write(os.path.join(data, "addr.json"), json.dumps(IP_ADDR))
        write(os.path.join(data, "route4.json"), json.dumps(ROUTE4))
        write(os.path.join(data, "route6.json"), "[]")
        write(os.path.join(data, "ss.txt"), SS)
        self.fake("ip", 'case "$*" in\n'
                  '"-j addr") exec /bin/cat %s/addr.json;;\n'
                  '"-j -4 route show default") exec /bin/cat %s/route4.json;;\n'
                  '"-j -6 route show default") exec /bin/cat %s/route6.json;;\n'
                  'esac\nexit 1\n' % (data, data, data))
        self.fake("ss", '[ "$*" = "-tnpH" ] && exec /bin/cat %s/ss.txt\nexit 1\n' % data)
        self.fake("modprobe", 'echo "modprobe $*" >>%s\n%s\n' % (
            self.log, "exit 0" if modprobe_ok
            else 'echo "modprobe: FATAL: Module $1 not found." >&2; exit 1'))
        if driverctl:
            # driverctl rebinds itself: the fake moves the link as it would
            self.fake("driverctl", 'echo "driverctl $*" >>%s\n'
                      '/bin/rm -f %s/vmbus/devices/$4/driver\n'
                      '/bin/ln -s /sys/bus/vmbus/drivers/$5 %s/vmbus/devices/$4/driver\n'
                      % (self.log, self.bus, self.bus))

    def fake(self, name, body):
        write(os.path.join(self.bin, name), "#!/bin/sh\n" + body)
        os.chmod(os.path.join(self.bin, name), 0o755)

    def env(self):
        return {"PATH": self.bin, "VMBUS_DEVBIND_SYSFS": self.sys,
                "VMBUS_DEVBIND_PROC": self.proc, "LANG": "C.UTF-8"}

    def commands(self):
        try:
            with open(self.log) as f:
                return f.read().splitlines()
        except OSError:
            return []

    def driver_of(self, uuid):
        try:
            return os.path.basename(os.readlink(self.dev(uuid, "driver")))
        except OSError:
            return None

    def rel(self, path):
        return os.path.relpath(path, self.sys)

    def close(self):
        shutil.rmtree(self.dir)


class FakeKernel:
    """Records every write to the watched attribute files, in order, and
    moves `driver` links like the kernel (unless binds are ignored)."""

    def __init__(self, world, binds=True):
        self.world, self.binds, self.writes = world, binds, []
        self.fd = libc.inotify_init1(os.O_CLOEXEC)
        assert self.fd >= 0
        self.wd = {}
        self.stop_file = os.path.join(world.dir, "stop")
        write(self.stop_file, "")
        for path in world.watched + [self.stop_file]:
            wd = libc.inotify_add_watch(self.fd, path.encode(), IN_CLOSE_WRITE)
            assert wd >= 0
            self.wd[wd] = path
        self.thread = threading.Thread(target=self.loop)
        self.thread.start()

    def loop(self):
        while True:
            buf = os.read(self.fd, 65536)
            off = 0
            while off < len(buf):
                wd, _, _, length = struct.unpack_from("iIII", buf, off)
                off += 16 + length
                if self.wd[wd] == self.stop_file:
                    return
                self.on_write(self.wd[wd])

    def on_write(self, path):
        with open(path) as f:
            value = f.read()
        os.truncate(path, 0)    # no close of a writer: no event of its own
        self.writes.append((self.world.rel(path), value))
        attr, owner = os.path.basename(path), os.path.basename(os.path.dirname(path))
        uuid = value.strip()
        # the interface (net/) goes with hv_netvsc and comes back with it
        if attr == "unbind":
            os.unlink(self.world.dev(uuid, "driver"))
            if os.path.isdir(self.world.dev(uuid, "net")):
                os.rename(self.world.dev(uuid, "net"), self.world.dev(uuid, ".net"))
        elif attr == "bind" and self.binds:
            os.symlink("/sys/bus/vmbus/drivers/" + owner, self.world.dev(uuid, "driver"))
            if owner == "hv_netvsc" and os.path.isdir(self.world.dev(uuid, ".net")):
                os.rename(self.world.dev(uuid, ".net"), self.world.dev(uuid, "net"))

    def finish(self):
        """All writes of a finished tool are queued before this one."""
        with open(self.stop_file, "w") as f:
            f.write("stop")
        self.thread.join(30)
        os.close(self.fd)
        return self.writes


def run(world, *args, env=None):
    p = subprocess.run([TOOL] + list(args), capture_output=True, text=True,
                       env=env or world.env(), timeout=60)
    return p.returncode, p.stdout, p.stderr


def run_with_kernel(world, *args, binds=True):
    kernel = FakeKernel(world, binds)
    try:
        rc, out, err = run(world, *args)
    finally:
        writes = kernel.finish()
    return rc, out, err, writes


# ---- --status ----------------------------------------------------------------

def nic_json(uuid, relid, addresses, route=False, ssh=False, why=(), vf=None):
    return {"uuid": uuid, "class_id": NIC, "class": "network", "driver": "hv_netvsc",
            "driver_override": None, "relid": relid,
            "channels": [{"relid": relid, "cpu": None}], "numa_node": 0, "uio": None,
            "net": {"interface": IFNAME[uuid], "mac": MAC[uuid], "addresses": addresses,
                    "default_route": route, "ssh": ssh, "why": list(why), "vf": vf}}


def expected_json():
    eth0_vf = {"interface": "enP1s1", "pci": "0001:00:02.0", "driver": "mlx5_core"}
    return [
        nic_json(ETH0, 14, ["10.0.0.4/24", "fe80::20d:3aff:fe00:1/64"], route=True,
                 why=["the default route is on eth0"], vf=eth0_vf),
        nic_json(ETH1, 15, ["10.1.0.4/24"]),
        nic_json(ETH2, 16, ["10.2.0.4/24"], ssh=True,
                 why=["an SSH session (from 198.51.100.7) uses 10.2.0.4 on eth2"]),
        nic_json(ETH3, 17, ["10.3.0.4/24"], ssh=True,
                 why=["an SSH session (SSH_CONNECTION of pid 4242) uses 10.3.0.4 on eth3"]),
        {"uuid": UIO, "class_id": NIC, "class": "network", "driver": "uio_hv_generic",
         "driver_override": None, "relid": 29,
         "channels": [{"relid": 29, "cpu": 0}, {"relid": 30, "cpu": 1},
                      {"relid": 31, "cpu": 0}],
         "numa_node": 1, "uio": "uio0",
         "net": {"interface": None, "mac": None, "addresses": [], "default_route": False,
                 "ssh": False, "why": [], "vf": None}},
        {"uuid": DISK, "class_id": SCSI, "class": "SCSI", "driver": "hv_storvsc",
         "driver_override": None, "relid": 2, "channels": [{"relid": 2, "cpu": None}],
         "numa_node": 0, "uio": None, "net": None},
        {"uuid": HB, "class_id": HEARTBEAT, "class": "heartbeat", "driver": "hv_utils",
         "driver_override": None, "relid": 5, "channels": [{"relid": 5, "cpu": None}],
         "numa_node": None, "uio": None, "net": None},
    ]


def test_status_json():
    w = World()
    rc, out, err = run(w, "--status", "--json")
    check("--status --json exits 0", rc == 0, err)
    try:
        got = json.loads(out)
    except ValueError:
        got = out
    want = expected_json()
    for g, e in zip(got if isinstance(got, list) else [], want):
        expect_eq("--json: %s (%s) exact fields" % (e["uuid"], e["class"]), g, e)
    expect_eq("--json: one object per device", len(got), len(want))
    w.close()


def test_status_text():
    w = World()
    rc, out, err = run(w, "--status")
    want = [
        "Network devices (%s/bus/vmbus/devices):" % w.sys,
        "  %s network          drv=hv_netvsc numa=0 relids=14 if=eth0 mac=00:0d:3a:00:00:01 "
        "addr=10.0.0.4/24,fe80::20d:3aff:fe00:1/64 vf=enP1s1(0001:00:02.0 mlx5_core) "
        "*default route*" % ETH0,
        "  %s network          drv=hv_netvsc numa=0 relids=15 if=eth1 mac=00:0d:3a:00:00:02 "
        "addr=10.1.0.4/24" % ETH1,
        "  %s network          drv=hv_netvsc numa=0 relids=16 if=eth2 mac=00:0d:3a:00:00:03 "
        "addr=10.2.0.4/24 *ssh*" % ETH2,
        "  %s network          drv=hv_netvsc numa=0 relids=17 if=eth3 mac=00:0d:3a:00:00:04 "
        "addr=10.3.0.4/24 *ssh*" % ETH3,
        "  %s network          drv=uio_hv_generic numa=1 relids=29,30,31 uio0" % UIO,
        "Other VMBus devices:",
        "  %s SCSI             drv=hv_storvsc numa=0 relids=2" % DISK,
        "  %s heartbeat        drv=hv_utils numa=- relids=5" % HB,
    ]
    check("--status exits 0", rc == 0, err)
    expect_eq("--status: one exact line per device, grouped", out.splitlines(), want)
    w.close()


def test_status_in_namespace():
    """At the real paths: the tree over /sys/bus, /sys/class/net and
    /sys/devices in a private mount namespace, no --sysfs-root."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        print("ok %d # SKIP needs root and unshare" % (n + 1))
        globals()["n"] += 1
        return
    w = World()
    env = dict(w.env())
    del env["VMBUS_DEVBIND_SYSFS"]
    script = ('for d in bus class/net devices; do mount --bind "$1/$d" "/sys/$d" || exit 1; done; '
              'PATH="$2" exec "$3" --status --json')
    p = subprocess.run(["unshare", "-m", "/bin/sh", "-c", script, "sh", w.sys, w.bin, TOOL],
                       capture_output=True, text=True, env=dict(env, PATH="/usr/bin:/bin"),
                       timeout=60)
    try:
        got = json.loads(p.stdout)
    except ValueError:
        got = p.stdout + p.stderr
    expect_eq("private namespace at /sys: the same JSON as with --sysfs-root",
              got, expected_json())
    w.close()


# ---- choosing devices and refusing ----------------------------------------------------

def test_dev_forms():
    w = World()
    want = ["write %s/bus/vmbus/devices/%s/driver_override uio_hv_generic" % (w.sys, ETH1),
            "write %s/bus/vmbus/drivers/hv_netvsc/unbind %s" % (w.sys, ETH1),
            "write %s/bus/vmbus/drivers/uio_hv_generic/bind %s" % (w.sys, ETH1)]
    for form, dev in (("uuid", ETH1), ("{UUID} in capitals", "{%s}" % ETH1.upper()),
                      ("interface name", "eth1"), ("MAC", "00:0D:3A:00:00:02")):
        rc, out, err = run(w, "--dry-run", "--bind", "uio_hv_generic", dev)
        expect_eq("DEV as %s: the dry run names %s" % (form, ETH1), (rc, out.splitlines()),
                  (0, want))
    rc, out, err = run(w, "--dry-run", "--bind", "uio_hv_generic", "eth9")
    expect_eq("unknown DEV: one error line, exit 1", (rc, out, err),
              (1, "", "error: eth9: no VMBus device has this uuid, interface name or MAC\n"))
    w.close()


def test_refusals():
    w = World()
    kernel = FakeKernel(w)
    cases = [
        ("eth0", "default route",
         "refused: %s (eth0) carries this machine's connection (the default route is on "
         "eth0): binding it away cuts it off. Add --force to do it anyway.\n" % ETH0),
        (MAC[ETH0], "default route (by MAC, not the VF's)",
         "refused: %s (eth0) carries this machine's connection (the default route is on "
         "eth0): binding it away cuts it off. Add --force to do it anyway.\n" % ETH0),
        ("eth2", "sshd's connection",
         "refused: %s (eth2) carries this machine's connection (an SSH session (from "
         "198.51.100.7) uses 10.2.0.4 on eth2): binding it away cuts it off. "
         "Add --force to do it anyway.\n" % ETH2),
        (ETH3, "an ancestor's SSH_CONNECTION",
         "refused: %s (eth3) carries this machine's connection (an SSH session "
         "(SSH_CONNECTION of pid 4242) uses 10.3.0.4 on eth3): binding it away cuts it off. "
         "Add --force to do it anyway.\n" % ETH3),
        (DISK, "a SCSI controller",
         "refused: %s is a SCSI device, not a network one: this tool binds NICs. "
         "Add --force to do it anyway.\n" % DISK),
    ]
    for dev, why, line in cases:
        rc, out, err = run(w, "--bind", "uio_hv_generic", dev)
        expect_eq("refused: %s, one line, exit 1" % why, (rc, out, err), (1, "", line))
    rc, out, err = run(w, "--unbind", "eth1", "eth0")
    check("--unbind of eth1 and eth0: refused as a whole", rc == 1 and out == "" and
          err.startswith("refused: %s (eth0)" % ETH0), out + err)
    expect_eq("refusals wrote nothing", kernel.finish(), [])
    expect_eq("refusals changed no driver", [w.driver_of(u) for u in (ETH0, ETH1, ETH2, ETH3)],
              ["hv_netvsc"] * 4)
    rc, out, err = run(w, "--dry-run", "--force", "--bind", "uio_hv_generic", "eth0")
    expect_eq("--force: eth0's writes are planned",
              (rc, out.splitlines()),
              (0, ["write %s/bus/vmbus/devices/%s/driver_override uio_hv_generic" % (w.sys, ETH0),
                   "write %s/bus/vmbus/drivers/hv_netvsc/unbind %s" % (w.sys, ETH0),
                   "write %s/bus/vmbus/drivers/uio_hv_generic/bind %s" % (w.sys, ETH0)]))
    w.close()


# ---- the writes ------------------------------------------------------------------------

def test_bind_with_override():
    w = World()
    rc, out, err, writes = run_with_kernel(w, "--bind", "uio_hv_generic", "eth1")
    expect_eq("bind eth1 (driver_override): writes in order", writes, [
        ("bus/vmbus/devices/%s/driver_override" % ETH1, "uio_hv_generic\n"),
        ("bus/vmbus/drivers/hv_netvsc/unbind", ETH1 + "\n"),
        ("bus/vmbus/drivers/uio_hv_generic/bind", ETH1 + "\n")])
    expect_eq("bind eth1: one line, exit 0", (rc, out, err),
              (0, "%s (eth1, %s): bound to uio_hv_generic (was hv_netvsc)\n" % (ETH1, MAC[ETH1]),
               ""))
    expect_eq("bind eth1: no modprobe (driver present), no new_id", w.commands(), [])
    rc, out, err, writes = run_with_kernel(w, "--bind", "uio_hv_generic", ETH1)
    expect_eq("bind again: nothing written, says so",
              (rc, out, writes), (0, "%s: already bound to uio_hv_generic\n" % ETH1, []))
    rc, out, err, writes = run_with_kernel(w, "--bind", "hv_netvsc", ETH1, UIO)
    expect_eq("back to hv_netvsc (two devices): writes in order", writes, [
        ("bus/vmbus/devices/%s/driver_override" % ETH1, "hv_netvsc\n"),
        ("bus/vmbus/drivers/uio_hv_generic/unbind", ETH1 + "\n"),
        ("bus/vmbus/drivers/hv_netvsc/bind", ETH1 + "\n"),
        ("bus/vmbus/devices/%s/driver_override" % UIO, "hv_netvsc\n"),
        ("bus/vmbus/drivers/uio_hv_generic/unbind", UIO + "\n"),
        ("bus/vmbus/drivers/hv_netvsc/bind", UIO + "\n")])
    expect_eq("back to hv_netvsc: one line per device", (rc, out.splitlines()), (0, [
        "%s: bound to hv_netvsc (was uio_hv_generic)" % ETH1,
        "%s: bound to hv_netvsc (was uio_hv_generic)" % UIO]))
    w.close()


def test_bind_legacy_new_id():
    """No driver_override (Linux < 4.18): new_id once, then unbind, bind."""
    w = World(override=False)
    rc, out, err, writes = run_with_kernel(w, "--force", "--bind", "uio_hv_generic",
                                           "eth1", "eth2")
    expect_eq("new_id once, then unbind and bind per device, in order", writes, [
        ("bus/vmbus/drivers/uio_hv_generic/new_id", NIC + "\n"),
        ("bus/vmbus/drivers/hv_netvsc/unbind", ETH1 + "\n"),
        ("bus/vmbus/drivers/uio_hv_generic/bind", ETH1 + "\n"),
        ("bus/vmbus/drivers/hv_netvsc/unbind", ETH2 + "\n"),
        ("bus/vmbus/drivers/uio_hv_generic/bind", ETH2 + "\n")])
    expect_eq("legacy bind: one line per device", (rc, out.splitlines()), (0, [
        "%s (eth1, %s): bound to uio_hv_generic (was hv_netvsc)" % (ETH1, MAC[ETH1]),
        "%s (eth2, %s): bound to uio_hv_generic (was hv_netvsc)" % (ETH2, MAC[ETH2])]))
    w.close()


def test_unbind_and_failed_bind():
    w = World()
    rc, out, err, writes = run_with_kernel(w, "--unbind", "eth1")
    expect_eq("--unbind eth1: one write", writes,
              [("bus/vmbus/drivers/hv_netvsc/unbind", ETH1 + "\n")])
    expect_eq("--unbind eth1: one line, no driver left", (rc, out, w.driver_of(ETH1)),
              (0, "%s (eth1, %s): unbound (was hv_netvsc)\n" % (ETH1, MAC[ETH1]), None))
    # a kernel that takes the bind write but binds nothing
    rc, out, err, writes = run_with_kernel(w, "--bind", "uio_hv_generic", ETH1, binds=False)
    expect_eq("a bind that does not take: one error line, exit 1", (rc, out, err), (
        1, "", "error: %s: bind to uio_hv_generic did not take: its driver is none\n" % ETH1))
    w.close()


def test_dry_run_with_modprobe():
    w = World(override=False)
    shutil.rmtree(w.drv("uio_hv_generic"))
    rc, out, err = run(w, "--dry-run", "--bind", "uio_hv_generic", "eth1")
    expect_eq("dry run without the driver: modprobe, new_id, unbind, bind", (rc, out.splitlines()),
              (0, ["run modprobe uio_hv_generic",
                   "write %s/bus/vmbus/drivers/uio_hv_generic/new_id %s" % (w.sys, NIC),
                   "write %s/bus/vmbus/drivers/hv_netvsc/unbind %s" % (w.sys, ETH1),
                   "write %s/bus/vmbus/drivers/uio_hv_generic/bind %s" % (w.sys, ETH1)]))
    expect_eq("dry run: ran nothing, changed nothing", (w.commands(), w.driver_of(ETH1)),
              ([], "hv_netvsc"))
    w.close()
    w = World(modprobe_ok=False)
    shutil.rmtree(w.drv("uio_hv_generic"))
    rc, out, err = run(w, "--bind", "uio_hv_generic", "eth1")
    expect_eq("modprobe fails: one error line, nothing bound",
              (rc, out, err, w.commands(), w.driver_of(ETH1)),
              (1, "", "error: modprobe uio_hv_generic failed (1): modprobe: FATAL: Module "
               "uio_hv_generic not found.\n", ["modprobe uio_hv_generic"], "hv_netvsc"))
    w.close()


def test_without_ip():
    """No ip (or one without -j): the tool cannot see routes or sessions,
    so it says so and refuses to move any NIC away without --force."""
    w = World()
    w.fake("ip", "exit 1\n")
    rc, out, err = run(w, "--status", "--json")
    eth1 = json.loads(out)[1]["net"] if rc == 0 else None
    expect_eq("without ip: default_route and ssh are null, why says so", eth1, {
        "interface": "eth1", "mac": MAC[ETH1], "addresses": [], "default_route": None,
        "ssh": None, "vf": None,
        "why": ["'ip -j addr' failed: cannot tell which NIC carries the default route "
                "or an SSH session"]})
    rc, out, err = run(w, "--status")
    check("without ip: --status marks it", rc == 0 and "  %s network          drv=hv_netvsc "
          "numa=0 relids=15 if=eth1 mac=00:0d:3a:00:00:02 *route and ssh unknown*" % ETH1
          in out.splitlines(), out + err)
    rc, out, err = run(w, "--dry-run", "--bind", "uio_hv_generic", "eth1")
    expect_eq("without ip: binding eth1 away is refused", (rc, out, err), (1, "", (
        "refused: %s (eth1) carries this machine's connection ('ip -j addr' failed: cannot "
        "tell which NIC carries the default route or an SSH session): binding it away cuts "
        "it off. Add --force to do it anyway.\n" % ETH1)))
    rc, out, err = run(w, "--dry-run", "--bind", "hv_netvsc", UIO)
    check("without ip: giving a NIC back to hv_netvsc is not refused", rc == 0, out + err)
    w.close()


def test_same_device_twice():
    w = World()
    rc, out, err, writes = run_with_kernel(w, "--unbind", "eth1", ETH1, MAC[ETH1])
    expect_eq("one device named three ways: unbound once", (rc, writes, out.count("\n")),
              (0, [("bus/vmbus/drivers/hv_netvsc/unbind", ETH1 + "\n")], 1))
    w.close()


def test_persist():
    w = World()
    rc, out, err, writes = run_with_kernel(w, "--persist", "--bind", "uio_hv_generic", "eth1")
    expect_eq("--persist: driverctl set-override, no sysfs write of ours",
              (w.commands(), writes),
              (["driverctl -b vmbus set-override %s uio_hv_generic" % ETH1], []))
    expect_eq("--persist: verified, one line", (rc, out),
              (0, "%s (eth1, %s): bound to uio_hv_generic (was hv_netvsc)\n" % (ETH1, MAC[ETH1])))
    rc, out, err = run(w, "--persist", "--bind", "uio_hv_generic", ETH1)
    expect_eq("--persist on a device already bound: driverctl all the same (to keep it)",
              (rc, w.commands()[1:]),
              (0, ["driverctl -b vmbus set-override %s uio_hv_generic" % ETH1]))
    rc, out, err = run(w, "--dry-run", "--persist", "--bind", "hv_netvsc", ETH1)
    expect_eq("--persist --dry-run prints the driverctl command", (rc, out),
              (0, "run driverctl -b vmbus set-override %s hv_netvsc\n" % ETH1))
    w.close()
    w = World(driverctl=False)
    rc, out, err = run(w, "--persist", "--bind", "uio_hv_generic", "eth1")
    expect_eq("--persist without driverctl: says so, binds nothing",
              (rc, out, err, w.driver_of(ETH1)),
              (1, "", "error: --persist needs driverctl, which is not installed "
               "(apt install driverctl); or drop --persist\n", "hv_netvsc"))
    w.close()


def test_new_id_eexist_tolerated():
    """A second new_id of the same class fails with EEXIST in the kernel:
    the tool goes on (checked on its Writer: a file cannot fail so)."""
    import importlib.machinery
    import importlib.util
    import errno
    sys.dont_write_bytecode = True      # no __pycache__ in the source tree
    loader = importlib.machinery.SourceFileLoader("vmbus_devbind", TOOL)
    spec = importlib.util.spec_from_loader("vmbus_devbind", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    real_write = mod.os.write

    def eexist(fd, data):
        raise OSError(errno.EEXIST, os.strerror(errno.EEXIST))
    with tempfile.NamedTemporaryFile() as f:
        mod.os.write = eexist
        try:
            mod.Writer(False).write(f.name, NIC, tolerate=(errno.EEXIST,))
            tolerated = True
        except mod.Fail:
            tolerated = False
        try:
            mod.Writer(False).write(f.name, ETH1)
            other = None
        except mod.Fail as e:
            other = str(e)
        mod.os.write = real_write
    expect_eq("new_id's EEXIST is tolerated, elsewhere it is an error",
              (tolerated, other), (True, "writing %s to %s: File exists" % (ETH1, f.name)))


def main():
    print("TAP version 13")
    for t in (test_status_json, test_status_text, test_status_in_namespace, test_dev_forms,
              test_refusals, test_bind_with_override, test_bind_legacy_new_id,
              test_unbind_and_failed_bind, test_dry_run_with_modprobe, test_without_ip,
              test_same_device_twice, test_persist,
              test_new_id_eexist_tolerated):
        t()
    print("1..%d" % n)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
