#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# testpmd's common commands against our net_netvsc on hvsim, in one
# session driven by its prompt: each command's own output is checked
# exactly, against what hvsim holds where the host has a say (the packet
# filter, RSS, MTU, frames delivered). Commands the protocol has no
# means for end in a clear error (doc/guides/nics/netvsc.md lists them).
# Speaks TAP. Needs root and hugepages (./hvnet setup).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
tp_args=(--total-num-mbufs=8192)

sim_begin hvnet-testpmd-cmds

# cmd LINE...: lines for testpmd (lib/testpmd.py), the output they caused
# alone in $work/last
cmd() {
	local from
	from=$(wc -l <"$work/out")
	tp "$@"
	tail -n +"$((from + 1))" "$work/out" >"$work/last"
}
# last_has TEXT...: every TEXT is a line (or part of one) of $work/last
last_has() {
	local t
	for t in "$@"; do
		grep -qF -- "$t" "$work/last" || { echo "missing: $t" >>"$work/why"; return 1; }
	done
}
last_lacks() { ! grep -qF -- "$1" "$work/last"; }
# last_count REGEX: how many lines of $work/last match
last_count() { grep -cE -- "$1" "$work/last"; }
# live KEY: NIC 0's counter KEY from hvsim's control socket, now
live() { ctl stats | python3 -c "import json,sys; print(json.load(sys.stdin)['nics'][0]['$1'])"; }
# field NAME: the value after "NAME:" in $work/last (testpmd's "Name: value" lines)
field() { grep -m1 -F -- "$1:" "$work/last" | sed "s/^.*$1: *//" | xargs; }
# stat NAME: testpmd's counter NAME of the last "show port stats" in $work/last
stat() { grep -o "$1: *[0-9]*" "$work/last" | tail -n1 | awk '{print $2}'; }

mac=02:00:00:00:00:01
tp_start 600 hvnet --strict --mac=$mac --mtu=9000 --speed=25000 \
	--traffic=gen:count=0,rate=1,delay=3600000 -- --forward-mode=rxonly --rxq=2 --txq=2

# ---- the port --------------------------------------------------------------
cmd "show port info 0"
check "show port info: MAC, link, speed, MTU, promiscuous (testpmd's default) and all-multicast on" \
	'last_has "MAC address: 02:00:00:00:00:01" "Driver name: net_netvsc" "Link status: up" \
		"Link speed: 25 Gbps" "MTU: 1500" "Promiscuous mode: enabled" \
		"Allmulticast mode: enabled" "Max possible RX queues: "'
cmd "show port summary 0"
check "show port summary: one line with the MAC, driver and link" \
	'[ "$(last_count "^0 +02:00:00:00:00:01 +f5bee5e0-[^ ]+ +net_netvsc +up +25 Gbps")" = 1 ]'
cmd "show port 0 rx_offload capabilities"
check "rx_offload capabilities: VLAN_STRIP and SCATTER per port, nothing per queue" \
	'last_has "VLAN_STRIP" "SCATTER" && [ -z "$(grep "Per Queue" "$work/last" | cut -d: -f2 | xargs)" ]'
cmd "show port 0 tx_offload capabilities"
check "tx_offload capabilities: VLAN_INSERT, MULTI_SEGS and MBUF_FAST_FREE" 'last_has "VLAN_INSERT" "MULTI_SEGS" "MBUF_FAST_FREE"'
cmd "show port 0 tx_offload configuration"
check "tx_offload configuration: MBUF_FAST_FREE, which testpmd asks for when offered" \
	'last_has "MBUF_FAST_FREE"'

# ---- queues ----------------------------------------------------------------
cmd "show rxq info 0 0"
check "show rxq info: mempool, 1024 descriptors (the default), 2048 B buffers, drop on, not scattered, started" \
	'last_has "Mempool: mb_pool_0" "RX drop packets: on" "RX scattered packets: off" \
		"Rx queue state: started" "RX buffer size: 2048" "Number of RXDs: 1024" \
		"Burst mode: Scalar, in-place parse, copy"'
cmd "show txq info 0 1"
check "show txq info: 1024 descriptors (the default: fewer than its send-buffer share), started" \
	'last_has "Number of TXDs: 1024" "Tx queue state: started" "Burst mode: Scalar, send buffer"'
# hvsim's send buffer: 16 MiB in 6144 B sections, 2730; one is kept for
# control, the rest shared by the 2 TX queues: 1364 each
cmd "port stop 0" "port config all txd 4096" "port start 0" "show txq info 0 0"
check "show txq info with 4096 asked: the 1364 the queue can have in flight (its send-buffer share)" \
	'last_has "Number of TXDs: 1364" "Tx queue state: started"'
cmd "port stop 0" "port config all txd 1024" "port start 0"
cmd "show rxq info 0 2"
check "show rxq info of a queue that does not exist: an error" \
	'last_has "Failed to retrieve information for port: 0, RX queue: 2"'

# ---- VLAN stripping, switched while the port runs ---------------------------
# gen_vlan N: N frames of 128 B tagged 0x2064 on the wire; the host puts
# the tag in the 802.1Q PPI
gen_vlan() { echo "!gen count=$1,rate=1000,delay=0,sizes=128,vlan=0x2064,dst=$mac"; }
cmd "set verbose 1" "start" "vlan set strip on 0" "show port 0 rx_offload configuration" \
	"$(gen_vlan 4)" "?count VLAN\ tci=0x2064 4" "stop"
check "strip on (running): rx_offload configuration has VLAN_STRIP" 'last_has "VLAN_STRIP"'
check "strip on: 4 frames of 128 B, untagged data (IPv4 after 14 B), tag 0x2064 in the mbuf, flagged stripped" \
	'[ "$(last_count "type=0x0800 - length=128 - nb_segs=1 - .*VLAN tci=0x2064 - .*sw ptype: L2_ETHER L3_IPV4 L4_UDP +- l2_len=14 ")" = 4 ] &&
	 [ "$(last_count "ol_flags: .*RTE_MBUF_F_RX_VLAN_STRIPPED")" = 4 ]'
cmd "start" "vlan set strip off 0" "show port 0 rx_offload configuration" \
	"$(gen_vlan 4)" "?count type=0x8100 4" "stop"
check "strip off (running): VLAN_STRIP gone from the configuration" 'last_lacks "VLAN_STRIP"'
check "strip off: 4 frames of 132 B, the tag back in the data (802.1Q then IPv4), no tag in the mbuf, no flag" \
	'[ "$(last_count "type=0x8100 - length=132 - nb_segs=1 - .*sw ptype: L2_ETHER_VLAN L3_IPV4 L4_UDP +- l2_len=18 ")" = 4 ] &&
	 [ "$(last_count "VLAN tci=")" = 0 ] && [ "$(last_count "RX_VLAN")" = 0 ]'
cmd "port stop 0" "vlan set strip on 0" "port start 0" "start" "$(gen_vlan 4)" \
	"?count VLAN\ tci=0x2064 8" "stop"
check "strip on set while stopped: after start, 4 frames stripped again" \
	'[ "$(last_count "type=0x0800 - length=128 - nb_segs=1 - .*VLAN tci=0x2064 - ")" = 4 ] &&
	 [ "$(last_count "ol_flags: .*RTE_MBUF_F_RX_VLAN_STRIPPED")" = 4 ]'
cmd "port stop 0" "port config 0 rx_offload vlan_strip off" "port start 0" \
	"show port 0 rx_offload configuration" "start" "$(gen_vlan 4)" "?count type=0x8100 8" "stop"
check "port config rx_offload vlan_strip off (a reconfigure): VLAN_STRIP off, 4 frames tagged in the data" \
	'last_lacks "VLAN_STRIP" &&
	 [ "$(last_count "type=0x8100 - length=132 - nb_segs=1 - .*sw ptype: L2_ETHER_VLAN L3_IPV4 L4_UDP +- l2_len=18 ")" = 4 ]'
cmd "vlan set filter on 0"
check "VLAN filter: refused (not an offload of the port)" \
	'last_has "rx_vlan_filter_set(port_pi=0, on=1) failed"'
cmd "vlan set qinq_strip on 0"
check "QinQ strip: refused" 'last_has "failed diag="'
cmd "vlan set stripq on 0,0"
check "VLAN strip per queue: refused (the setting is the port'\''s)" \
	'last_has "rx_vlan_strip_set_on_queue(port_pi=0, queue_id=0, on=1) failed diag=-95"'
cmd "rx_vlan add 5 0"
check "VLAN filter table: refused (VLAN filtering is not enabled, nor can it be)" \
	'last_has "(port_pi=0, vlan_id=5, on=1) failed diag=-"'

# ---- the packet filter: promiscuous and all-multicast -----------------------
# gen_mc N: N frames to a multicast group the port never joined
gen_mc() { echo "!gen count=$1,rate=2000,delay=0,sizes=128,vlan=0,dst=01:00:5e:01:02:03"; }
cmd "set verbose 0" "set promisc 0 off" "set allmulti 0 off" "show port info 0"
check "allmulti off, promiscuous off: testpmd says so, the host holds DIRECTED|BROADCAST (0x9)" \
	'last_has "Promiscuous mode: disabled" "Allmulticast mode: disabled" &&
	 [ "$(live packet_filter)" = 9 ]'
dropped=$(live rx_dropped_filter)
cmd "clear port stats 0" "start" "$(gen_mc 100)" "?wait nic('rx_dropped_filter') == $((dropped + 100))" \
	"stop" "show port stats 0"
check "allmulti off: 100 frames for a group not joined dropped by the host, 0 received" \
	'[ "$(live rx_dropped_filter)" = $((dropped + 100)) ] && [ "$(stat RX-packets)" = 0 ]'
cmd "set allmulti 0 on" "clear port stats 0" "start" "$(gen_mc 100)" \
	"?until show port stats 0 => RX-packets: +100 " "stop" "show port stats 0" "show port info 0"
check "allmulti on: the host holds DIRECTED|ALL_MULTICAST|BROADCAST (0xd), all 100 received" \
	'[ "$(live packet_filter)" = 13 ] && [ "$(stat RX-packets)" = 100 ] &&
	 [ "$(live rx_dropped_filter)" = $((dropped + 100)) ] && last_has "Allmulticast mode: enabled"'
cmd "show port xstats 0"
check "xstats: the 100 multicast frames counted as such (queues 0 and 1 together)" \
	'[ $(( $(grep -o "rx_q0_multicast_packets: [0-9]*" "$work/last" | cut -d" " -f2) +
	       $(grep -o "rx_q1_multicast_packets: [0-9]*" "$work/last" | cut -d" " -f2) )) = 100 ]'
cmd "set promisc 0 on"
check "promiscuous on: the host holds PROMISCUOUS (0x20)" '[ "$(live packet_filter)" = 32 ]'
cmd "set promisc 0 off" "set allmulti 0 off" "port stop 0" "set allmulti 0 on" "port start 0"
check "allmulti on while stopped: applied at start (0xd)" '[ "$(live packet_filter)" = 13 ]'

# ---- MAC addresses ----------------------------------------------------------
cmd "mac_addr add 0 02:00:00:00:00:09"
check "mac_addr add: refused, one address only (no list in the protocol)" \
	'last_has "mac_addr_cmd error: (Operation not supported)"'
cmd "mac_addr remove 0 02:00:00:00:00:09"
check "mac_addr remove: refused the same way" 'last_has "mac_addr_cmd error:"'
cmd "mcast_addr add 0 01:00:5e:00:00:01"
check "mcast_addr add: refused (no multicast list in the protocol: all-multicast instead)" \
	'last_has "rte_eth_dev_set_mc_addr_list(port=0, nb=1) failed. diag=-95"'
cmd "mac_addr set 0 02:00:00:00:00:07" "show port info 0"
check "mac_addr set: the new address" 'last_has "MAC address: 02:00:00:00:00:07"'
cmd "mac_addr set 0 $mac"

# ---- MTU --------------------------------------------------------------------
cmd "port stop 0" "port config mtu 0 4000" "port start 0" "show port info 0"
check "port config mtu 4000 (stopped): the port's MTU is 4000" 'last_has "MTU: 4000"'
cmd "port config mtu 0 9500"
check "port config mtu above the host's 9000: refused" \
	'last_has "MTU (9500) > device max MTU (9000) for port_id 0"'

# ---- RSS --------------------------------------------------------------------
cmd "show port 0 rss-hash"
check "show rss-hash: the types the host hashes" 'last_has "RSS functions:"'
cmd "port config all rss udp" "show port 0 rss-hash"
check "port config all rss udp: the host hashes no UDP, testpmd asks for none: RSS off at the host" \
	'last_has "configured:0" "RSS disabled" &&
	 [ "$(ctl stats | python3 -c "import json,sys; print(json.load(sys.stdin)[\"nics\"][0][\"rss\"][\"enabled\"])")" = False ]'
cmd "port config all rss ip" "show port 0 rss-hash"
check "port config all rss ip: IPv4 and IPv6 hashed, the host holds those types" \
	'last_has "ipv4" "ipv6" && last_lacks "ipv4-tcp" &&
	 [ $(( $(ctl stats | python3 -c "import json,sys; print(json.load(sys.stdin)[\"nics\"][0][\"rss\"][\"hash_info\"])") & 0xff )) = 1 ]'
cmd "port config all rss tcp" "show port 0 rss-hash"
check "port config all rss tcp: TCP over IPv4 and IPv6 hashed" 'last_has "ipv4-tcp" "ipv6-tcp"'
cmd "port config 0 rss reta (0,1),(1,0)" "show port 0 rss reta 128 (0xffffffffffffffff,0xffffffffffffffff)"
check "rss reta: entries 0 and 1 swapped, 128 entries reported" \
	'[ "$(last_count "RSS RETA configuration: hash index=[0-9]+, queue=[0-9]")" = 128 ] &&
	 last_has "hash index=0, queue=1" "hash index=1, queue=0" "hash index=2, queue=0"'

# ---- link -------------------------------------------------------------------
cmd "set link-down port 0"
check "set link-down: refused (the guest cannot take the host's link down)" \
	'last_has "Set link down fail."'
cmd "set link-up port 0"
check "set link-up: refused the same way" 'last_has "Set link up fail."'

# ---- stop, start, statistics -------------------------------------------------
cmd "clear port stats 0" "show port stats 0"
check "clear port stats: all zero" '[ "$(stat RX-packets)" = 0 ] && [ "$(stat TX-packets)" = 0 ]'
rx0=$(live rx_frames)
rxb0=$(live rx_bytes)
cmd "start" "!gen count=50,rate=2000,delay=0,sizes=64/512,dst=$mac" "?until show port stats 0 => RX-packets: +50 " \
	"stop" "show port stats 0"
check "port stats: the 50 frames the host delivered, bytes as hvsim counted" \
	'[ "$(stat RX-packets)" = 50 ] && [ "$(live rx_frames)" = $((rx0 + 50)) ] &&
	 [ "$(stat RX-bytes)" = $(( $(live rx_bytes) - rxb0 )) ]'
cmd "show port xstats 0"
check "xstats: rx_good_packets 50, per-queue counters summing to 50" \
	'last_has "rx_good_packets: 50" &&
	 [ $(( $(grep -o "rx_q0_packets: [0-9]*" "$work/last" | cut -d" " -f2) +
	       $(grep -o "rx_q1_packets: [0-9]*" "$work/last" | cut -d" " -f2) )) = 50 ]'
cmd "port stop 0" "show port info 0"
check "port stop: stopped cleanly" 'last_has "Link status:"'
cmd "port start 0" "show port info 0" "show rxq info 0 1"
check "port start: link up, queues started again" \
	'last_has "Link status: up" "Rx queue state: started"'
cmd "port 0 rxq 0 stop"
check "queue stop: refused (a channel lives with the session)" 'last_has "Function not supported in PMD"'
cmd "flow create 0 ingress pattern eth / end actions drop / end"
check "flow create: refused (no flow API in the protocol)" \
	'last_has "Caught PMD error type 1 (cause unspecified)"'
cmd "show port 0 module_eeprom"
check "module_eeprom: refused (no module)" 'last_has "operation not supported by device"'

tp_quit
check "testpmd exits cleanly, no protocol violation" 'clean'
sim_end
