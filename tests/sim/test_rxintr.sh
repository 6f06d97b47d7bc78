#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# RX interrupt mode on our net_netvsc under strict hvsim: guests/guest_rxintr
# echoes every frame and, once idle, sleeps in rte_epoll_wait() on its
# queues' vectors (intr_conf.rxq = 1). hvsim's generator sends numbered
# frames and checks each one back: exact counts across sleep and wake;
# frames sent 10 ms apart each wake the guest (none waits in the ring for
# the guest's 100 ms timeout); 20000 frames at 20000 pps after a sleep; the
# process's CPU time while idle near zero (and a large share of a core for
# the same guest polling, so that the measure is seen to measure); two
# queues each woken by their own vector.
# Speaks TAP. Needs root and hugepages (./hvnet setup).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
: "${GUEST_RXINTR:?}"
held="--traffic=gen:count=0,rate=1,delay=3600000"	# the generator waits for "gen"
runs=0

# rx_start SECS GUEST_ARGS...: hvsim (strict) on our PMD running the guest
# in the background, until it printed its ready line
rx_start() {
	local secs=$1
	shift
	runs=$((runs + 1))
	sim_argv hvnet --strict --control="$sock" "$held" -- "$GUEST_RXINTR" -l 0 -m 256 \
		--no-pci --file-prefix="hvri$$_$runs" -- "$@"
	timeout -s KILL "$secs" "${argv[@]}" >"$work/out" 2>&1 </dev/null &
	hv_pid=$!
	wait_for '^ready queues=' 60
}

rx_end() {
	ctl quit >/dev/null
	sim_wait
	cp "$work/out" "$work/out.$runs"	# for KEEP=1
}

live() { ctl stats >"$work/live.json" 2>/dev/null && sj "$1" "$work/live.json"; }
wait_live() {
	local expr=$1
	until_true "${2:-60}" eval '[ "$(live "$expr")" = True ] || ! kill -0 "$hv_pid" 2>/dev/null'
	[ "$(live "$expr")" = True ]
}
G="d['vswitch']['gen']['ports'][0]"
# batch_back N: the generator's batch is over, every frame back exactly once
batch_back() {
	wait_live "$G['sent'] == $1 and $G['received'] == $1" "${2:-60}" &&
		[ "$(live "$G['lost'] + $G['duplicates'] + $G['corrupt']")" = 0 ]
}
# counters PATTERN: the guest's counter lines, in the TAP log and on
# stderr, which is what a failed run's CI log shows
counters() {
	local line
	line="# $(grep -E "^($1)" "$work/out" | xargs)"
	echo "$line"
	echo "$line" >&2
}
# val KEY: the guest's counter KEY (its last "KEY=" in the output)
val() { grep -oE "(^| )$1=[0-9]+" "$work/out" | tail -n1 | cut -d= -f2; }
# idle_pct: the guest's CPU time over its idle intervals, in % of one core
idle_pct() { echo $(( $(val idle_cpu_us) / ($(val idle_ms) + 1) / 10 )); }

sim_begin hvnet-rxintr

# ---- 1. one queue: a frame every 10 ms, a burst, idle, frames again -------------
rx_start 120 --queues 1
sleep 2		# idle: the guest asleep since start
ctl gen rate=100,count=300,flows=1,delay=0 >/dev/null
batch_back 300 30
r1=$?
sleep 3		# idle again: measured by the guest
ctl gen rate=20000,count=20000,flows=4,delay=0 >/dev/null
batch_back 20000 60
r2=$?
sleep 2
ctl gen rate=50,count=100,flows=1,delay=0 >/dev/null
batch_back 100 30
r3=$?
rx_end
counters 'rx|sleeps|overruns|idle_ms|queue0'
check "intr: started with intr_conf.rxq, its vector in the epoll, clean exit under strict hvsim" \
	'clean && has "ready queues=1 mode=intr" && [ "$(val epoll_errors)" = 0 ] &&
	 [ "$(val enable_errors)" = 0 ]'
check "intr: 300 frames 10 ms apart, each echoed back once, none lost" '[ "$r1" = 0 ]'
check "intr: 20000 frames at 20000 pps after sleeping, each back once" '[ "$r2" = 0 ]'
check "intr: 100 more after sleeping again, each back once" '[ "$r3" = 0 ]'
check "intr: the guest counted exactly what was sent (rx = tx = 20400, none unsent)" \
	'[ "$(val rx)" = 20400 ] && [ "$(val tx)" = 20400 ] && [ "$(val unsent)" = 0 ] &&
	 [ "$(nic rx_frames)" = 20400 ] && [ "$(nic tx_frames)" = 20400 ]'
# a frame that arrives while the guest sleeps must wake it: one found only
# after a 100 ms wait timed out is a lost interrupt (up to 3 may have come
# in the microseconds a timed-out guest polls before sleeping again). A
# wait that returned 40 ms or more past its timeout says the process was
# off its CPU, interrupt thread included: frames found after it are
# counted apart (overrun_frames) and the guest prints how often. So are
# frames a queue gave more than 2 ms after a timed-out wait returned
# (gap_frames): the guest was descheduled with interrupts off, and a
# frame came then. A timed-out wait looks once more (20 ms) before
# interrupts go off: a signal on its way as the wait ran out wakes it.
check "intr: every frame that came while asleep woke the guest ($(val late_frames) late, $(val frame_wakes) wakes with frames)" \
	'[ "$(val late_frames)" -le 3 ] && [ "$(val frame_wakes)" -ge 200 ] &&
	 [ "$(val wakes)" -ge "$(val frame_wakes)" ]'
check "intr: asleep while idle: >= 4 s idle, CPU time < 5% of a core ($(idle_pct)%)" \
	'[ "$(val idle_ms)" -ge 4000 ] && [ "$(idle_pct)" -lt 5 ]'
check "intr: the host signalled the guest (interrupts delivered through the uio fd)" \
	'[ "$(sj "sum(c[\"host_signals\"] for c in d[\"nics\"][0][\"channels\"])")" -ge 360 ]'

# ---- 2. the measure measures: the same guest polling --------------------------
rx_start 60 --queues 1 --poll
sleep 3
rx_end
# (hvsim's host loop polls on the other core, or on the same one)
check "poll: the same guest polling burns CPU while idle ($(idle_pct)% of a core >= 25%), no sleep" \
	'clean && [ "$(val idle_ms)" -ge 2000 ] && [ "$(idle_pct)" -ge 25 ] &&
	 [ "$(val sleeps)" = 0 ]'

# ---- 3. two queues, RSS: each queue woken by its own vector ---------------------
rx_start 120 --queues 2
ctl gen rate=200,count=400,flows=8,delay=0 >/dev/null
batch_back 400 30
r4=$?
# idle is counted in whole 500 ms ticks, seen up to a wait (120 ms) late:
# 3 s idle make at least 1.5 s of them
sleep 3
rx_end
counters 'rx|sleeps|overruns|idle_ms|queue'
check "2 queues: 400 frames over 8 flows, each back once; clean exit" \
	'[ "$r4" = 0 ] && clean && [ "$(val rx)" = 400 ] && [ "$(val unsent)" = 0 ]'
check "2 queues: both got frames and both vectors woke the guest" \
	'grep -qE "^queue0 q_rx=[1-9][0-9]* q_wakes=[1-9]" "$work/out" &&
	 grep -qE "^queue1 q_rx=[1-9][0-9]* q_wakes=[1-9]" "$work/out" &&
	 [ "$(val late_frames)" -le 3 ]'
check "2 queues: asleep while idle ($(idle_pct)% of a core)" \
	'[ "$(val idle_ms)" -ge 1500 ] && [ "$(idle_pct)" -lt 5 ]'

sim_end
