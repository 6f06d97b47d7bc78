#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# OVS-DPDK on our net_netvsc: Debian's openvswitch-switch-dpdk (3.1,
# linked against the system's DPDK 22.11) bridges hvsim's two NICs, both
# netvsc ports on our PMD in one netdev bridge with two receive queues
# each; the generator sends both ways through it. Exact counts on hvsim's
# side (every frame back on the other port, none lost, duplicated or
# misrouted) and on OVS's (its port statistics and flow counters).
# The recipe is the NIC guide's (doc/guides/nics/netvsc.md, OVS-DPDK).
# Speaks TAP. Needs root, hugepages (./hvnet setup) and Debian's
# openvswitch-switch-dpdk (./hvnet setup installs it).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
: "${HVNET_PLUGINS:?}"
LOG_NOISE='^EAL: '
LOG_LINES=40
guest=$(cd "$(dirname "$0")/guests" && pwd)/ovs_bridge.sh
vswitchd=${OVS_VSWITCHD_DPDK:-/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk}
MAC0=00:15:5d:42:00:10		# hvsim's NIC 0
MAC1=00:15:5d:42:00:11		# and NIC 1
COUNT=${OVS_FRAMES:-20000}

sim_begin hvnet-ovs
# Debian's OVS is linked against Debian's DPDK: on a build against another
# release (./hvnet --dpdk=VERSION) it would load that release's bundled
# plugins, not ours
if [ "$(PKG_CONFIG_PATH= pkg-config --modversion libdpdk 2>/dev/null)" != "${DPDK_VERSION:-}" ]; then
	echo "1..0 # SKIP Debian's OVS-DPDK runs on Debian's DPDK, not on the build's ${DPDK_VERSION:-?}"
	exit 0
fi
if [ ! -x "$vswitchd" ]; then
	echo "1..0 # SKIP $vswitchd missing: run ./hvnet setup (installs openvswitch-switch-dpdk)"
	exit 0
fi

# live EXPR: EXPR over hvsim's counters now (d: the document)
live() { ctl stats 2>/dev/null | sj "$1" /dev/stdin; }
gen_live() { live "d['vswitch']['gen']['ports'][$2]['$1']"; }
# ovs PORT KEY: a port statistic OVS printed at the end ("ovs: dpdk0 rx_packets=N ...")
ovs() { grep -E "^ovs: $1 " "$work/out" | grep -oE "(^| )$2=[0-9]+" | head -n1 | cut -d= -f2; }

mkfifo "$work/stop"
sim_bg 300 hvnet --strict --nics=2 --control="$sock" \
	--traffic=gen:count=0,rate=1,delay=3600000,ports='0>1/1>0' \
	-- bash "$guest" "$work" "$MAC0" "$MAC1" 2
check "OVS-DPDK adds both netvsc ports (class=eth,mac=..., n_rxq=2) and they come up" \
	'wait_for "^ovs: (ready|failed)" 120 && has "ovs: ready"'
if ! has "ovs: ready"; then
	ctl quit >/dev/null
	sim_wait
	sim_end
fi

# Both directions at once: 0>1 and 1>0, COUNT frames each, 16 flows
# (both receive queues busy), every size up to 1514
ctl "gen rate=10000,count=$COUNT,flows=16,delay=0,sizes=60/128/512/1024/1514" >/dev/null
until_true 120 eval '[ "$(gen_live received 0)" = "$COUNT" ] && [ "$(gen_live received 1)" = "$COUNT" ]'
# the guest reads the FIFO once it is ready; a guest gone leaves no reader
timeout 30 bash -c 'echo stop >"$1"' _ "$work/stop"
wait_for "^ovs: (stopped|failed)" 60
sim_wait			# hvsim ends with its guest

check "the generator sent $COUNT frames each way, and each came back on the other port" \
	'[ "$(gen sent 0)/$(gen received 0)/$(gen sent 1)/$(gen received 1)" = "$COUNT/$COUNT/$COUNT/$COUNT" ]'
check "none lost, duplicated, corrupt, foreign or on the wrong port" \
	'[ "$(gen lost 0)$(gen lost 1)$(gen duplicates 0)$(gen duplicates 1)$(gen corrupt 0)$(gen corrupt 1)$(gen foreign 0)$(gen foreign 1)$(gen wrong_port 0)$(gen wrong_port 1)" = 0000000000 ]'
check "hvsim's NICs agree: NIC 0 sent the guest $COUNT and got $COUNT back, NIC 1 the same" \
	'[ "$(nic 0 tx_frames)/$(nic 0 rx_frames)/$(nic 1 tx_frames)/$(nic 1 rx_frames)" = "$COUNT/$COUNT/$COUNT/$COUNT" ]'
check "OVS counted $COUNT received and $COUNT sent on each port, no drop or error" \
	'[ "$(ovs dpdk0 rx_packets)/$(ovs dpdk0 tx_packets)/$(ovs dpdk1 rx_packets)/$(ovs dpdk1 tx_packets)" = "$COUNT/$COUNT/$COUNT/$COUNT" ] && [ "$(ovs dpdk0 rx_dropped)$(ovs dpdk0 tx_dropped)$(ovs dpdk1 rx_dropped)$(ovs dpdk1 tx_dropped)$(ovs dpdk0 rx_errors)$(ovs dpdk1 tx_errors)" = 000000 ]'
check "both flows matched exactly $COUNT packets" \
	'[ "$(grep "^ovs: flows" "$work/out")" = "ovs: flows n_packets=$COUNT n_packets=$COUNT " ]'
check "OVS stopped, closing both ports; hvsim saw no protocol violation" \
	'has "ovs: stopped" && clean'
sim_end
