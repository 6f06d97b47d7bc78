#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# DPDK's own net_netvsc (Debian's binary, unmodified) against hvsim in
# strict mode, through Debian's dpdk-testpmd: hvsim's fidelity proof.
# Speaks TAP. Needs root and hugepages (./hvnet setup).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
tp_args=(--total-num-mbufs=4096)

# run HVSIM_ARGS... <<<COMMANDS: testpmd on the bundled PMD. It spins
# forever when no host answers (no NVSP deadline): hence the KILL timeout.
run() { testpmd 60 bundled --strict "$@"; }

# guest HVSIM_ARGS... -- GUEST_FWD_ARGS: the bundled PMD through a plain
# ethdev forwarding app (Debian's testpmd cannot forward on it, see
# doc/guides/hvsim.md)
guest() { fwd 60 bundled --strict "$@"; }

sim_begin hvsim-test

# 1. probe and link up with what the host was told to present
run --mac=02:00:00:aa:bb:cc --speed=25000 <<<"show port info 0"
check "bundled testpmd exits cleanly under strict hvsim" 'rc_is 0'
check "MAC address is the configured one" 'has "MAC address: 02:00:00:AA:BB:CC"'
check "link is up" 'has "Link status: up"'
check "link speed is the configured 25 Gbps" 'has "Link speed: 25 Gbps"'
check "NVSP 0x60001 negotiated" '[ "$(nic nvsp_version)" = $((0x60001)) ]'
check "no protocol violation" '[ "$(nic violations)" = 0 ] && ! has "broke a rule"'
check "RNDIS requests were served (init, queries, sets)" '[ "$(nic rndis_requests)" -ge 10 ]'

# 2. link down at start is reported as such
run --link=down <<<"show port info 0"
check "link down is reported" 'has "Link status: down" && rc_is 0'

# 3. older hosts: the guest negotiates down
for v in 0x50000 0x40000 0x30002 0x2; do
	run --nvsp-max=$v <<<"show port info 0"
	check "host capped at NVSP $v: guest negotiates $v, no violation" \
		'rc_is 0 && [ "$(nic nvsp_version)" = $((v)) ] && [ "$(nic violations)" = 0 ]'
done

# 4. four queues: the guest asks for three subchannels and opens them
run <<EOF
port stop 0
port config all rxq 4
port config all txq 4
port start 0
show port info 0
EOF
check "four queues: host granted and offered three subchannels, no violation" \
	'rc_is 0 && grep -q "\"subchannel_id\": 3" "$work/stats.json" && [ "$(nic violations)" = 0 ]'

# counts_why: the guest's and the generator's counts, for a failure's line
counts_why() {
	{ grep -E '^(total rx|port ipackets)' "$work/out"
	  echo "gen sent=$(gen sent) received=$(gen received) lost=$(gen lost)"; } >"$work/why"
	false
}

# 5. io forwarding at a fixed rate: every frame comes back, exact counts.
# The bundled PMD drops what its staging ring (--rxd) cannot hold when the
# guest is late (doc/guides/hvsim.md): 4096 hold 200 ms of this stream.
guest --traffic=gen:rate=20000,count=20000,delay=300,sizes=60/128/512/1024/1514 -- \
	--packets 20000 --seconds 10 --rxd 4096 --txd 1024
check "io forwarding: guest exits cleanly" 'rc_is 0'
check "io forwarding: host sent 20000, guest received and sent 20000" \
	'[ "$(gen sent)" = 20000 ] && has "total rx=20000 tx=20000 unsent=0" && has "port ipackets=20000 " || counts_why'
check "io forwarding: host got all 20000 back, none lost, duplicated or corrupt" \
	'[ "$(gen received)" = 20000 ] && [ "$(gen lost)" = 0 ] && [ "$(gen duplicates)" = 0 ] && [ "$(gen corrupt)" = 0 ] && [ "$(gen foreign)" = 0 ] || counts_why'
check "io forwarding: no protocol violation, no guest RX drop" \
	'[ "$(nic violations)" = 0 ] && has "imissed=0" && has "ierrors=0" || counts_why'

# 6. four queues: flows spread as Toeplitz with the guest's key predicts
guest --traffic=gen:rate=50000,count=7000,delay=300,flows=7 -- \
	--rxq 4 --txq 4 --packets 7000 --seconds 10 --rxd 2048
python3 "$oracles/rss_predict.py" "$work/stats.json" 7 7000 4 >"$work/predicted" 2>&1
check "RSS: per-queue counts equal an independent Toeplitz prediction" \
	'[ -s "$work/predicted" ] && [ "$(grep "^queue=" "$work/out")" = "$(cat "$work/predicted")" ]'
check "RSS: all four queues receive, no frame lost" \
	'! grep -q "^queue=[0-3] rx=0$" "$work/out" && [ "$(gen lost)" = 0 ] && [ "$(nic violations)" = 0 ]'

# 7. testpmd io forwarding on the bundled PMD (descriptors as in 5). From
# 23.11 on it reports its queues started, so testpmd forwards on it (exact
# counts); 22.11's reports them stopped and testpmd disables every stream
# (doc/guides/hvsim.md), so nothing comes back. DPDK_VERSION: the DPDK
# built against (meson).
if [ "$(printf '%s\n' "${DPDK_VERSION:-22.11}" 23.11 | sort -V | head -n1)" = 23.11 ]; then
	run --traffic=gen:rate=20000,count=20000,delay=500,sizes=60/128/512/1024/1514 \
		-- --forward-mode=io --auto-start --rxd=4096 --txd=1024 \
		--total-num-mbufs=16384 <<EOF
?wait gen('sent') == 20000 and gen('received') == 20000
show port stats 0
EOF
	check "testpmd io forwarding on DPDK $DPDK_VERSION's bundled PMD: all 20000 back, exact" \
		'rc_is 0 && [ "$(gen sent)" = 20000 ] && [ "$(gen received)" = 20000 ] && [ "$(gen lost)" = 0 ] && [ "$(gen duplicates)" = 0 ] && [ "$(gen corrupt)" = 0 ] && [ "$(nic violations)" = 0 ]'
else
	run --traffic=gen:rate=20000,count=2000,delay=500 -- --forward-mode=io --auto-start <<EOF
?wait gen('sent') == 2000
show port stats 0
EOF
	check "testpmd on DPDK 22.11's bundled PMD forwards nothing (its queues report stopped)" \
		'rc_is 0 && [ "$(gen sent)" = 2000 ] && [ "$(gen received)" = 0 ] && [ "$(nic violations)" = 0 ]'
fi

sim_end
