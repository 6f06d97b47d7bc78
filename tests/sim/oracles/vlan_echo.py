#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# The far end of vlan_probe.py: answers 802.1Q-tagged ARP requests and ICMP
# echo requests for one address on IFACE, through a packet socket, for a
# kernel that has no VLAN support (no 8021q module). Replies carry the tag
# of the request. Frames of another VLAN, or untagged ones, are ignored.
#
#   vlan_echo.py IFACE VLAN_ID MY_IP SECONDS
#
# Answers until SECONDS have passed, then prints
# "arp_replies=N echo_replies=N bad=N" (bad: a tagged echo request of this
# VLAN whose IP or ICMP checksum is wrong; it is not answered).
import socket
import struct
import sys
import time

from vlan_probe import ETH_P_ALL, PACKET_AUXDATA, SOL_PACKET, csum, receive, tagged


def arp_reply(req, my_mac):
    """req: the ARP payload of a request for our address."""
    sha, spa = req[8:14], req[14:18]
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, my_mac, req[24:28], sha, spa)


def echo_reply(ip):
    """ip: an IPv4 packet holding an ICMP echo request; None if it is bad."""
    ihl = (ip[0] & 0xF) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    if ihl < 20 or total > len(ip) or csum(ip[:ihl]) != 0 or csum(ip[ihl:total]) != 0:
        return None
    icmp = bytearray(ip[ihl:total])
    icmp[0] = 0
    icmp[2:4] = b"\0\0"
    icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
    hdr = bytearray(ip[:ihl])
    hdr[8] = 64
    hdr[12:16], hdr[16:20] = ip[16:20], ip[12:16]
    hdr[10:12] = b"\0\0"
    hdr[10:12] = struct.pack("!H", csum(bytes(hdr)))
    return bytes(hdr) + bytes(icmp)


def main():
    iface, vlan = sys.argv[1], int(sys.argv[2])
    my_ip, seconds = socket.inet_aton(sys.argv[3]), float(sys.argv[4])
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    sock.bind((iface, 0))
    my_mac = sock.getsockname()[4][:6]
    st = {"arp_replies": 0, "echo_replies": 0, "bad": 0}
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r = receive(sock, deadline)
        if r is None:
            break
        v, et, peer_mac, payload = r
        if v != vlan:
            continue
        if et == 0x0806 and payload[6:8] == b"\0\1" and payload[24:28] == my_ip:
            sock.send(tagged(peer_mac, my_mac, vlan, 0x0806, arp_reply(payload, my_mac)))
            st["arp_replies"] += 1
        elif et == 0x0800 and len(payload) >= 28 and payload[9] == 1 and \
                payload[16:20] == my_ip and payload[(payload[0] & 0xF) * 4] == 8:
            reply = echo_reply(payload)
            if reply is None:
                st["bad"] += 1
                continue
            sock.send(tagged(peer_mac, my_mac, vlan, 0x0800, reply))
            st["echo_replies"] += 1
    print(" ".join("%s=%d" % kv for kv in st.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
