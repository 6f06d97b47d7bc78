#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Device rescind and re-offer, end to end: hvsim revokes the NIC as the
# guest's kernel would (/dev/uioN read/write EIO, sysfs entry gone,
# uevents) while testpmd forwards on our PMD; the port must report its
# removal (link down, RMV) and be stopped, closed and detached without a
# hang (testpmd does that itself on RMV: rmv_port_callback); after
# "reoffer" the application attaches the new device ("port attach UUID")
# and a fresh generator batch comes back whole.
# Speaks TAP. Needs root and hugepages (./hvnet setup).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
TESTPMD_MEM=512
tp_args=(--rxq=2 --txq=2 --forward-mode=io --total-num-mbufs=16384)
LOG_NOISE='^EAL: |RNDIS (QUERY|SET)|statistics|RX-|TX-|####'
UUID=f5bee5e0-0000-4000-8000-000000000100	# hvsim's NIC 0

life() { sj "d['nics'][${2:-0}]['lifecycle']['$1']"; }
traffic="!gen rate=5000,count=100000000,flows=8,delay=0,sizes=64/512/1514"
# a fresh batch that must come back whole
batch="!gen rate=5000,count=20000,flows=8,delay=0,sizes=64/512/1514"
all_back="?wait gen('sent') == 20000 and gen('received') == 20000"
# testpmd's RMV handler (rmv_port_callback) ends with these lines; the
# regexes start at a line start so that testpmd.py's own notes never match
removed="?out \\nDevice is detached"
# reattach: the new device as a port, started, forwarding
reattach=("port attach $UUID" "port start all" "start")

# in_order TEXT...: the output has lines containing each TEXT, in order
in_order() {
	python3 - "$work/out" "$@" <<'PY' >>"$work/why"
import sys
lines = open(sys.argv[1], errors="replace").read().splitlines()
i = 0
for want in sys.argv[2:]:
    while i < len(lines) and want not in lines[i]:
        i += 1
    if i == len(lines):
        print("not in order: " + want)
        sys.exit(1)
    i += 1
PY
}

# out_lines REGEX N: exactly N lines of the output match REGEX
out_lines() {
	local got
	got=$(grep -cE -- "$1" "$work/out")
	[ "$got" = "$2" ] || { echo "$got lines match $1, not $2" >>"$work/why"; false; }
}
no_wait_gave_up() {
	! grep -F "testpmd.py: gave up" "$work/out" >>"$work/why"
}

sim_begin hvsim-rescind

# ---- 1. under traffic: RMV, link down, detached; reoffer, attach, 0 loss ---
# The batch running at the rescind is stopped before the re-offer: its
# frames would come back on the new port, counted against the next batch.
tp_start 300 hvnet --strict --traffic=gen:count=0,rate=1,delay=3600000 --
tp "start" "$traffic" "?wait gen('received') > 5000" "!rescind 0" \
	"?out device removal event" "$removed" "?wait not d['nics'][0]['lifecycle']['present']" \
	"!gen stop" "stop" "port stop all" "port close all" "show port summary all"
tp "!reoffer 0" "?wait d['nics'][0]['lifecycle']['present']" "${reattach[@]}" \
	"$batch" "$all_back" "stop" "show port stats all"
tp_quit
cp "$work/out" "$work/out.1"
echo "# rescinds=$(life rescinds) reoffers=$(life reoffers) uio=$(life uio) relid=$(life relid)" \
	"batch sent=$(gen sent) received=$(gen received) lost=$(gen lost)" \
	"duplicates=$(gen duplicates) corrupt=$(gen corrupt)"
check "traffic: after the rescind testpmd saw the link go down, then the removal event" \
	'in_order "rescinded by the host" "Port 0: link state change event" \
		"Port 0: device removal event" "Port 0 is closed" "Device is detached"'
check "traffic: testpmd stopped, closed and detached the port by itself, every wait met" \
	'out_lines "^Device is detached" 1 && no_wait_gave_up'
check "traffic: hvsim rescinded and re-offered the NIC once, a new relid" \
	'[ "$(life rescinds)" = 1 ] && [ "$(life reoffers)" = 1 ] && [ "$(life relid)" != 14 ]'
check "traffic: the re-offered device attached as a port, a fresh batch back whole" \
	'out_lines "^Port [0-9]+ is attached" 1 && [ "$(gen sent)" = 20000 ] &&
	 [ "$(gen received)" = 20000 ] &&
	 [ "$(gen lost)" = 0 ] && [ "$(gen duplicates)" = 0 ] && [ "$(gen corrupt)" = 0 ]'
check "traffic: testpmd exits cleanly, no guest rule broken" 'clean'

# ---- 2. idle, twice: rescind a started port that forwards nothing -----------
tp_start 300 hvnet --strict --traffic=gen:count=0,rate=1,delay=3600000 --
tp "!rescind 0" "?out device removal event" "$removed" "!reoffer 0" \
	"?wait d['nics'][0]['lifecycle']['present']" "${reattach[@]}" "stop"
tp "!rescind" "?count device removal event 2" "?count \\nDevice is detached 2" \
	"!reoffer" "?wait d['nics'][0]['lifecycle']['present']" "port attach vmbus:$UUID" \
	"port start all" "start" "$batch" "$all_back" "stop"
tp_quit
cp "$work/out" "$work/out.2"
check "idle twice: two removal events, two detaches, two attaches (UUID, vmbus:UUID)" \
	'out_lines "^Port 0: device removal event" 2 && out_lines "^Device is detached" 2 &&
	 out_lines "^Port [0-9]+ is attached" 2 && no_wait_gave_up'
check "idle twice: after the second re-offer a fresh batch comes back whole" \
	'[ "$(gen sent)" = 20000 ] && [ "$(gen received)" = 20000 ] && [ "$(gen lost)" = 0 ]'
check "idle twice: hvsim counted 2 rescinds, 2 re-offers; clean exit" \
	'[ "$(life rescinds)" = 2 ] && [ "$(life reoffers)" = 2 ] && clean'

# ---- 3. hvsim's commands: errors say why ----------------------------------------
tp_start 120 hvnet --traffic=gen:count=0,rate=1,delay=3600000 --
tp "!reoffer 0" "!rescind 7" "!rescind 0" "?out device removal event" "!rescind 0" "$removed"
tp_quit
cp "$work/out" "$work/out.3"
check "commands: reoffer of a present NIC, an unknown NIC, a second rescind are refused" \
	'grep -q "error: NIC 0 is present" "$work/ctl.log" && grep -q "error: no NIC 7" "$work/ctl.log" &&
	 grep -q "error: NIC 0 is already rescinded" "$work/ctl.log"'
check "commands: testpmd quits cleanly with its only port gone" 'rc_is 0'

# ---- 4. a secondary process: both processes hear of the removal ------------
# Primary and secondary testpmd forward (as in test_pmd.sh 9), each until
# it reads a line; the rescind reaches both through their own /dev/uioN.
mkfifo "$work/primary.in" "$work/secondary.in"
cat >"$work/mp.sh" <<EOF
#!/bin/bash
mp() {
	stdbuf -oL "$TESTPMD" -l 0-1 -m 256 --no-pci --file-prefix=hvr$$ --proc-type=\$1 -- \\
		--num-procs=2 --proc-id=\$2 --rxq=2 --txq=2 --forward-mode=io \\
		--total-num-mbufs=8192 <"$work/\$1.in" >"$work/\$1.out" 2>&1
}
mp primary 0 &
for i in \$(seq 600); do grep -q "Press enter" "$work/primary.out" && break; sleep 0.1; done
mp secondary 1
touch "$work/secondary.done"
wait
EOF
chmod +x "$work/mp.sh"
rm -f "$work/ctl.log"
exec 5<>"$work/primary.in" 6<>"$work/secondary.in"
sim_bg 120 hvnet --control="$sock" --traffic=gen:count=0,rate=1,delay=3600000 -- "$work/mp.sh"
until_true 60 grep -qs "Press enter" "$work/secondary.out" &&
	ctl gen rate=4000,count=100000000,delay=0,flows=16 >"$work/ctl.log"
until_true 30 eval '[ "$(ctl stats 2>/dev/null | sj "d[\"vswitch\"][\"gen\"][\"ports\"][0][\"received\"]" /dev/stdin)" -gt 2000 ]'
ctl rescind 0 >>"$work/ctl.log"
until_true 30 eval 'grep -qs "device removal event" "$work/primary.out" &&
	grep -qs "device removal event" "$work/secondary.out"'
mp_removed=$?
echo >&6
until_true 30 test -e "$work/secondary.done"
echo >&5
sim_wait
exec 5>&- 6>&-
cat "$work/primary.out" "$work/secondary.out" >>"$work/out" 2>/dev/null
check "secondary: both processes got the removal event and exit when told" \
	'[ "$mp_removed" = 0 ] && rc_is 0'


# ---- 5. with a VF: the new port takes the VF again ---------------------------
# The closed port must take the VF's PCI device off the bus with its port:
# left probed, the new netvsc port's probe of it failed (-EEXIST) forever.
on_vf="?wait d['nics'][0]['vf']['datapath'] == 'vf'"
NO_PCI= tp_start 300 hvnet --strict --vf --vf-delay=100 \
	--traffic=gen:count=0,rate=1,delay=3600000 --
tp "start" "$on_vf" "!rescind 0" "?out device removal event" "$removed" \
	"?wait not d['nics'][0]['lifecycle']['present']" "stop" \
	"!reoffer 0" "?wait d['nics'][0]['lifecycle']['present']" "${reattach[@]}" \
	"$on_vf" "$batch" "$all_back" "stop"
tp_quit
cp "$work/out" "$work/out.5"
vf() { sj "d['nics'][0]['vf']['$1']"; }
echo "# vf offers=$(vf offers) to_vf=$(vf switches_to_vf) rx=$(vf rx_frames)" \
	"batch sent=$(gen sent) received=$(gen received) lost=$(gen lost)"
check "VF: the re-offered NIC's new port probed the VF again and switched to it" \
	'out_lines "Probe PCI driver: net_hvsim_vf" 2 && out_lines "Failed to attach device" 0 &&
	 [ "$(vf switches_to_vf)" = 2 ] && no_wait_gave_up'
check "VF: a fresh batch after the re-offer comes back whole; clean exit" \
	'[ "$(gen sent)" = 20000 ] && [ "$(gen received)" = 20000 ] && [ "$(gen lost)" = 0 ] &&
	 [ "$(gen duplicates)" = 0 ] && [ "$(gen corrupt)" = 0 ] && clean'

sim_end
