#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Data-path offloads of our net_netvsc (on our VMBus bus) against strict
# hvsim, every one checked on both sides:
#   - the host side: hvsim's counters (checksums computed, LSO segments,
#     RSC packets and segments, completions, violations) and, read
#     independently, the pcap (offload_pcap.py: checksums, TSO segments,
#     VLAN tags);
#   - the guest side: guest_fwd checks every frame it gets (mbuf flags,
#     VLAN tci, checksums in software) and, with --lro, every TCP packet:
#     its mbuf chain, RTE_MBUF_F_RX_LRO and tso_segsz against the wire
#     segments it holds, the IP length and header checksum, every payload
#     byte.
# Coalesced packets come from the looping wire (a TSO packet is cut by
# the host's LSO and coalesced back by its RSC) and from the generator's
# TCP segments (gen:proto=tcp). Broken fragment chains come from hvsim's
# rsc-fault command. Speaks TAP. Needs root and hugepages (./hvnet setup).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
LOG_NOISE='EAL: |_size_'

# guest HVSIM_ARGS... -- GUEST_FWD_ARGS: our PMD under strict-capable
# hvsim, the pcap and the counters recorded; the PMD's log at debug level
# (the reason a fragment chain was dropped).
guest() {
	rm -f "$work/p.pcap"
	GUEST_EAL=--log-level=pmd.net.netvsc.driver:debug fwd 90 hvnet --pcap="$work/p.pcap" "$@"
}

xstat() { grep -o "^xstat $1=[0-9]*" "$work/out" | cut -d= -f2; }
# a guest line "KEY=V ..." field: field LINE_PREFIX KEY
field() { grep "^$1 " "$work/out" | grep -o " $2=[0-9]*" | head -n1 | cut -d= -f2; }
# a clean run in which every transfer packet completed exactly once, no leak
clean_run() {
	clean && [ "$(nic rx_xfer_sent)" = "$(nic rx_xfer_completed)" ] && has "mbufs_in_use=0"
}

sim_begin hvnet-offload

# 1. What the PMD offers, by NVSP version: LRO only from NVSP 6.1, where
#    NDIS_CONFIG offers RSC (capability 0x80) and the offload parameters
#    turn it on only when the application enables LRO.
guest --strict -- --mode offload --tso 1 --lro
check "NVSP 6.1: LRO offered, max_lro_pkt_size 65553 (64 KiB IP packet + 18), TSO offered" \
	'clean_run && has "max_lro_pkt_size=65553 max_rx_pktlen=1518 max_mtu=1500 lro=1 tso=1"'
check "NVSP 6.1: NDIS_CONFIG offers RSC (0x80); LRO on: rsc_ip4/rsc_ip6 on" \
	'[ $(( $(nic ndis_caps) & 0x80 )) = 128 ] && [ "$(offload rsc4) $(offload rsc6)" = "true true" ]'
guest --strict -- --mode offload --tso 1
check "NVSP 6.1, LRO off: RSC offered in NDIS_CONFIG but off; 84 segments come back uncoalesced" \
	'clean_run && [ $(( $(nic ndis_caps) & 0x80 )) = 128 ] && [ "$(offload rsc4) $(offload rsc6)" = "false false" ] &&
	 [ "$(nic rsc_packets lso_segments)" = "rsc_packets=0 lso_segments=84" ] && has "offload sent=2 unsent=0 expected=84 rx=84"'
guest --strict --nvsp-max=0x60000 -- --mode offload --tso 1 --lro
check "NVSP 6.0: no LRO (max_lro_pkt_size 0), no RSC in NDIS_CONFIG; asking for LRO fails configure" \
	'rc_is 2 && has "max_lro_pkt_size=0 max_rx_pktlen=1518 max_mtu=1500 lro=0 tso=1" &&
	 has "not offered" && [ $(( $(nic ndis_caps) & 0x80 )) = 0 ] && [ "$(offload rsc4)" = false ]'

# 2. TX: checksums, TSO and VLAN insertion asked of the host. 8 frames of
#    each kind (TCP/UDP over IPv4/IPv6), 3 TSO packets of 60000 bytes per
#    IP version (42 segments each: MSS 1460 / 1440), tagged 0x2064 by
#    RTE_MBUF_F_TX_VLAN.
guest --strict -- --mode offload --count 8 --tx-csum --tso 3 --vlan 0x2064
check "TX offloads: clean; the guest enabled TX checksums and LSOv2, nothing for RX" \
	'clean_run && [ "$(offload tcp4) $(offload udp4) $(offload ip4) $(offload tcp6) $(offload udp6)" = "tx tx tx tx tx" ] &&
	 [ "$(offload lso4) $(offload lso6) $(offload rsc4)" = "true true false" ]'
check "TX offloads: hvsim computed 16 IPv4 header, 16 TCP and 16 UDP checksums, cut 6 LSO packets into 252 segments" \
	'[ "$(nic tx_csum_ip tx_csum_tcp tx_csum_udp tx_csum_bad_no_offload lso_packets lso_segments tx_frames rx_frames)" = "tx_csum_ip=16 tx_csum_tcp=16 tx_csum_udp=16 tx_csum_bad_no_offload=0 lso_packets=6 lso_segments=252 tx_frames=38 rx_frames=284" ]'
check "TX offloads: the PMD counted 6 TSO packets and no error; the guest got 284 frames back tagged 0x2064 (stripped), checksums right" \
	'[ "$(xstat tx_q0_tso_packets)" = 6 ] && [ -z "$(xstat tx_q0_errors)" ] &&
	 has "offload sent=38 unsent=0 expected=284 rx=284" && has "offload vlan=0 sw_bad=0" && has "offload vlan_inframe=284"'
check "TX offloads: pcap: 568 frames, every checksum right, every one tagged 0x2064; 6 TSO packets in MSS-sized segments" \
	'pcap --vlan 0x2064 | grep -q "^frames=568 non_ip=0 csum_bad=0 vlan_ok=568 vlan_bad=0 tso_packets_ok=6 tso_packets_bad=0 tso_segments=252$"'

# 3. TX tag inside the frame (no RTE_MBUF_F_TX_VLAN): the PMD moves it to
#    the VLAN PPI. TX and RX checksum offload together (TXRX, 4), RX VLAN
#    stripping on: the tag arrives in vlan_tci.
guest --strict -- --mode offload --count 8 --tx-csum --rx-csum --tso 3 --vlan 0x2064 --vlan-inframe --vlan-strip
check "in-frame tag, TX+RX checksums: clean; every checksum field TXRX" \
	'clean_run && [ "$(offload tcp4) $(offload udp4) $(offload ip4) $(offload tcp6) $(offload udp6)" = "txrx txrx txrx txrx txrx" ]'
check "in-frame tag: pcap: all 568 frames carry 0x2064, checksums right, TSO segments right" \
	'pcap --vlan 0x2064 | grep -q "^frames=568 non_ip=0 csum_bad=0 vlan_ok=568 vlan_bad=0 tso_packets_ok=6 tso_packets_bad=0 tso_segments=252$"'
check "VLAN strip on: the 284 frames back carry 0x2064 in vlan_tci (RX_VLAN_STRIPPED), none in the frame" \
	'has "offload vlan=284 sw_bad=0" && has "offload vlan_inframe=0"'
check "TX+RX checksums: hvsim reported 142 IPv4 and 284 L4 OK, the guest sees exactly those as GOOD" \
	'[ "$(nic rx_csum_ip_ok rx_csum_ip_failed rx_csum_l4_ok rx_csum_l4_failed)" = "rx_csum_ip_ok=142 rx_csum_ip_failed=0 rx_csum_l4_ok=284 rx_csum_l4_failed=0" ] &&
	 has "offload ip_good=142 ip_bad=0 ip_unknown=142 l4_good=284 l4_bad=0 l4_unknown=0"'

# 4. RX checksum results: 32 right frames; per round of --bad, a wrong
#    TCP/UDP checksum in each kind and a wrong IPv4 header checksum.
guest --strict -- --mode offload --count 8 --rx-csum --bad 3
check "RX checksum: hvsim reported IP ok 22, failed 3; TCP/UDP ok 35, failed 12" \
	'clean_run && [ "$(nic rx_csum_ip_ok rx_csum_ip_failed rx_csum_l4_ok rx_csum_l4_failed)" = "rx_csum_ip_ok=22 rx_csum_ip_failed=3 rx_csum_l4_ok=35 rx_csum_l4_failed=12" ]'
check "RX checksum: the guest sees exactly those as mbuf flags, IP_FAILED as IP_CKSUM_BAD" \
	'has "offload sent=47 unsent=0 expected=47 rx=47" && has "offload ip_good=22 ip_bad=3 ip_unknown=22 l4_good=35 l4_bad=12 l4_unknown=0" && has "sw_bad=15"'

# 4b. Checksum requests the application did not enable: the host would
#     refuse them (strict hvsim: a violation); the PMD drops and counts.
guest --strict -- --mode offload --count 1 --tx-csum-unconfigured
check "TX checksum requests without the offload enabled: 4 dropped (tx_q0_bad_offload_errors), none reached the host" \
	'clean_run && [ "$(xstat tx_q0_bad_offload_errors)" = 4 ] && has "oerrors=4" && [ "$(nic tx_frames)" = 0 ]'

# 5. LRO: each TSO packet is cut by the host's LSO into 42 segments and
#    coalesced back by its RSC into one packet of 42 fragments, which the
#    PMD chains into one mbuf chain (2048-byte mbufs).
guest --strict -- --mode offload --tso 3 --lro
check "LRO: hvsim: 6 LSO packets -> 252 segments -> 6 RSC packets of 252 segments; every transfer packet completed once" \
	'clean_run && [ "$(nic lso_packets lso_segments rsc_packets rsc_segments rx_xfer_failed)" = "lso_packets=6 lso_segments=252 rsc_packets=6 rsc_segments=252 rx_xfer_failed=0" ]'
check "LRO: guest: 6 packets, all RTE_MBUF_F_RX_LRO, 252 wire segments, tso_segsz = MSS, 360000 payload bytes intact, 30 mbufs each" \
	'has "offload sent=6 unsent=0 expected=6 rx=6" &&
	 has "lro tcp=6 lro=6 lro_segs=252 segs=252 payload=360000 mbufs=180 max_len=60074 bad=0" && has "sw_bad=0"'
check "LRO: PMD xstats rx_q0_lro_packets=6, rx_q0_lro_segments=252, no error" \
	'[ "$(xstat rx_q0_lro_packets) $(xstat rx_q0_lro_segments)" = "6 252" ] && [ -z "$(xstat rx_q0_lro_errors)" ] && has "ierrors=0"'

# 6. LRO with RX checksum offload and a VLAN tag (stripping off: put back
#    into the chain's first mbuf). hvsim leaves the coalesced packet's
#    checksum fields stale and says so (0x100, 0x080): the PMD recomputes
#    the IPv4 header checksum; the TCP one stays the host's word.
guest --strict -- --mode offload --tso 3 --lro --rx-csum --vlan 0x2064
check "LRO + RX checksum: hvsim flagged 3 IPv4 headers stale, the guest finds every IPv4 header checksum right" \
	'clean_run && [ "$(nic rsc_packets rx_csum_ip_ok rx_csum_l4_ok)" = "rsc_packets=6 rx_csum_ip_ok=3 rx_csum_l4_ok=6" ] &&
	 has "offload ip_good=3 ip_bad=0 ip_unknown=3 l4_good=6 l4_bad=0 l4_unknown=0" && has "sw_bad=0"'
check "LRO + VLAN: 6 chains, each with tag 0x2064 put back in, payload intact" \
	'has "offload vlan_inframe=6" && has "lro tcp=6 lro=6 lro_segs=252 segs=252 payload=360000 mbufs=180 max_len=60078 bad=0"'

# 7. max_lro_pkt_size honoured: 9000 bytes. Each 42-segment packet is cut
#    at fragment boundaries into 7 of 6 segments (headers fixed up: IP
#    length, sequence number, PSH, checksums recomputed).
guest --strict -- --mode offload --tso 3 --lro --lro-max 9000
check "max_lro_pkt_size 9000: 6 coalesced packets delivered as 42 of at most 8814 bytes (36 from cutting)" \
	'clean_run && [ "$(nic rsc_packets rsc_segments)" = "rsc_packets=6 rsc_segments=252" ] &&
	 has "offload sent=6 unsent=0 expected=42 rx=42" && [ "$(xstat rx_q0_lro_split_packets)" = 36 ]'
check "max_lro_pkt_size 9000: every piece LRO-flagged with tso_segsz = MSS, TCP and IP checksums right in software, payload intact" \
	'has "lro tcp=42 lro=42 lro_segs=252 segs=252 payload=360000 mbufs=207 max_len=8814 bad=0" && has "sw_bad=0"'

# 8. Broken fragment chains (hvsim rsc-fault, §F.6 rules): the first of
#    the two coalesced packets is broken; the PMD drops it whole, counts
#    it once, completes its transfer packet (with a failure status) and
#    leaks no mbuf; the second is delivered.
for f in "nostart:fragment without a first one" "id:fragment of another packet" \
	 "nolast:no last fragment in the transfer packet" \
	 "short:fragments shorter than the packet's IP length" \
	 "toomany:more fragments than the protocol allows"; do
	kind=${f%%:*} why=${f#*:}
	guest --strict "--at=0:rsc-fault 0 $kind 1" -- --mode offload --tso 1 --lro
	check "broken chain ($kind): dropped and counted once (rx_q0_lro_errors=1, ierrors=1): \"$why\"" \
		'clean_run && [ "$(xstat rx_q0_lro_errors)" = 1 ] && has "ierrors=1" &&
		 [ "$(lines "dropped: ")" = 1 ] && has "coalesced packet 0 dropped: $why"'
	check "broken chain ($kind): hvsim sent 1 broken of 2; each transfer packet completed once, the broken one as failed; the good one arrives intact" \
		'[ "$(nic rsc_packets rsc_faults rx_xfer_failed)" = "rsc_packets=2 rsc_faults=1 rx_xfer_failed=1" ] &&
		 has "offload sent=2 unsent=0 expected=2 rx=1" && has "lro tcp=1 lro=1 lro_segs=42 segs=42 payload=60000 mbufs=30 max_len=60074 bad=0"'
done

# 9. LRO from the generator's TCP segments (one flow, 1514/600/1514/1000
#    bytes): whatever hvsim coalesces per poll round, the guest's count
#    matches it packet for packet and segment for segment.
guest --strict --traffic=gen:rate=0,count=20000,delay=1000,flows=1,sizes=1514/600/1514/1000,proto=tcp \
	-- --mode rxonly --lro --seconds 6
check "gen TCP, rxonly: 20000 segments sent, every one in what the guest received, bytes intact" \
	'clean_run && [ "$(gen sent)" = 20000 ] && [ "$(field lro segs)" = 20000 ] && [ "$(field lro bad)" = 0 ] &&
	 [ "$(field lro payload)" = 22060000 ]'
check "gen TCP, rxonly: guest LRO packets/segments = hvsim RSC packets/segments (>0), packets = hvsim rx_frames" \
	'[ "$(field lro lro)" = "$(nic rsc_packets)" ] && [ "$(field lro lro_segs)" = "$(nic rsc_segments)" ] &&
	 [ "$(nic rsc_packets)" -gt 0 ] && [ "$(field lro tcp)" = "$(nic rx_frames)" ] &&
	 [ "$(xstat rx_q0_lro_packets)" = "$(nic rsc_packets)" ]'

# 10. Coalesced and cut again: the guest forwards each LRO packet as a
#     TSO request with its tso_segsz (8 KiB mbufs: a 62 KB chain in a few
#     GPA ranges); max_lro_pkt_size keeps the payload within the
#     host's LSO maximum (62780). The generator must get back exactly the
#     segments it sent.
guest --strict --traffic=gen:rate=0,count=20000,delay=1000,flows=1,burst=64,sizes=1514,proto=tcp \
	-- --mode io --lro --lro-tso --tx-retry --lro-max 62834 --mbuf-size 8320 --seconds 8
check "RSC -> LRO -> TSO -> LSO: the generator got all 20000 segments back intact, none lost" \
	'clean_run && [ "$(gen sent) $(gen received) $(gen lost) $(gen corrupt) $(gen foreign)" = "20000 20000 0 0 0" ]'
check "RSC -> LRO -> TSO -> LSO: 20000 segments coalesced and cut again; every TSO request sent" \
	'[ "$(nic rsc_segments) $(nic lso_segments)" = "20000 20000" ] && [ "$(nic lso_packets)" = "$(xstat tx_q0_tso_packets)" ] &&
	 [ -z "$(xstat tx_q0_errors)" ] && [ "$(field lro bad)" = 0 ]'

# 11. TSO within the host's advertised limits (LSOv2 capabilities), else
#     dropped and counted by the PMD, never sent: strict hvsim sees no
#     violation.
guest --strict --lso-max=30000 -- --mode offload --tso 1 --tso-payload 30000
check "--lso-max=30000: 30000-byte TSO payloads are sent (21 + 21 segments)" \
	'clean_run && [ "$(nic lso_packets lso_segments)" = "lso_packets=2 lso_segments=42" ] && [ "$(xstat tx_q0_tso_packets)" = 2 ]'
guest --strict --lso-max=30000 -- --mode offload --tso 1 --tso-payload 30001
check "--lso-max=30000: 30001-byte TSO payloads dropped by the PMD (tx_q0_tso_errors=2), nothing reached the host" \
	'clean_run && [ "$(xstat tx_q0_tso_errors)" = 2 ] && has "oerrors=2" && [ "$(nic lso_packets tx_frames)" = "lso_packets=0 tx_frames=0" ]'
guest --strict --lso-min-segs=3 -- --mode offload --tso 1 --tso-payload 2920
check "--lso-min-segs=3: 2920 bytes are 2 segments of 1460 (dropped, counted) and 3 of 1440 (sent)" \
	'clean_run && [ "$(xstat tx_q0_tso_errors) $(xstat tx_q0_tso_packets)" = "1 1" ] && [ "$(nic lso_packets lso_segments)" = "lso_packets=1 lso_segments=3" ]'
guest --strict --mtu=9000 -- --mode offload --tso 1 --mtu 1400
check "MTU 1400: MSS 1460/1440 segments would exceed MTU + 14: both TSO packets dropped and counted" \
	'clean_run && [ "$(xstat tx_q0_tso_errors)" = 2 ] && [ "$(nic lso_packets)" = 0 ]'
guest --strict -- --mode offload --count 1 --jumbo 1514 --oversize 1515
check "MTU 1500: a 1515-byte frame without TSO is dropped and counted (tx_q0_too_long_errors=1), 1514 passes" \
	'clean_run && [ "$(xstat tx_q0_too_long_errors)" = 1 ] && has "offload sent=6 unsent=0 expected=5 rx=5" && [ "$(nic tx_frames)" = 5 ]'

# 12. Jumbo frames with scattered RX: the host allows MTU 9000; the guest
#     starts at 1500, stops, sets MTU 9000 (a new NVSP session) and starts
#     again; 2048-byte mbufs, so frames above 2048 bytes become chains.
#     io forwarding back: exact counts and bytes.
gentraffic=gen:rate=20000,count=4000,delay=2000,sizes=60/1514/2048/4000/9014
guest --strict --mtu=9000 --traffic=$gentraffic -- --mode io --scatter --mtu-restart 9000 --tx-retry --packets 4000 --seconds 15
check "MTU 9000 after a restart, SCATTER: 4000 frames up to 9014 B forwarded, none lost or corrupt" \
	'clean_run && [ "$(gen sent) $(gen received) $(gen lost) $(gen corrupt)" = "4000 4000 0 0" ] && has "total rx=4000 tx=4000 unsent=0"'
check "MTU 9000 after a restart, SCATTER: 13308800 bytes each way, equal on both sides; nothing oversize" \
	'[ "$(nic rx_bytes tx_bytes rx_dropped_oversize)" = "rx_bytes=13308800 tx_bytes=13308800 rx_dropped_oversize=0" ] &&
	 [ "$(xstat rx_q0_bytes) $(xstat tx_q0_bytes)" = "13308800 13308800" ] && has "ierrors=0"'
guest --strict --mtu=9000 --traffic=$gentraffic -- --mode io --mtu 9000 --tx-retry --seconds 5
check "MTU 9000 without SCATTER: one line says so at start; 1600 frames above 2048 B dropped and counted" \
	'clean_run && [ "$(lines "do not fit its 2048 B mbufs")" = 1 ] && [ "$(xstat rx_q0_too_long_errors)" = 1600 ] &&
	 has "ierrors=1600" && [ "$(gen received) $(gen lost) $(gen corrupt)" = "2400 1600 0" ]'
guest --strict --mtu=9000 -- --mode offload --count 1 --mtu-restart 9001
check "MTU 9001 above the host's 9000: refused on the stopped port" \
	'rc_is 2 && has "MTU 9001 on the stopped port: Invalid argument" && [ "$(nic violations)" = 0 ]'

sim_end
