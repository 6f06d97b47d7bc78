#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Checks every frame of an hvsim --pcap recording made while guest_fwd ran
# in offload mode, independently of hvsim and of DPDK:
#   - IPv4 header, TCP and UDP checksums (RFC 1071, pseudo headers);
#   - the 802.1Q tag, if one is expected;
#   - TSO packets (TCP, seq >= 100000, one per 100000 of sequence space):
#     the segments cover the payload without gap or overlap, each is a
#     full MSS but the last, PSH only on the last, IPv4 ids consecutive.
# Prints key=value lines; the scenario compares them with exact numbers.
#
#   offload_pcap.py FILE [--vlan TCI] [--payload BYTES]
import argparse
import struct
import sys

MSS = {4: 1460, 6: 1440}


def csum(data, acc=0):
    if len(data) % 2:
        data += b"\0"
    for (w,) in struct.iter_unpack("!H", data):
        acc += w
    while acc >> 16:
        acc = (acc & 0xFFFF) + (acc >> 16)
    return acc


def frames(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic != 0xA1B2C3D4:
            sys.exit(f"{path}: not a little-endian microsecond pcap")
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            _, _, incl, _ = struct.unpack("<IIII", rec)
            yield f.read(incl)


def parse(fr):
    """(vlan tci or None, ip version, l3 bytes) or None for non-IP."""
    tci = None
    etype = struct.unpack("!H", fr[12:14])[0]
    off = 14
    if etype == 0x8100:
        tci = struct.unpack("!H", fr[14:16])[0]
        etype = struct.unpack("!H", fr[16:18])[0]
        off = 18
    if etype == 0x0800:
        return tci, 4, fr[off:]
    if etype == 0x86DD:
        return tci, 6, fr[off:]
    return None


def l4_ok(ver, l3, proto, l4):
    if ver == 4:
        ph = l3[12:20] + struct.pack("!BBH", 0, proto, len(l4))
    else:
        ph = l3[8:40] + struct.pack("!IxxxB", len(l4), proto)
    if proto == 17 and ver == 4 and l4[6:8] == b"\0\0":
        return True
    return csum(ph + l4) == 0xFFFF


def check(path, want_tci, payload):
    st = {"frames": 0, "non_ip": 0, "csum_bad": 0, "vlan_ok": 0, "vlan_bad": 0}
    tso = {}  # (ver, base) -> {seq: (len, flags, ip id)}
    for fr in frames(path):
        st["frames"] += 1
        p = parse(fr)
        if p is None:
            st["non_ip"] += 1
            continue
        tci, ver, l3 = p
        if want_tci is not None:
            st["vlan_ok" if tci == want_tci else "vlan_bad"] += 1
        if ver == 4:
            ihl = (l3[0] & 15) * 4
            tot = struct.unpack("!H", l3[2:4])[0]
            proto, ipid = l3[9], struct.unpack("!H", l3[4:6])[0]
            good = csum(l3[:ihl]) == 0xFFFF
            l4 = l3[ihl:tot]
        else:
            plen = struct.unpack("!H", l3[4:6])[0]
            proto, ipid = l3[6], None
            good = True
            l4 = l3[40:40 + plen]
        good = good and proto in (6, 17) and l4_ok(ver, l3, proto, l4)
        st["csum_bad"] += not good
        if proto != 6:
            continue
        seq = struct.unpack("!I", l4[4:8])[0]
        doff, flags = (l4[12] >> 4) * 4, l4[13]
        if seq >= 100000:
            seg = tso.setdefault((ver, seq // 100000 * 100000), {})
            seg[seq] = (len(l4) - doff, flags, ipid)
    st["tso_packets_ok"] = st["tso_packets_bad"] = st["tso_segments"] = 0
    for (ver, base), segs in sorted(tso.items()):
        st["tso_segments"] += len(segs)
        st["tso_packets_ok" if tso_ok(ver, base, segs, payload) else "tso_packets_bad"] += 1
    return st


def tso_ok(ver, base, segs, payload):
    mss, pos, order = MSS[ver], base, sorted(segs)
    for i, seq in enumerate(order):
        n, flags, ipid = segs[seq]
        last = i == len(order) - 1
        if seq != pos or n != (payload - (pos - base) if last else mss):
            return False
        if bool(flags & 0x08) != last or not flags & 0x10:
            return False
        if ver == 4 and ipid != (segs[order[0]][2] + i) & 0xFFFF:
            return False
        pos += n
    return pos == base + payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pcap")
    ap.add_argument("--vlan", type=lambda v: int(v, 0))
    ap.add_argument("--payload", type=int, default=60000)
    a = ap.parse_args()
    for k, v in check(a.pcap, a.vlan, a.payload).items():
        print(f"{k}={v}")


if __name__ == "__main__":
    main()
