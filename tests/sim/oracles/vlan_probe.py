#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Ping a guest over an 802.1Q VLAN from a kernel that has no VLAN support
# (no 8021q module), through a packet socket: tagged ARP request and ICMP
# echo requests go out on IFACE, tagged replies are expected back.
#
#   vlan_probe.py IFACE VLAN_ID SRC_IP DST_IP COUNT [PAYLOAD_BYTES]
#
# Prints "arp_reply=0|1 echo_replies=N untagged=N wrong_vlan=N bad=N".
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10
PACKET_OUTGOING = 4


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tagged(dst, src, vlan, ethertype, payload):
    return dst + src + struct.pack("!HHH", 0x8100, vlan, ethertype) + payload


def arp_request(src_mac, src_ip, dst_ip):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src_mac, src_ip,
                       b"\0" * 6, dst_ip)


def icmp_echo(src_ip, dst_ip, ident, seq, size):
    body = bytes((i * 7) & 0xFF for i in range(size))
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + body
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0, 64, 1, 0,
                     src_ip, dst_ip)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + icmp


def receive(sock, deadline):
    """Next incoming frame as (vlan or None, ethertype, payload)."""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data, anc, _, addr = sock.recvmsg(65536, socket.CMSG_SPACE(32))
        except socket.timeout:
            return None
        if addr[2] == PACKET_OUTGOING:
            continue
        vlan = None
        for level, kind, cdata in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                status, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", cdata[:20])
                if status & TP_STATUS_VLAN_VALID:
                    vlan = tci & 0xFFF
        ethertype = struct.unpack("!H", data[12:14])[0]
        payload = data[14:]
        if ethertype == 0x8100:     # the tag is still inside the frame
            vlan = struct.unpack("!H", payload[:2])[0] & 0xFFF
            ethertype = struct.unpack("!H", payload[2:4])[0]
            payload = payload[4:]
        return vlan, ethertype, data[6:12], payload
    return None


def main():
    iface, vlan = sys.argv[1], int(sys.argv[2])
    src_ip, dst_ip = socket.inet_aton(sys.argv[3]), socket.inet_aton(sys.argv[4])
    count = int(sys.argv[5])
    size = int(sys.argv[6]) if len(sys.argv) > 6 else 56
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    sock.bind((iface, 0))
    src_mac = sock.getsockname()[4][:6]
    st = {"arp_reply": 0, "echo_replies": 0, "untagged": 0, "wrong_vlan": 0, "bad": 0}

    def expect(match):
        deadline = time.monotonic() + 2
        while True:
            r = receive(sock, deadline)
            if r is None:
                return None
            v, et, mac, payload = r
            if not match(et, payload):
                continue
            if v is None:
                st["untagged"] += 1
            elif v != vlan:
                st["wrong_vlan"] += 1
            else:
                return mac, payload

    sock.send(tagged(b"\xff" * 6, src_mac, vlan, 0x0806,
                     arp_request(src_mac, src_ip, dst_ip)))
    got = expect(lambda et, p: et == 0x0806 and p[6:8] == b"\0\2" and p[14:18] == dst_ip)
    if got is None:
        print(" ".join("%s=%d" % kv for kv in st.items()))
        return 1
    st["arp_reply"] = 1
    guest_mac = got[0]
    for seq in range(1, count + 1):
        sock.send(tagged(guest_mac, src_mac, vlan, 0x0800,
                         icmp_echo(src_ip, dst_ip, 0x4856, seq, size)))
        got = expect(lambda et, p: et == 0x0800 and p[9] == 1 and p[12:16] == dst_ip)
        if got is None:
            continue
        p = got[1]
        icmp = p[20:struct.unpack("!H", p[2:4])[0]]
        ok = (icmp[0] == 0 and csum(p[:20]) == 0 and csum(icmp) == 0 and
              struct.unpack("!HH", icmp[4:8]) == (0x4856, seq) and len(icmp) == 8 + size)
        st["echo_replies" if ok else "bad"] += 1
    print(" ".join("%s=%d" % kv for kv in st.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
