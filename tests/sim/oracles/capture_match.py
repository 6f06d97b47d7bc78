#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Judges a capture a DPDK tool made on the guest's port (dpdk-dumpcap's
# pcapng, or dpdk-pdump's pcap files) against hvsim's --pcap of the same
# traffic, independently of both: the first N captured frames must be
# frames that crossed hvsim's switch, byte for byte, and each direction
# must be a run of consecutive generator frames, in order (the generator's
# frames are all different: each carries its own sequence number).
# Prints one line of key=value:
#   frames       frames in the capture
#   inbound / outbound   of the first N, by the pcapng direction flag
#                (pdump: the file given with --rx / --tx)
#   truncated    of the first N, captured shorter than on the wire
#   matched      of the first N, whose exact bytes crossed hvsim's switch
#   in_order     yes when each direction's frames are consecutive frames
#                of hvsim's recording, in its order, without gap
#
#   capture_match.py HVSIM_PCAP N (--pcapng FILE | --rx FILE --tx FILE)
import argparse
import struct
import sys


def pcap_frames(path):
    """(data, wire length) of each frame of a microsecond pcap."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic not in (0xA1B2C3D4, 0xA1B23C4D):
            sys.exit(f"{path}: not a little-endian pcap")
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            _, _, incl, orig = struct.unpack("<IIII", rec)
            yield f.read(incl), orig


def pcapng_options(data):
    """The options of a block body, as (code, value) pairs."""
    off = 0
    while off + 4 <= len(data):
        code, length = struct.unpack_from("<HH", data, off)
        off += 4
        if code == 0:
            return
        yield code, data[off:off + length]
        off += (length + 3) & ~3


def pcapng_frames(path):
    """(data, wire length, direction) of each enhanced packet block;
    direction 1 inbound, 2 outbound, 0 not said."""
    with open(path, "rb") as f:
        buf = f.read()
    off = 0
    while off + 12 <= len(buf):
        btype, blen = struct.unpack_from("<II", buf, off)
        if blen < 12 or off + blen > len(buf):
            sys.exit(f"{path}: block at {off} has a bad length {blen}")
        body = buf[off + 8:off + blen - 4]
        if btype == 6:
            _, _, _, caplen, orig = struct.unpack_from("<IIIII", body, 0)
            data = body[20:20 + caplen]
            direction = 0
            for code, value in pcapng_options(body[20 + ((caplen + 3) & ~3):]):
                if code == 2 and len(value) == 4:
                    direction = struct.unpack("<I", value)[0] & 3
            yield data, orig, direction
        off += blen


def in_order(ordinals):
    return all(b == a + 1 for a, b in zip(ordinals, ordinals[1:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("hvsim_pcap")
    ap.add_argument("n", type=int)
    ap.add_argument("--pcapng")
    ap.add_argument("--rx")
    ap.add_argument("--tx")
    args = ap.parse_args()

    # each distinct frame of hvsim's recording, numbered in order of first
    # appearance (io forwarding sends each frame back: it appears twice)
    ordinal = {}
    for data, _ in pcap_frames(args.hvsim_pcap):
        ordinal.setdefault(data, len(ordinal))

    if args.pcapng:
        captured = list(pcapng_frames(args.pcapng))
    else:
        captured = [(d, o, 1) for d, o in pcap_frames(args.rx)]
        captured += [(d, o, 2) for d, o in pcap_frames(args.tx)]
    first = captured[:args.n] if args.pcapng else captured
    if not args.pcapng:
        # pdump: N frames each way are judged, from the start of each file
        inb = [c for c in captured if c[2] == 1][:args.n]
        outb = [c for c in captured if c[2] == 2][:args.n]
        first = inb + outb
    inbound = [c for c in first if c[2] == 1]
    outbound = [c for c in first if c[2] == 2]
    truncated = sum(1 for d, o, _ in first if len(d) != o)
    matched = sum(1 for d, _, _ in first if d in ordinal)
    ordered = (matched == len(first) and
               in_order([ordinal[d] for d, _, _ in inbound]) and
               in_order([ordinal[d] for d, _, _ in outbound]))
    print(f"frames={len(captured)} inbound={len(inbound)} outbound={len(outbound)} "
          f"truncated={truncated} matched={matched} in_order={'yes' if ordered else 'no'}")


if __name__ == "__main__":
    main()
