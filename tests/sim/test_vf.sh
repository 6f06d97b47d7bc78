#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# hvsim's SR-IOV VF (accelerated networking, hvsim/vf/): the VF alone under
# Debian's testpmd, then DPDK's own net_netvsc (Debian's binary, unmodified)
# finding, using, losing and re-adding it through its own hot-add path, and
# the host's rules seen from outside. hvsim's fidelity proof for VFs.
# Speaks TAP. Needs root and hugepages (./hvnet setup).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
NO_PCI=			# the VF is a PCI device: every guest scans the PCI bus
tp_args=(--total-num-mbufs=8192)
LOG_NOISE='^EAL: |RNDIS (QUERY|SET)'

vf() { sj "d['nics'][${2:-0}]['vf']['$1']"; }

# in_order TEXT...: each TEXT appears in the output, each after the one
# before it (first occurrences after the previous match)
in_order() {
	local from=0 line t
	for t in "$@"; do
		line=$(tail -n +$((from + 1)) "$work/out" | grep -nF -m1 -- "$t" | cut -d: -f1)
		if [ -z "$line" ]; then
			echo "not found after line $from: $t" >>"$work/why"
			return 1
		fi
		from=$((from + line))
	done
}

# note KEY...: the VF's counters as a TAP comment (what a run measured)
note() {
	local k s="#"
	for k in "$@"; do s="$s $k=$(vf "$k")"; done
	echo "$s gen_lost=$(gen lost) gen_received=$(gen received)"
}

sim_begin hvsim-vf

# ---- 1. the VF alone: net_hvsim_vf under Debian's testpmd --------------------
# --vf-only: no VMBus device, the NIC's traffic all goes to the VF. The
# generator waits until forwarding runs (testpmd drops what arrived before).
testpmd 120 bundled --strict --vf-only --traffic=gen:count=0,rate=1,delay=3600000 -- \
	--forward-mode=io <<'EOF'
show port info 0
start
!gen rate=5000,count=5000,delay=0,sizes=60/512/1514
?wait gen('received') == 5000
stop
!vf recover ok
?out Port 0: error recovery successful event
!vf recover fail
?out Port 0: error recovery failed event
!vf surprise
?out Port 0: device removal event
EOF
check "VF alone: DPDK's PCI scan finds it and probes net_hvsim_vf" \
	'has "Probe PCI driver: net_hvsim_vf (1414:f0f1) device: 7870:00:02.0" &&
	 has "Driver name: net_hvsim_vf" && has "MAC address: 00:15:5D:42:00:10"'
check "VF alone: testpmd forwards all 5000 frames, exact counts on both sides" \
	'rc_is 0 && [ "$(gen sent)" = 5000 ] && [ "$(gen received)" = 5000 ] &&
	 [ "$(gen lost)" = 0 ] && [ "$(gen duplicates)" = 0 ] && [ "$(gen corrupt)" = 0 ] &&
	 [ "$(vf rx_frames)" = 5000 ] && [ "$(vf tx_frames)" = 5000 ] &&
	 grep -A1 "Forward statistics for port 0" "$work/out" | grep -q "RX-packets: 5000"'
check "VF alone: vf recover ok|fail: ERR_RECOVERING, then RECOVERY_SUCCESS or RECOVERY_FAILED" \
	'[ "$(lines "Port 0: error recovering event")" = 2 ] &&
	 in_order "Port 0: error recovering event" "Port 0: error recovery successful event" \
		"Port 0: error recovering event" "Port 0: error recovery failed event" &&
	 [ "$(vf recoveries)" = 2 ]'
check "VF alone: vf surprise revokes it and testpmd gets RTE_ETH_EVENT_INTR_RMV" \
	'has "Port 0: device removal event" && [ "$(vf removals)" = 1 ] &&
	 [ "$(vf surprise_removals)" = 1 ] && [ "$(vf present)" = False ]'
check "VF alone: no violation, nothing lost in a transition" \
	'[ "$(sj "d[\"violations\"]")" = 0 ] && [ "$(vf lost_in_transition)" = 0 ]'

# ---- 1b. the VF alone, used by a primary and a secondary process -------------
# hvsim runs both testpmd processes (mp.sh): 4 queues, queues 2 and 3 are
# the secondary's, which maps the BAR itself at the primary's address. Each
# forwards until it reads a line (line-buffered: "Press enter to exit" says
# it forwards); the generator starts once both are up. mp.sh prints each
# one's exit status and fails if either failed. mp_start -i: both
# interactive instead, commanded by mp_cmd, ready at their first prompt.
mp_start() {
	local ready="Press enter"
	[ "${1:-}" = -i ] && ready="testpmd> "
	rm -f "$work"/primary.* "$work"/secondary.*
	mkfifo "$work/primary.in" "$work/secondary.in"
	cat >"$work/mp.sh" <<MP
#!/bin/bash
mp() {
	stdbuf -oL "$TESTPMD" -l 0-1 -m 256 --file-prefix=hvfm$$ --proc-type=\$1 \\
		--log-level=pmd.net.hvsim_vf.init:info -- --num-procs=2 --proc-id=\$2 \\
		--rxq=4 --txq=4 --forward-mode=io --total-num-mbufs=8192 ${1:-} \\
		<"$work/\$1.in" >"$work/\$1.out" 2>&1 &
	echo \$! >"$work/\$1.pid"
	wait \$!
}
mp primary 0 &
primary=\$!
for i in \$(seq 600); do grep -q "$ready" "$work/primary.out" && break; sleep 0.1; done
mp secondary 1
secondary=\$?
touch "$work/secondary.done"
wait \$primary
primary=\$?
echo "mp.sh: primary exit \$primary, secondary exit \$secondary"
[ \$primary = 0 ] && [ \$secondary = 0 ]
MP
	chmod +x "$work/mp.sh"
	exec 5<>"$work/primary.in" 6<>"$work/secondary.in"
	sim_bg 120 bundled --strict --vf-only --control="$sock" \
		--traffic=gen:count=0,rate=1,delay=3600000 -- "$work/mp.sh"
	until_true 60 grep -qs "$ready" "$work/secondary.out"
}

# mp_cmd primary|secondary LINE: one line to that testpmd
mp_cmd() { if [ "$1" = primary ]; then echo "$2" >&5; else echo "$2" >&6; fi; }

# mp_end: the secondary exits, then the primary; both outputs go to $work/out
mp_end() {
	echo quit >&6
	until_true 30 test -e "$work/secondary.done"
	echo quit >&5
	sim_wait
	exec 5>&- 6>&-
	cat "$work/primary.out" "$work/secondary.out" >>"$work/out" 2>/dev/null
	grep -a "^mp.sh: " "$work/out" | sed 's/^/# /'
}

# stream_rx|stream_tx FILE QUEUE: testpmd's forward statistics of the
# stream polling RX queue QUEUE of port 0 (0 when it printed none)
stream_stat() {
	awk -v q="$3" -v k="$1:" '
		/Forward Stats for RX Port= *0\/Queue= *[0-9]+ / {
			match($0, /Queue= *[0-9]+/)
			s = substr($0, RSTART, RLENGTH)
			gsub(/[^0-9]/, "", s)
			cur = (s == q)
			next
		}
		cur && index($0, k) {
			for (i = 1; i < NF; i++)
				if ($i == k)
					n += $(i + 1)
			cur = 0
		}
		END { print n + 0 }' "$2"
}
stream_rx() { stream_stat RX-packets "$@"; }
stream_tx() { stream_stat TX-packets "$@"; }

# mp_sum rx|tx: the four streams' counts, both processes together
mp_sum() {
	local f q t=0
	for f in primary secondary; do
		for q in 0 1 2 3; do t=$((t + $(stream_$1 "$work/$f.out" $q))); done
	done
	echo $t
}

# bar_maps PID: how many mappings of the VF's BAR process PID has
bar_maps() { grep -c "/7870:00:02.0/resource0" "/proc/$1/maps" 2>/dev/null; }

gen_received() { ctl stats 2>/dev/null | sj "d['vswitch']['gen']['ports'][0]['received']" /dev/stdin; }

mp_start
ctl gen rate=4000,count=4000,delay=0,flows=16 >"$work/ctl.log"
until_true 60 eval '[ "$(gen_received)" = 4000 ]'
mp_end
sec_rx=$(( $(stream_rx "$work/secondary.out" 2) + $(stream_rx "$work/secondary.out" 3) ))
check "primary + secondary: the secondary attached, its BAR at the primary's address; both exit 0" \
	'has "attached in a secondary process, BAR at" &&
	 has "mp.sh: primary exit 0, secondary exit 0" && clean'
check "primary + secondary: all 4000 frames back, none lost; queues 2 and 3 (the secondary's) carried $sec_rx" \
	'[ "$(gen sent)" = 4000 ] && [ "$(gen received)" = 4000 ] && [ "$(gen lost)" = 0 ] &&
	 [ "$(gen duplicates)" = 0 ] && [ "$(gen corrupt)" = 0 ] &&
	 [ "$(vf rx_frames)" = 4000 ] && [ "$(vf tx_frames)" = 4000 ] &&
	 [ "$(mp_sum rx)" = 4000 ] && [ "$(mp_sum tx)" = 4000 ] && [ "$sec_rx" -gt 0 ] &&
	 [ "$(stream_rx "$work/primary.out" 2)" = 0 ] && [ "$(stream_rx "$work/secondary.out" 0)" = 0 ]'
echo "# RX per queue: $(stream_rx "$work/primary.out" 0) $(stream_rx "$work/primary.out" 1)" \
	"$(stream_rx "$work/secondary.out" 2) $(stream_rx "$work/secondary.out" 3)"

# vf surprise under both: the primary's testpmd handles RMV (stop, close,
# rte_dev_remove), and EAL has the secondary detach first; the secondary's
# mapping goes with it. The secondary stops forwarding before (it learns
# of no RMV: events are the primary's): DPDK 22.11 resets a released
# port's fast-path table in the secondary with a plain struct store, which
# an lcore still polling may read half-written (a NULL queue table: seen
# here as a crash inside testpmd's rte_eth_rx_burst()). Then vf add and
# "port attach" in the primary: EAL has the secondary attach the new device
# before the primary configured it; the primary then starts it with 4
# queues, which the secondary's xstats see. (The secondary does not
# forward on it: ethdev sets a secondary's rte_eth_rx_burst() queue table
# once, at probe, when the port had no queues yet.) Both exit cleanly.
mp_start -i
mp_cmd primary start
mp_cmd secondary start
sec_pid=$(cat "$work/secondary.pid" 2>/dev/null)
maps_before=$(bar_maps "$sec_pid")
ctl gen rate=2000,count=20000,delay=0,flows=16 >"$work/ctl.log"
until_true 30 eval '[ "$(gen_received)" -gt 1000 ]'
mp_cmd secondary stop
until_true 30 grep -qs "^Done\.$" "$work/secondary.out"
ctl vf surprise >>"$work/ctl.log"
until_true 30 grep -qs "detached in a secondary process" "$work/secondary.out"
until_true 30 grep -qs "Device is detached" "$work/primary.out"
maps_after=$(bar_maps "$sec_pid")
mp_cmd primary stop
ctl vf add >>"$work/ctl.log"
until_true 30 grep -qs "PCI device added" "$work/out"
mp_cmd primary "port attach 7870:00:02.0"
until_true 30 eval '[ "$(grep -c "attached in a secondary process" "$work/secondary.out")" = 2 ]'
maps_readd=$(bar_maps "$sec_pid")
mp_cmd primary "port start 0"
until_true 30 eval '[ "$(grep -c "Configuring Port 0" "$work/primary.out")" -ge 2 ]'
mp_cmd secondary "show port xstats 0"
until_true 30 grep -qs "rx_q3_packets" "$work/secondary.out"
# the BAR addresses: the primary's (its probe) and the secondary's (its attach), last of each
bar_p=$(grep -o "mtu <= [0-9]*, BAR at 0x[0-9a-f]*" "$work/primary.out" | tail -1 | sed 's/.* //')
bar_s=$(grep -o "secondary process, BAR at 0x[0-9a-f]*" "$work/secondary.out" | tail -1 | sed 's/.* //')
mp_end
check "surprise under both: the secondary detached, its BAR mapping gone ($maps_before before, $maps_after after)" \
	'[ "$maps_before" = 1 ] && [ "$maps_after" = 0 ] &&
	 has "port 0 detached in a secondary process" && has "Port 0: device removal event" &&
	 has "Device is detached" && [ "$(vf surprise_removals)" = 1 ]'
check "re-added and attached in the primary: the secondary attached it unconfigured, BAR at the primary's $bar_p" \
	'[ "$maps_readd" = 1 ] && [ -n "$bar_p" ] && [ "$bar_p" = "$bar_s" ] &&
	 [ "$(lines "attached in a secondary process")" = 2 ] && has "rx_q3_packets"'
check "surprise and re-add under both: no crash, both processes exit 0, no violation" \
	'has "mp.sh: primary exit 0, secondary exit 0" && clean'
echo "# surprise: gen_received=$(gen received) gen_lost=$(gen lost) lost_in_transition=$(vf lost_in_transition)"

# DPDK 23.11's bundled PMD deadlocks in its own VF hot add: hn_vf_add
# holds its vf_lock for writing and, the port being started, calls
# hn_vf_mtu_set, which takes the same lock for reading (24.11 sets the VF's
# MTU through ethdev instead). The hot-add thread hangs between
# "configuring VF port" and "Starting VF port"; traffic goes on synthetic
# (the bursts take the lock only once switched) until the application
# closes the port, which takes the lock and hangs too (hvsim's timeout ends
# it). On 23.11 section 2 records that, and the cases that need a working
# hot add (sections 3 and 4, the device before the association) are
# skipped, saying why.
vf_lock_defect=0
case "${DPDK_VERSION:-}" in 23.11.*) vf_lock_defect=1 ;; esac
no_hot_add="DPDK ${DPDK_VERSION:-}'s bundled PMD deadlocks in its VF hot add"

# ---- 2. DPDK's net_netvsc uses the VF it is offered --------------------------
# Default --vf-delay (1 s after VF_ASSOCIATION, as on Hyper-V): the device
# arrives as a hot plug; the bundled PMD's hot-add path (uevent, net/ of the
# PCI device, SIOCGIFHWADDR, rte_eal_hotplug_add) takes it, starts it and
# switches the data path. Every unicast frame then crosses the VF.
fwd 90 bundled --strict --vf --traffic=gen:rate=2000,count=6000,delay=5000 -- \
	--packets 6000 --seconds 40
if [ $vf_lock_defect = 1 ]; then
	check "bundled defect, DPDK 23.11: it found the VF by MAC, then hung on its vf_lock before starting it; all 6000 synthetic, never switched" \
		'has "Found matching MAC address, adding device 7870:00:02.0 network name enP30832s1" &&
		 has "Probe PCI driver: net_hvsim_vf" && has "configuring VF port 1" &&
		 ! has "Starting VF port" && ! has "data path -> VF" &&
		 has "total rx=6000 tx=6000 unsent=0"'
	skip "bundled: hot-added the VF by MAC through uevent and SIOCGIFHWADDR" "$no_hot_add"
	skip "bundled: the host saw VF_ASSOCIATION, the device, then the switch to the VF" "$no_hot_add"
	skip "bundled: all 6000 frames crossed the VF both ways, none lost" "$no_hot_add"
	skip "bundled: no violation under strict hvsim" "$no_hot_add"
else
	check "bundled: hot-added the VF by MAC through uevent and SIOCGIFHWADDR" \
		'has "Found matching MAC address, adding device 7870:00:02.0 network name enP30832s1" &&
		 has "Probe PCI driver: net_hvsim_vf"'
	check "bundled: the host saw VF_ASSOCIATION, the device, then the switch to the VF" \
		'in_order "sent VF_ASSOCIATION(1)" "PCI device added" "data path -> VF" &&
		 [ "$(vf offers)" = 1 ] && [ "$(vf switches_to_vf)" = 1 ]'
	check "bundled: all 6000 frames crossed the VF both ways, none lost" \
		'rc_is 0 && has "total rx=6000 tx=6000 unsent=0" && [ "$(vf rx_frames)" = 6000 ] &&
		 [ "$(vf tx_frames)" = 6000 ] && [ "$(gen received)" = 6000 ] && [ "$(gen lost)" = 0 ] &&
		 [ "$(nic rx_frames)" = 0 ]'
	note rx_frames tx_frames switches_to_vf
	check "bundled: no violation under strict hvsim" '[ "$(sj "d[\"violations\"]")" = 0 ]'
fi

# ---- 3. vf remove, vf add: back to synthetic, and back to the VF -------------
# Traffic at a fixed rate throughout. Orderly removal in OpenVMM's order;
# the bundled PMD answers VF_ASSOCIATION(0) with its own 129(synthetic) and
# leaves the VF on RTE_ETH_EVENT_INTR_RMV; the re-added device goes through
# its hot-add path again.
if [ $vf_lock_defect = 0 ]; then
	fwd_bg 150 bundled --strict --vf --control="$sock" --traffic=gen:rate=1000,count=25000 -- \
		--packets 25000 --seconds 60
	cycle_ok=1
	wait_for "data path -> VF" 30 || cycle_ok=0
	until_true 30 eval '[ "$(ctl stats | sj "d[\"nics\"][0][\"vf\"][\"rx_frames\"]" /dev/stdin)" -gt 500 ]' || cycle_ok=0
	ctl vf remove >>"$work/ctl.log"
	wait_for "PCI device revoked" 30 || cycle_ok=0
	until_true 30 eval '[ "$(ctl stats | sj "d[\"nics\"][0][\"rx_frames\"]" /dev/stdin)" -gt 500 ]' || cycle_ok=0
	ctl vf add >>"$work/ctl.log"
	until_true 40 eval '[ "$(grep -c "data path -> VF" "$work/out")" -ge 2 ]' || cycle_ok=0
	sim_wait
	check "remove/add: the cycle ran (VF, synthetic, VF again)" '[ $cycle_ok = 1 ] && rc_is 0'
	check "remove/add: host order: steer synthetic, 129(synthetic), VF_ASSOCIATION(0), guest back, device revoked" \
		'in_order "orderly removal" "data path -> synthetic" "sent SWITCH_DATA_PATH(synthetic)" \
			"sent VF_ASSOCIATION(0)" "guest SWITCH_DATA_PATH(synthetic)" "PCI device revoked" \
			"sent VF_ASSOCIATION(1)" "PCI device added" "data path -> VF"'
	check "remove/add: the bundled PMD left the VF on RMV and hot-added it again" \
		'[ "$(grep -c "Found matching MAC address, adding device 7870:00:02.0" "$work/out")" = 2 ] &&
		 [ "$(vf offers)" = 2 ] && [ "$(vf removals)" = 1 ] && [ "$(vf switches_to_vf)" = 2 ]'
	# DPDK's 22.11 PMD exits with the host still steering to the VF (fixed
	# upstream in 26.03): hvsim steers back when the session ends, a second
	# switch to synthetic that the guest never asked for.
	check "remove/add: the bundled PMD exits on the VF; the host steers back when its session ends" \
		'[ "$(vf switches_to_synthetic)" = 2 ] && has "data path -> synthetic (session ended)"'
	check "remove/add: traffic crossed the VF and the synthetic path, counted once across both" \
		'[ "$(vf rx_frames)" -gt 0 ] && [ "$(nic rx_frames)" -gt 0 ] &&
		 [ $(( $(vf rx_frames) + $(nic rx_frames) )) = 25000 ] &&
		 [ "$(gen duplicates)" = 0 ] && [ "$(gen corrupt)" = 0 ]'
	note rx_frames tx_frames lost_in_transition rx_dropped_stopped
	echo "# synthetic rx_frames=$(nic rx_frames) tx_frames=$(nic tx_frames)"
else
	skip "remove/add: the cycle ran (VF, synthetic, VF again)" "$no_hot_add"
	skip "remove/add: host order: steer synthetic, 129(synthetic), VF_ASSOCIATION(0), guest back, device revoked" "$no_hot_add"
	skip "remove/add: the bundled PMD left the VF on RMV and hot-added it again" "$no_hot_add"
	skip "remove/add: the bundled PMD exits on the VF; the host steers back when its session ends" "$no_hot_add"
	skip "remove/add: traffic crossed the VF and the synthetic path, counted once across both" "$no_hot_add"
fi

# ---- 4. vf surprise under the bundled PMD ------------------------------------
if [ $vf_lock_defect = 0 ]; then
	fwd_bg 120 bundled --strict --vf --control="$sock" --traffic=gen:rate=1000,count=12000 -- \
		--packets 12000 --seconds 40
	wait_for "data path -> VF" 30
	until_true 30 eval '[ "$(ctl stats | sj "d[\"nics\"][0][\"vf\"][\"rx_frames\"]" /dev/stdin)" -gt 500 ]'
	ctl vf surprise >>"$work/ctl.log"
	sim_wait
	check "surprise: device first, then 129(synthetic) and VF_ASSOCIATION(0); traffic goes on synthetic" \
		'in_order "surprise removal" "PCI device revoked" "data path -> synthetic" \
			"sent SWITCH_DATA_PATH(synthetic)" "sent VF_ASSOCIATION(0)" &&
		 [ "$(vf surprise_removals)" = 1 ] && [ "$(nic rx_frames)" -gt 0 ]'
	# The bundled PMD keeps transmitting on the VF until its RMV alarm runs:
	# what it sends into the revoked device is lost on top of what hvsim counts
	# on the VF's rings (32 to 40 frames in our runs, depending on load; the
	# note below prints it). The check: hvsim's count is part of the loss, the
	# loss stays under 1% of the 12000 frames, nothing is duplicated.
	check "surprise: loss includes what was on the VF's rings, stays small, nothing duplicated" \
		'[ "$(gen lost)" -ge "$(vf lost_in_transition)" ] && [ "$(gen lost)" -lt 120 ] &&
		 [ "$(gen duplicates)" = 0 ]'
	note rx_frames lost_in_transition
else
	skip "surprise: device first, then 129(synthetic) and VF_ASSOCIATION(0); traffic goes on synthetic" "$no_hot_add"
	skip "surprise: loss includes what was on the VF's rings, stays small, nothing duplicated" "$no_hot_add"
fi

# ---- 5. the host's rules, seen from a real guest -----------------------------
# VF_ASSOCIATION only to NVSP >= 0x40000 with the SR-IOV bit in NDIS_CONFIG
# (DPDK sets it from 0x50000 on): below that the guest runs synthetic only.
for v in 0x30002 0x40000; do
	fwd 60 bundled --strict --vf --nvsp-max=$v --traffic=gen:rate=2000,count=2000,delay=2500 -- \
		--packets 2000 --seconds 20
	check "host capped at NVSP $v: no VF_ASSOCIATION, no device, all frames synthetic" \
		'rc_is 0 && [ "$(vf offers)" = 0 ] && [ "$(vf present)" = False ] &&
		 ! has "VF_ASSOCIATION" && [ "$(nic rx_frames)" = 2000 ] && [ "$(gen lost)" = 0 ]'
done

# The device before the association (--vf-delay negative): found by EAL's
# PCI scan at start (port 0: the PCI bus probes first; the application
# runs on the netvsc port, 1), attached when VF_ASSOCIATION comes, no hot
# plug needed.
if [ $vf_lock_defect = 0 ]; then
	fwd 90 bundled --strict --vf --vf-delay=-1000 --traffic=gen:rate=2000,count=4000,delay=3000 -- \
		--packets 4000 --seconds 30 --port 1
	check "device before the association: probed at start, switched at the association" \
		'rc_is 0 && in_order "PCI device added" "Probe PCI driver: net_hvsim_vf" "sent VF_ASSOCIATION(1)" \
			"data path -> VF" && ! has "Found matching MAC address" &&
		 [ "$(vf switches_to_vf)" = 1 ] && [ "$(gen lost)" = 0 ]'
else
	skip "device before the association: probed at start, switched at the association" "$no_hot_add"
fi

# The device at the same moment as the association (--vf-delay=0): the
# bundled PMD's defect, recorded. Its hot-add callback is registered only at
# the end of its probe, while VF_ASSOCIATION is handled inside the probe; the
# device's "add" uevent lands in between and is dropped, and the retry that
# VF_ASSOCIATION started only looks among existing ports: it never finds
# the VF. The run stays synthetic.
fwd 60 bundled --strict --vf --vf-delay=0 --traffic=gen:rate=2000,count=2000,delay=4000 -- \
	--packets 2000 --seconds 20
check "bundled defect, --vf-delay=0: the add uevent before its callback is lost; stays synthetic" \
	'rc_is 0 && [ "$(vf offers)" = 1 ] && [ "$(vf switches_to_vf)" = 0 ] &&
	 [ "$(lines "RNDIS reports VF but device not found, retrying")" -ge 3 ] &&
	 ! has "Found matching MAC address" && [ "$(nic rx_frames)" = 2000 ]'

sim_end
