#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Predict where hvsim's generator flows land, from the RSS key, table and
hash types the guest programmed (hvsim --stats-json, or the reply of the
control command "stats"), with an independent Toeplitz implementation.

The hash input follows the NDIS hash types: TCP segments hash the 4-tuple
when a TCP type is on, else (like UDP) the 2-tuple when an IP type of the
version is on, else they are not hashed and arrive on queue 0. IPv6_EX
types hash what the plain ones do when there is no extension header (the
generator sends none).

usage: rss_predict.py STATS FLOWS COUNT QUEUES [--proto udp|tcp] [--ip 4|6]
                      [--pairs] [--live]
The key and table are the last ones programmed, even when RSS was disabled
since (guests disable it when they close, before the final --stats-json);
with --live (a snapshot taken while the guest runs) RSS must be enabled,
else every frame goes to queue 0 without a hash.
Prints one line per queue, "queue=Q rx=N" (the form guest_fwd reports), or
with --pairs one line per frame, "queue=Q hash=0xH" (hash=none: no hash),
sorted."""
import argparse
import json

HASH_IPV4 = 0x100
HASH_TCP_IPV4 = 0x200
HASH_IPV6 = 0x400
HASH_IPV6_EX = 0x800
HASH_TCP_IPV6 = 0x1000
HASH_TCP_IPV6_EX = 0x2000
FUNCTION_TOEPLITZ = 0x1


def toeplitz(key: bytes, data: bytes) -> int:
    k = int.from_bytes(key, "big")
    klen = len(key) * 8
    h = 0
    for i, byte in enumerate(data):
        for b in range(8):
            if byte & (0x80 >> b):
                h ^= (k >> (klen - 32 - (i * 8 + b))) & 0xFFFFFFFF
    return h


def flow_addrs(flow: int, ip: int) -> bytes:
    """Source then destination address of flow `flow` (hvsim/wire/gen.c)."""
    src = ((0x0A000000 | (flow << 8) | 1) & 0xFFFFFFFF).to_bytes(4, "big")
    dst = (0x0A640000 | (flow & 0xFF)).to_bytes(4, "big")
    if ip == 4:
        return src + dst
    src_pfx = bytes([0x20, 0x01, 0x0D, 0xB8]) + bytes(8)
    dst_pfx = bytes([0x20, 0x01, 0x0D, 0xB8, 0x00, 0x64]) + bytes(6)
    return src_pfx + src + dst_pfx + dst


def flow_ports(flow: int) -> bytes:
    return ((1024 + flow) & 0xFFFF).to_bytes(2, "big") + \
        (5000 + flow % 7).to_bytes(2, "big")


def hash_input(flow: int, proto: str, ip: int, hash_info: int):
    """The bytes hashed for a frame of `flow`, or None: not hashed."""
    if ip == 4:
        l4_types, ip_types = HASH_TCP_IPV4, HASH_IPV4
    else:
        l4_types = HASH_TCP_IPV6 | HASH_TCP_IPV6_EX
        ip_types = HASH_IPV6 | HASH_IPV6_EX
    if proto == "tcp" and hash_info & l4_types:
        return flow_addrs(flow, ip) + flow_ports(flow)
    if hash_info & ip_types:
        return flow_addrs(flow, ip)
    return None


def predict(rss: dict, flows: int, count: int, proto: str, ip: int,
            live: bool = True):
    """(queue, hash or None) of each of the count frames."""
    key, table = bytes.fromhex(rss["key"]), rss["table"]
    on = rss["enabled"] if live else rss["programmed"]
    on = on and rss["hash_info"] & 0xFF == FUNCTION_TOEPLITZ
    per_flow = []
    for flow in range(min(flows, count)):
        data = hash_input(flow, proto, ip, rss["hash_info"]) if on else None
        if data is None:
            per_flow.append((0, None))
        else:
            h = toeplitz(key, data)
            per_flow.append((table[h % len(table)], h))
    return [per_flow[n % flows] for n in range(count)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("stats")
    ap.add_argument("flows", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("queues", type=int)
    ap.add_argument("--proto", choices=("udp", "tcp"), default="udp")
    ap.add_argument("--ip", type=int, choices=(4, 6), default=4)
    ap.add_argument("--pairs", action="store_true")
    ap.add_argument("--live", action="store_true")
    a = ap.parse_args()
    with open(a.stats) as f:
        rss = json.load(f)["nics"][0]["rss"]
    frames = predict(rss, a.flows, a.count, a.proto, a.ip, a.live)
    if a.pairs:
        lines = [f"queue={q} hash=" + ("none" if h is None else f"0x{h:x}")
                 for q, h in frames]
        print("\n".join(sorted(lines)))
        return
    per_queue = [0] * a.queues
    for q, _ in frames:
        per_queue[q] += 1
    for q, n in enumerate(per_queue):
        print(f"queue={q} rx={n}")


if __name__ == "__main__":
    main()
