#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# One TCP transfer of a known byte stream, checked end to end: the byte
# count and a SHA-256 of what was sent and of what was received.
#
#   tcp_xfer.py recv ADDR PORT SECONDS      accept one connection, read to EOF
#   tcp_xfer.py send ADDR PORT BYTES SECONDS
#
# Each prints one line "bytes=N sha256=HEX" (recv prints "listening" first).
# Every wait is bounded by SECONDS; on a timeout the line says "timeout".
#
# Why not iperf3 alone: iperf3 3.12 stops counting at the server when the
# client says the test is over, so bytes still in flight are not counted
# and "received" is below "sent" even on loopback. And with TSO or LRO the
# host recomputes the checksums of what it cuts or joins, so a frame built
# from the wrong bytes would still reach TCP with right checksums: only a
# check of the bytes themselves shows that the stream came through intact.
import hashlib
import random
import socket
import struct
import sys
import time

BLOCK = 65536


def block(i, base):
    """Block i of the stream: its index, then fixed pseudo-random bytes
    (so a reordered, lost or repeated block changes the hash)."""
    return struct.pack("!Q", i) + base[8:]


def recv(addr, port, seconds):
    deadline = time.monotonic() + seconds
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(1)
    ls.settimeout(seconds)
    print("listening", flush=True)
    h, n = hashlib.sha256(), 0
    try:
        s, _ = ls.accept()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout
            s.settimeout(left)
            data = s.recv(1 << 20)
            if not data:
                break
            h.update(data)
            n += len(data)
    except (socket.timeout, OSError) as e:
        print("timeout bytes=%d (%s)" % (n, e), flush=True)
        return 1
    print("bytes=%d sha256=%s" % (n, h.hexdigest()), flush=True)
    return 0


def send(addr, port, total, seconds):
    deadline = time.monotonic() + seconds
    base = random.Random(0x68766E65).randbytes(BLOCK)
    h, n, i = hashlib.sha256(), 0, 0
    s = None
    while s is None:    # the receiver may still be starting
        try:
            s = socket.create_connection((addr, port), timeout=2)
        except OSError:
            if time.monotonic() > deadline:
                print("timeout connecting", flush=True)
                return 1
            time.sleep(0.2)
    try:
        while n < total:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout
            s.settimeout(left)
            b = block(i, base)[:total - n]
            s.sendall(b)
            h.update(b)
            n += len(b)
            i += 1
        s.shutdown(socket.SHUT_WR)
        s.settimeout(max(0.1, deadline - time.monotonic()))
        s.recv(1)       # the receiver's close: everything was read
    except (socket.timeout, OSError) as e:
        print("timeout bytes=%d (%s)" % (n, e), flush=True)
        return 1
    print("bytes=%d sha256=%s" % (n, h.hexdigest()), flush=True)
    return 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "recv":
        return recv(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    if len(sys.argv) == 6 and sys.argv[1] == "send":
        return send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    print("usage: tcp_xfer.py recv ADDR PORT SECONDS | send ADDR PORT BYTES SECONDS",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
