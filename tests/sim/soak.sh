#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The soak (./hvnet soak --minutes N; not part of ./hvnet test): one
# testpmd session on our net_netvsc, on strict hvsim with an SR-IOV VF,
# goes round a loop for N minutes. Each round: a clean traffic batch (0
# lost), a link flap, an MTU change and back, a port reset, a VF
# remove/add, a corruption burst (when hvsim has "corrupt") and a
# rescind/re-offer (when hvsim has "rescind"). After every round, with
# forwarding stopped and the traffic drained, the mbufs in use and the
# testpmd process's resident memory are read. At the end they must be
# back at the figures before the first round (the mbufs exactly) and the
# RSS at most SOAK_RSS_SLACK_KB above the first round's in every later
# round. Speaks TAP.
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
NO_PCI=			# the VF is a PCI device
TESTPMD_MEM=512
MINUTES=${SOAK_MINUTES:-10}
RSS_SLACK_KB=${SOAK_RSS_SLACK_KB:-512}
QUEUES=${SOAK_QUEUES:-2}
tp_args=(--rxq="$QUEUES" --txq="$QUEUES" --forward-mode=io --total-num-mbufs=32768)
LOG_NOISE='^EAL: |RNDIS (QUERY|SET)|statistics|RX-|TX-|####'

UUID=f5bee5e0-0000-4000-8000-000000000100	# hvsim's NIC 0
on_vf="?wait d['nics'][0]['vf']['datapath'] == 'vf'"
gone="?wait d['nics'][0]['vf']['state'] == 'absent'"
all_back="?wait gen('received') + gen('lost') >= gen('sent') > 0"

sim_begin hvnet-soak
log() { echo "# $(date +%T) $*"; }

# has_command NAME: hvsim's control socket knows NAME
has_command() { ctl help | grep -qE "(^|; )$1( |;|$)"; }

# mempool_in_use: mbufs of testpmd's pool not in the pool, in its last
# "dump_mempool" (size less the common pool and the lcore caches)
mempool_in_use() {
	awk '/^mempool <mb_pool_0>/ { p = 1; next } /^mempool </ { p = 0 }
		p && /populated_size=/ { split($0, a, "="); size = a[2] }
		p && /common_pool_count=/ { split($0, a, "="); common = a[2] }
		p && /total_cache_count=/ { split($0, a, "="); cache = a[2] }
		END { if (size == "") exit 1; print size - common - cache }' "$work/out"
}

# testpmd_pid: the testpmd process itself. Its arguments are also in the
# command lines of hvsim (which starts it) and of lib/testpmd.py (which
# drives it), so the match is on the program name in argv[0]: matching the
# file prefix alone found testpmd.py, and its memory was read as testpmd's.
testpmd_pid() { pgrep -f -- "^[^ ]*testpmd[^ ]* .*--file-prefix=hvtp$$"'( |$)' | head -n1; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$(testpmd_pid)/status" 2>/dev/null; }
# rss_parts: "anon A, file F, shmem S" kB, where the resident memory is
rss_parts() {
	awk '/^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 } /^RssShmem:/ { s = $2 }
		END { printf "anon %s, file %s, shmem %s", a, f, s }' \
		"/proc/$(testpmd_pid)/status" 2>/dev/null
}

# batch COUNT [GEN_ARGS]: a clean generator batch at a fixed rate, every frame back
lost_total=0
sent_total=0
batch() {
	tp "!gen rate=20000,count=$1,flows=16,delay=0,sizes=60/128/512/1024/1514${2:+,$2}" \
		"?wait gen('received') == gen('sent') == $1" "!snap batch" || return 1
	local sent lost
	sent=$(sj "d['vswitch']['gen']['ports'][0]['sent']" "$work/batch.json")
	lost=$(( sent - $(sj "d['vswitch']['gen']['ports'][0]['received']" "$work/batch.json") ))
	sent_total=$((sent_total + sent))
	lost_total=$((lost_total + lost))
	[ "$lost" = 0 ]
}

# measure: the port stopped (every queue's mbufs given back), the mbufs in
# use and RSS; then started again, on the VF again
measure() {
	tp "stop" "port stop 0" "$TP_DUMP_MEMPOOL" "port start 0" "start" "$on_vf" || return 1
	in_use=$(mempool_in_use)
	[ -n "$(testpmd_pid)" ] || { echo "# no testpmd process found"; return 1; }
	rss=$(rss_kb)
	rss_split=$(rss_parts)
	# where the memory is, for finding a leak (KEEP=1 keeps them)
	cp "/proc/$(testpmd_pid)/smaps" "$work/smaps.$rounds" 2>/dev/null
}

step_none() { :; }

# gave_up: one of testpmd.py's waits gave up (its note in the output)
gave_up() { grep -qF "testpmd.py: gave up" "$work/out"; }

step_link_flap() {
	tp "!link 0 down" "?until show port info 0 => Link status: down" \
		"!link 0 up" "?until show port info 0 => Link status: up"
}

step_mtu() {
	tp "stop" "port stop 0" "port config mtu 0 9000" "port start 0" \
		"?until show port info 0 => MTU: 9000" "start" && batch 2000 &&
	tp "stop" "port stop 0" "port config mtu 0 1500" "port start 0" \
		"?until show port info 0 => MTU: 1500" "start"
}

step_reset() {
	tp "stop" "port stop 0" "port reset 0" "port start 0" \
		"?until show port info 0 => Link status: up" "start" && batch 2000
}

step_vf() {
	tp "!vf remove" "$gone" "!vf add" "$on_vf" && batch 2000
}

# a burst of every kind of corruption under traffic on the synthetic path
# (the VF away), then an honest host again: the VF back, a clean batch.
# The clean batch is IPv6: frames of the corrupted one still on their way
# back count as foreign, not as its duplicates.
step_corrupt() {
	tp "!vf remove" "$gone" "!corrupt all 1" \
		"!gen rate=20000,count=40000,flows=16,delay=0,sizes=60/1514" \
		"?wait gen('sent') == 40000" "!corrupt all 0" "!gen stop" "!vf add" "$on_vf" &&
		batch 2000 ip=6
}

# the device revoked under traffic: testpmd's RMV handler stops, closes
# and detaches the port by itself ("Device is detached"), then restarts
# forwarding on no port: the "stop" must come after that (counted: the
# output holds every earlier round's lines), or the new port is never
# polled ("start": already started). Re-offered, the new device is
# attached as port 0 again and takes the VF back.
rescinds=0
step_rescind() {
	rescinds=$((rescinds + 1))
	tp "!gen rate=20000,count=1000000,flows=16,delay=0" "?wait gen('received') > 2000" \
		"!rescind 0" "?count \\nDevice is detached $rescinds" "stop" "!gen stop" \
		"?wait not d['nics'][0]['lifecycle']['present']" "!reoffer 0" \
		"?wait d['nics'][0]['lifecycle']['present']" "port attach $UUID" \
		"port start all" "start" "$on_vf" && batch 2000
}

tp_start $((MINUTES * 60 + 600)) hvnet --strict --vf --vf-delay=100 --vf-queues="$QUEUES" \
	--mtu=9000 --traffic=gen:count=0,rate=1,delay=3600000 --
tp "start" "$on_vf"
steps=(step_link_flap step_mtu step_reset step_vf)
has_command corrupt && steps+=(step_corrupt)
has_command rescind && steps+=(step_rescind)
# SOAK_STEPS="step_a step_b": only those (to find which one leaks)
[ -n "${SOAK_STEPS:-}" ] && read -ra steps <<<"$SOAK_STEPS"
log "steps: ${steps[*]}"

rounds=0
rss1= rss_max=0
batch 5000 && measure
in_use0=$in_use rss0=$rss
log "baseline: mbufs in use $in_use0, testpmd (pid $(testpmd_pid)) RSS ${rss0} kB ($rss_split)"
end=$((SECONDS + MINUTES * 60))
failed_step=
while [ $SECONDS -lt $end ] && [ -z "$failed_step" ]; do
	for s in "${steps[@]}"; do
		$s && ! gave_up || { failed_step="$s (round $((rounds + 1)))"; break; }
	done
	[ -n "$failed_step" ] && break
	batch 5000 && measure || { failed_step="measure (round $((rounds + 1)))"; break; }
	rounds=$((rounds + 1))
	# RSS is judged from the end of the first round: by then every step
	# has run once, and what it allocates once (the corruption tables, a
	# re-attached port's names) is not growth
	[ "$rounds" = 1 ] && rss1=$rss
	[ "$rss" -gt "$rss_max" ] && rss_max=$rss
	log "round $rounds: mbufs in use $in_use, RSS ${rss} kB ($rss_split), frames $sent_total lost $lost_total"
done
tp "stop" "show port xstats 0"
tp_quit

echo "# soak: $rounds rounds in $((SECONDS / 60)) min; steps ${steps[*]}"
echo "# clean batches: $sent_total frames sent, $lost_total lost"
echo "# mbufs in use: $in_use0 before the first round, $in_use at the end"
echo "# testpmd RSS: ${rss0} kB before the first round, ${rss1:-?} kB after it," \
	"${rss:-?} kB at the end, ${rss_max} kB at most"
check "the loop ran for $MINUTES minutes with every step answering${failed_step:+ (failed at $failed_step)}" \
	'[ -z "$failed_step" ] && [ "$rounds" -gt 0 ] && rc_is 0'
check "every clean batch got every frame back ($sent_total sent, $lost_total lost)" \
	'[ "$sent_total" -gt 0 ] && [ "$lost_total" = 0 ]'
check "mbufs in use back to the baseline's ($in_use0 -> $in_use)" '[ "$in_use" = "$in_use0" ]'
check "testpmd's RSS flat after the first round (${rss1:-?} -> ${rss:-?} kB, at most $rss_max kB, slack ${RSS_SLACK_KB} kB)" \
	'[ -n "$rss1" ] && [ $((rss_max - rss1)) -le "$RSS_SLACK_KB" ]'
check "hvsim saw no protocol violation" '[ "$(sj "d['"'"'violations'"'"']")" = 0 ] && ! has "broke a rule"'
sim_end
