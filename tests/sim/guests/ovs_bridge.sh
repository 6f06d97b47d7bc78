#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The guest of test_ovs.sh: Debian's OVS-DPDK (ovs-vswitchd-dpdk, linked
# against the system's DPDK, so the EAL loads whichever net_netvsc the
# plugin directory holds) with hvsim's two NICs in one netdev bridge,
# every daemon confined to DIR. Flows forward dpdk0 <-> dpdk1 and nothing
# else, so every frame the bridge sends is one the generator sent.
#
#   ovs_bridge.sh DIR MAC0 MAC1 RXQ
#
# Prints "ovs: ready" once both ports are up and the flows are in, then
# waits for a line on DIR/stop (a FIFO the test writes), prints each
# port's statistics ("ovs: dpdk0 rx_packets=N ...") and stops the daemons.
set -uo pipefail
dir=$1 mac0=$2 mac1=$3 rxq=$4
vswitchd=${OVS_VSWITCHD_DPDK:-/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk}
schema=/usr/share/openvswitch/vswitch.ovsschema
export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir
db=unix:$dir/db.sock
vsctl() { ovs-vsctl --db="$db" --timeout=30 "$@"; }
fail() { echo "ovs: failed: $*"; stop_daemons; exit 1; }

# stop_daemons: each daemon told to exit, and waited for (at most 30 s):
# ovs-vswitchd closes the ports, and hvsim must still be there to answer
stop_daemons() {
	local name pid i
	for name in ovs-vswitchd ovsdb-server; do
		pid=$(cat "$dir/$name.pid" 2>/dev/null) || continue
		ovs-appctl -t "$dir/$name.ctl" --timeout=30 exit >/dev/null 2>&1
		for ((i = 0; i < 300 && $(kill -0 "$pid" 2>/dev/null; echo $?) == 0; i++)); do
			sleep 0.1
		done
	done
}

# The database, with DPDK on: lcore 0 for OVS's own threads, lcore 1 for
# the PMD thread; the EAL of this run has its own file prefix and no PCI
# scan (hvsim's NICs are VMBus devices)
start_db() {
	ovsdb-tool create "$dir/conf.db" "$schema" || return 1
	ovsdb-server "$dir/conf.db" --remote=punix:"$dir/db.sock" \
		--unixctl="$dir/ovsdb-server.ctl" --log-file="$dir/ovsdb-server.log" \
		--pidfile="$dir/ovsdb-server.pid" --detach || return 1
	vsctl --no-wait init &&
	vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
		other_config:dpdk-socket-mem=256 other_config:dpdk-lcore-mask=0x1 \
		other_config:pmd-cpu-mask=0x2 \
		other_config:dpdk-extra="--no-pci --file-prefix=hvovs$$"
}

start_vswitchd() {
	"$vswitchd" "$db" --unixctl="$dir/ovs-vswitchd.ctl" --log-file="$dir/ovs-vswitchd.log" \
		--pidfile="$dir/ovs-vswitchd.pid" --detach --verbose=netdev_dpdk:file:info
}

# Two netvsc ports by their MAC, as the NIC guide says: DPDK 22.11's
# ethdev iterator, which OVS uses to find a port from its devargs, takes
# the legacy "<device name>" form only for the PCI, vdev and NXP buses;
# "class=eth,mac=" works on any bus. The EAL probed both NICs at start-up
# (no allow list), so OVS finds their ports among the probed ones.
add_ports() {
	vsctl add-br br0 -- set Bridge br0 datapath_type=netdev &&
	vsctl add-port br0 dpdk0 -- set Interface dpdk0 type=dpdk \
		options:dpdk-devargs="class=eth,mac=$mac0" options:n_rxq="$rxq" ofport_request=1 &&
	vsctl add-port br0 dpdk1 -- set Interface dpdk1 type=dpdk \
		options:dpdk-devargs="class=eth,mac=$mac1" options:n_rxq="$rxq" ofport_request=2 &&
	ovs-ofctl del-flows br0 &&
	ovs-ofctl add-flow br0 "in_port=1,actions=output:2" &&
	ovs-ofctl add-flow br0 "in_port=2,actions=output:1"
}

ports_up() {
	local p
	for p in dpdk0 dpdk1; do
		[ "$(vsctl get Interface "$p" link_state)" = up ] || return 1
	done
}

wait_ports_up() {
	local i
	for ((i = 0; i < 300; i++)); do
		ports_up && return 0
		sleep 0.1
	done
	return 1
}

# port_counts OFPORT: "rx_packets=N rx_dropped=N rx_errors=N tx_packets=N
# tx_dropped=N tx_errors=N", read from the port now (the database's
# statistics column is refreshed only every few seconds)
port_counts() {
	ovs-ofctl dump-ports br0 "$1" | tr -d ',' | awk '
		$1 == "port" || $1 == "rx" || $1 == "tx" {
			dir = ($1 == "port") ? $3 : $1
			for (i = 1; i <= NF; i++) {
				split($i, kv, "=")
				if (kv[1] == "pkts") printf "%s_packets=%s ", dir, kv[2]
				if (kv[1] == "drop") printf "%s_dropped=%s ", dir, kv[2]
				if (kv[1] == "errs") printf "%s_errors=%s ", dir, kv[2]
			}
		}'
}

# flows_settled: the flows' packet counts add up to what both ports
# received. OVS's revalidators push the datapath's flow counters to the
# OpenFlow rules about once a second; the ports' counters are read live.
flow_total() { ovs-ofctl dump-flows br0 | grep -o 'n_packets=[0-9]*' | awk -F= '{ s += $2 } END { print s + 0 }'; }
port_rx() { port_counts "$1" | grep -o 'rx_packets=[0-9]*' | cut -d= -f2; }
flows_settled() {
	local i want=$(( $(port_rx 1) + $(port_rx 2) ))
	for ((i = 0; i < 100; i++)); do
		[ "$(flow_total)" = "$want" ] && return 0
		sleep 0.1
	done
	return 1
}

print_stats() {
	local p ofport=1
	flows_settled || echo "ovs: the flows' counters did not reach the ports' in 10 s"
	for p in dpdk0 dpdk1; do
		echo "ovs: $p $(port_counts $ofport)"
		echo "ovs: $p error=$(vsctl get Interface "$p" error) n_rxq=$(vsctl get Interface "$p" options:n_rxq)"
		echo "ovs: $p database $(vsctl get Interface "$p" statistics | tr -d '{}" ' | tr ',' ' ')"
		ofport=$((ofport + 1))
	done
	echo "ovs: flows $(ovs-ofctl dump-flows br0 | grep -o 'n_packets=[0-9]*' | tr '\n' ' ')"
}

start_db || fail "ovsdb-server did not start (see $dir/ovsdb-server.log)"
start_vswitchd || fail "ovs-vswitchd-dpdk did not start (see $dir/ovs-vswitchd.log)"
add_ports || fail "the bridge or its ports could not be added"
wait_ports_up || { print_stats; fail "the ports did not come up in 30 s"; }
echo "ovs: ready"
read -r _ <"$dir/stop"
print_stats
stop_daemons
echo "ovs: stopped"
