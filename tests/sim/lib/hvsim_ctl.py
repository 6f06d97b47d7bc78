#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""One command on hvsim's control socket (--control=SOCK): its answer line.

usage: hvsim_ctl.py SOCK COMMAND
"""

import socket
import sys


def command(sock, line):
    """Send LINE, return the one-line answer (a stats answer is long)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    s.sendall(line.encode() + b"\n")
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        buf += chunk
    s.close()
    return buf.decode()


if __name__ == "__main__":
    sys.stdout.write(command(sys.argv[1], sys.argv[2]))
