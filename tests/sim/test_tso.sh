#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# TSO of the largest packets the host takes, built from mbufs of the
# default size (2176 bytes: 2048 of data), through our PMD and strict
# hvsim (issue 16). The generator's TCP segments (MSS 1460) are coalesced
# by hvsim's RSC, received by the PMD as LRO chains of 2 KiB mbufs cut at
# 62834 bytes (62780 of payload, the host's LSO maximum: 43 segments, 31
# mbufs crossing 47 pages), sent back as TSO requests, cut again by the
# host's LSO. The generator must get every segment back intact: exact
# counts on both sides, nothing dropped. Once with guest_fwd (io, the
# LRO packet sent back with its tso_segsz), once with Debian's testpmd
# (csum engine, TSO 1460, no --mbuf-size). Speaks TAP. Needs root and
# hugepages (./hvnet setup).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
LOG_NOISE='EAL: |_size_|^testpmd> *$'

COUNT=20000
GEN="gen:rate=0,count=$COUNT,delay=1000,flows=1,burst=64,sizes=1514,proto=tcp"

guest() {
	GUEST_EAL=--log-level=pmd.net.netvsc.driver:debug fwd 90 hvnet "$@"
}
xstat() { grep -o "^xstat $1=[0-9]*" "$work/out" | cut -d= -f2; }
field() { grep "^$1 " "$work/out" | grep -o " $2=[0-9]*" | head -n1 | cut -d= -f2; }
# testpmd's "show port xstats" value NAME (0 if absent)
tp_xstat() { awk -v k="$1:" '$1 == k {v = $2} END {print v + 0}' "$work/out"; }

sim_begin hvnet-tso

# 1. guest_fwd, io forwarding: each LRO packet back as a TSO request.
guest --strict --traffic="$GEN" -- --mode io --lro --lro-tso --tx-retry --lro-max 62834 --seconds 8
check "guest_fwd, 2 KiB mbufs: strict hvsim clean; the generator got all $COUNT segments back intact" \
	'clean && [ "$(gen sent) $(gen received) $(gen lost) $(gen corrupt) $(gen foreign)" = "$COUNT $COUNT 0 0 0" ]'
check "guest_fwd: $COUNT segments coalesced ($(nic rsc_packets) packets) and cut again ($(nic lso_packets) LSO packets), as many LSO packets as TSO requests the PMD sent" \
	'[ "$(nic rsc_segments) $(nic lso_segments)" = "$COUNT $COUNT" ] && [ "$(nic lso_packets)" = "$(xstat tx_q0_tso_packets)" ] &&
	 [ "$(nic lso_packets)" -gt 0 ]'
check "guest_fwd: the largest TSO packets went by address in chains of 2 KiB mbufs: $(xstat tx_q0_gpa_packets) GPA sends, none dropped (no TX error, no too_many_segments)" \
	'[ "$(xstat tx_q0_gpa_packets)" -ge "$(xstat tx_q0_tso_packets)" ] && [ -z "$(xstat tx_q0_errors)" ] &&
	 [ -z "$(xstat tx_q0_too_many_segments_errors)" ] && [ -z "$(xstat tx_q0_linearized_packets)" ] &&
	 [ "$(field lro bad)" = 0 ]'

# 2. testpmd, csum engine with TSO 1460, LRO and scattered RX, default
#    mbuf size: the same packets, forwarded by the application users run.
testpmd 120 hvnet --strict --traffic="$GEN" -- --total-num-mbufs=16384 --enable-lro \
	--max-lro-pkt-size=62834 --enable-scatter <<EOC
port stop 0
csum set ip hw 0
csum set tcp hw 0
tso set 1460 0
port start 0
set fwd csum
start
?wait gen('received') + gen('lost') >= gen('sent') == $COUNT
stop
show port xstats 0
EOC
check "testpmd (default mbufs, csum, TSO 1460): strict hvsim clean; the generator got all $COUNT segments back intact" \
	'clean && [ "$(gen sent) $(gen received) $(gen lost) $(gen corrupt) $(gen foreign)" = "$COUNT $COUNT 0 0 0" ]'
check "testpmd: $COUNT segments coalesced ($(nic rsc_packets) packets), cut again by LSO ($(nic lso_packets) packets), the PMD's TSO count = hvsim's LSO count" \
	'[ "$(nic rsc_segments) $(nic lso_segments)" = "$COUNT $COUNT" ] && [ "$(nic lso_packets)" -gt 0 ] &&
	 [ "$(tp_xstat tx_q0_tso_packets)" = "$(nic lso_packets)" ]'
check "testpmd: nothing dropped by the PMD ($(tp_xstat tx_q0_gpa_packets) GPA sends; too_many_segments $(tp_xstat tx_q0_too_many_segments_errors), TX errors $(tp_xstat tx_q0_errors))" \
	'[ "$(tp_xstat tx_q0_errors) $(tp_xstat tx_q0_too_many_segments_errors) $(tp_xstat tx_q0_linearized_packets)" = "0 0 0" ] &&
	 [ "$(tp_xstat tx_q0_gpa_packets)" -ge "$(tp_xstat tx_q0_tso_packets)" ]'

sim_end
