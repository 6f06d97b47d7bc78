#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# hvnet's transparent VF failover on hvsim's VF: testpmd forwards on the
# netvsc port (4 queues, io) while the generator sends at a fixed rate and
# hvsim removes and re-adds the VF. The application sees one port; no
# frame may be lost or duplicated on an orderly removal.
# Speaks TAP. Needs root and hugepages (./hvnet setup).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
NO_PCI=			# the VF is a PCI device
TESTPMD_MEM=512
tp_args=(--rxq=4 --txq=4 --forward-mode=io --total-num-mbufs=32768)
LOG_NOISE='^EAL: |RNDIS (QUERY|SET)|statistics|RX-|TX-|####'
CYCLES=${FAILOVER_CYCLES:-20}

vf() { sj "d['nics'][${2:-0}]['vf']['$1']"; }
# times KEY: "n=N median=M max=X" of the VF's timing samples KEY (µs)
times() { sj "(lambda t: f'n={len(t)} median={sorted(t)[len(t)//2] if t else 0} max={max(t) if t else 0}')(d['nics'][0]['vf']['$1'])"; }
on_vf="?wait d['nics'][0]['vf']['datapath'] == 'vf'"
gone="?wait d['nics'][0]['vf']['state'] == 'absent'"

# port0_counter NAME: every value testpmd printed for port 0's NAME
# ("RX-packets", "TX-packets") in "show port stats 0", in order
port0_counter() {
	awk -v k="$1:" '/NIC statistics for port/ { p = / port 0 /; next } /^ *#+ *$/ { p = 0 }
		p && $1 == k { print $2 }' "$work/out"
}

# never_decreasing NAME: testpmd's port 0 NAME never went down
never_decreasing() {
	port0_counter "$1" | awk 'NR > 1 && $1 < prev { bad = 1; print "went down: " prev " -> " $1 }
		{ prev = $1 } END { exit bad }' >>"$work/why"
}

# cycles_in_order: each removal: steering back to synthetic before the
# device is revoked; each add: the switch to the VF before any TX on it
cycles_in_order() {
	python3 - "$work/out" <<'PY' >>"$work/why"
import sys
events = []
for line in open(sys.argv[1], errors="replace"):
    if "hvsim: nic0 vf: " in line:
        events.append(line.split("hvsim: nic0 vf: ", 1)[1].strip())
ok = True
removing = False
for e in events:
    if e == "orderly removal":
        removing, back = True, False
    elif removing and e.startswith("data path -> synthetic"):
        back = True
    elif removing and e == "PCI device revoked":
        if not back:
            print("device revoked before the data path was synthetic")
            ok = False
        removing = False
sys.exit(0 if ok else 1)
PY
}

sim_begin hvsim-failover

# ---- 1. orderly remove / add cycles: zero loss, zero duplicates -------------
tp_start 900 hvnet --strict --vf --vf-delay=100 --vf-queues=4 \
	--traffic=gen:count=0,rate=1,delay=3600000 --
tp "start" "$on_vf" "!gen rate=3000,count=100000000,flows=16,delay=0,sizes=64/512/1514" \
	"show port stats 0"
cycles_ran=0
for i in $(seq "$CYCLES"); do
	# varied pacing between the host's steps (the scenario, not a wait)
	pause=$(( (i * 37) % 500 ))
	tp "$on_vf" "?wait gen('received') > 0" "show port stats 0" "!vf remove" "$gone" \
		"show port stats 0" || break
	sleep "$(printf '0.%03d' "$pause")"
	tp "!vf add" "$on_vf" "show port stats 0" || break
	cycles_ran=$i
done
tp "!gen stop" "?wait gen('received') + gen('lost') >= gen('sent') and gen('received') == gen('sent')" \
	"stop" "show port stats 0" "show port xstats 0"
tp_quit
echo "# cycles=$cycles_ran sent=$(gen sent) received=$(gen received) lost=$(gen lost) duplicates=$(gen duplicates)"
echo "# vf offers=$(vf offers) removals=$(vf removals) to_vf=$(vf switches_to_vf) to_synthetic=$(vf switches_to_synthetic) rx=$(vf rx_frames) tx=$(vf tx_frames) lost_in_transition=$(vf lost_in_transition) tx_before_switch=$(vf tx_before_switch)"
echo "# synthetic rx=$(nic rx_frames) tx=$(nic tx_frames)"
echo "# failover µs: removal notice -> first frame synthetic $(times to_synthetic_us); vf add -> first frame on the VF $(times to_vf_us)"
check "$CYCLES orderly cycles ran, testpmd exits cleanly under strict hvsim" \
	'[ "$cycles_ran" = "$CYCLES" ] && clean'
check "every transition seen by hvsim: $((CYCLES + 1)) offers, $CYCLES removals, $((CYCLES + 1)) switches to the VF" \
	'[ "$(vf offers)" = $((CYCLES + 1)) ] && [ "$(vf removals)" = "$CYCLES" ] &&
	 [ "$(vf switches_to_vf)" = $((CYCLES + 1)) ] && [ "$(vf switches_to_synthetic)" -ge "$CYCLES" ]'
check "zero lost, zero duplicated, nothing corrupt (generator, across both paths)" \
	'[ "$(gen sent)" -gt 0 ] && [ "$(gen received)" = "$(gen sent)" ] && [ "$(gen lost)" = 0 ] &&
	 [ "$(gen duplicates)" = 0 ] && [ "$(gen corrupt)" = 0 ] && [ "$(vf lost_in_transition)" = 0 ]'
check "both paths carried traffic; nothing sent on the VF before a switch completed" \
	'[ "$(vf rx_frames)" -gt 0 ] && [ "$(nic rx_frames)" -gt 0 ] && [ "$(vf tx_before_switch)" = 0 ]'
check "testpmd's port counters equal hvsim's (RX: both paths into the guest; TX: both out)" \
	'[ "$(port0_counter RX-packets | tail -n1)" = $(( $(vf rx_frames) + $(nic rx_frames) )) ] &&
	 [ "$(port0_counter TX-packets | tail -n1)" = $(( $(vf tx_frames) + $(nic tx_frames) )) ]'
check "port counters never decrease across the cycles" \
	'never_decreasing RX-packets && never_decreasing TX-packets'
check "back to synthetic before every revocation" 'cycles_in_order'
check "the VF's xstats are there: vf_rx_packets, vf_tx_packets, attach/detach counts" \
	'has "vf_rx_packets: " && has "vf_tx_packets: " && has "vf_attach: " && has "vf_detach: "'

# ---- 2. surprise removal: no hang, loss only what hvsim saw in flight ---------
tp_start 300 hvnet --strict --vf --vf-delay=100 --vf-queues=4 \
	--traffic=gen:count=0,rate=1,delay=3600000 --
tp "start" "$on_vf" "!gen rate=3000,count=100000000,flows=16,delay=0,sizes=64/512/1514" \
	"?wait d['nics'][0]['vf']['rx_frames'] > 3000" "!vf surprise" "$gone" \
	"?wait len(d['nics'][0]['vf']['to_synthetic_us']) == 1" \
	"?wait d['nics'][0]['tx_frames'] > 3000" "!gen stop" \
	"?wait gen('sent') - gen('received') <= d['nics'][0]['vf']['lost_in_transition']" \
	"show port stats 0" "show port xstats 0"
tp_quit
echo "# surprise: sent=$(gen sent) received=$(gen received) lost=$(gen lost) lost_in_transition=$(vf lost_in_transition) tx_after_gone=$(vf tx_after_gone) back on synthetic after $(times to_synthetic_us) µs"
check "surprise: testpmd did not hang and exits cleanly; traffic goes on synthetic" \
	'clean && [ "$(vf surprise_removals)" = 1 ] && [ "$(nic rx_frames)" -gt 0 ] &&
	 [ "$(nic tx_frames)" -gt 3000 ]'
check "surprise: lost no more than hvsim saw in flight on the VF's rings, nothing duplicated" \
	'[ "$(gen lost)" -le "$(vf lost_in_transition)" ] && [ "$(gen duplicates)" = 0 ] &&
	 [ "$(gen corrupt)" = 0 ]'
check "surprise: synthetic traffic again within 100 ms of the removal" \
	'[ "$(sj "d[\"nics\"][0][\"vf\"][\"to_synthetic_us\"][0]")" -lt 100000 ]'

sim_end
