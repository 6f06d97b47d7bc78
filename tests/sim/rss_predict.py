#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Predict how hvsim's generator flows spread over RX queues, from the RSS
key, table and hash types the guest programmed (hvsim --stats-json), with
an independent Toeplitz implementation. Prints one line per queue:
"queue=Q rx=N", the same form guest_fwd reports.

usage: rss_predict.py STATS_JSON FLOWS COUNT QUEUES"""
import json
import sys

HASH_IPV4 = 0x100


def toeplitz(key: bytes, data: bytes) -> int:
    k = int.from_bytes(key, "big")
    klen = len(key) * 8
    h = 0
    for i, byte in enumerate(data):
        for b in range(8):
            if byte & (0x80 >> b):
                h ^= (k >> (klen - 32 - (i * 8 + b))) & 0xFFFFFFFF
    return h


def flow_tuple(flow: int) -> bytes:
    # the addresses hvsim's generator puts in flow `flow` (UDP: 2-tuple)
    src = 0x0A000000 | (flow << 8) | 1
    dst = 0x0A640000 | (flow & 0xFF)
    return src.to_bytes(4, "big") + dst.to_bytes(4, "big")


def main():
    stats, flows, count, queues = sys.argv[1], *map(int, sys.argv[2:5])
    rss = json.load(open(stats))["nics"][0]["rss"]
    assert rss["programmed"] and rss["hash_info"] & HASH_IPV4, rss
    key, table = bytes.fromhex(rss["key"]), rss["table"]
    per_queue = [0] * queues
    for n in range(count):
        flow = n % flows
        per_queue[table[toeplitz(key, flow_tuple(flow)) % len(table)]] += 1
    for q, n in enumerate(per_queue):
        print(f"queue={q} rx={n}")


if __name__ == "__main__":
    main()
