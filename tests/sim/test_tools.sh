#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# DPDK's own tools against a primary forwarding on our PMD: dpdk-proc-info,
# dpdk-dumpcap and dpdk-pdump attach as secondary processes (in the
# guest's namespace, as a user would run them in the VM), dpdk-telemetry.py
# reads the primary's socket. Each tool's view is checked against the
# primary's and hvsim's (its --pcap of the same traffic, byte for byte),
# and after each the primary forwards on, and its stop and quit come back
# within their deadlines, also after a capture killed with SIGKILL.
# Speaks TAP. Needs root and hugepages (./hvnet setup).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
export TESTPMD_WAIT=20		# a prompt that does not come back fails in 20 s, not 60
tp_args=(--forward-mode=io --total-num-mbufs=16384)
LOG_NOISE='^EAL: |^hvsim: control'
PREFIX=hvtp$$		# lib/sim.sh's testpmd file prefix: the tools' too
STOP_MS=2000		# deadline of testpmd's "stop" (forwarding)
QUIT_MS=5000		# deadline of "quit" or SIGINT: the port stopped and closed
idle=gen:count=0,rate=1,delay=3600000	# a generator that waits for "gen" commands
# A secondary may not know a shared-memory list its primary did not
# register: dpdk-proc-info links librte_hash (through eventdev), whose
# tailqs a testpmd built with only what hvnet needs (./hvnet --dpdk=VERSION)
# lacks ("Cannot initialize tailq: RTE_HASH"); such a primary loads it.
# Debian's testpmd links it already.
if ! ldd "$(command -v "$TESTPMD")" | grep -q librte_hash; then
	EAL_EXTRA="${EAL_EXTRA:-} -d librte_hash.so"
fi

# session [HVSIM_ARGS...]: testpmd forwarding on our PMD, the generator
# idle, hvsim recording to $work/h.pcap; $guest is testpmd's pid
session() {
	rm -f "$work/h.pcap"
	tp_start 120 hvnet --strict --pcap="$work/h.pcap" --traffic=$idle "$@"
	tp "start"
	guest=$(guest_pid)
}

guest_pid() {
	local p
	for p in $(pgrep -f -- "--file-prefix=$PREFIX"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = dpdk-testpmd ] && { echo "$p"; return; }
	done
}

# tool SECS COMMAND...: a DPDK tool beside testpmd, bounded
tool() {
	local secs=$1
	shift
	in_guest "$guest" timeout -s KILL "$secs" "$@"
}

# tool_pid NAME: the pid of the tool NAME running beside testpmd (not
# of the nsenter, env or timeout in front of it)
tool_pid() {
	local p
	for p in $(pgrep -x "$1"); do
		grep -qF -- "$PREFIX" "/proc/$p/cmdline" 2>/dev/null && { echo "$p"; return; }
	done
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# timed NAME LINE...: testpmd lines, their time in ms in $NAME_ms
timed() {
	local name=$1 t0
	shift
	t0=$(now_ms)
	tp "$@"
	printf -v "${name}_ms" '%s' $(($(now_ms) - t0))
}

# gen_wait EXPR: until EXPR holds in hvsim's live generator counters
# (g: port 0's), 60 s at most
gen_holds() {
	ctl stats | python3 -c "
import json, sys
g = json.loads(sys.stdin.read())['vswitch']['gen']['ports'][0]
sys.exit(0 if ($1) else 1)" 2>/dev/null
}
gen_wait() { until_true 60 gen_holds "$1"; }
gen_now() { ctl stats | sj "d['vswitch']['gen']['ports'][0]['$1']" /dev/stdin; }

# batch N: N frames through the forwarder, all of them back; when not,
# where they are (the generator's counters, the NIC's drops, testpmd's
# port counters) in $work/why
batch() {
	ctl gen "rate=20000,count=$1,delay=0,sizes=64/300/1514" >>"$work/ctl.log" &&
		gen_wait "g['sent'] == $1 and g['received'] == $1" && return 0
	batch_why
	return 1
}
# gen_settle: the generator stopped, wait (at most 10 s) until what it sent
# is back or dropped: its received count stays the same over 0.3 s. A batch
# started while a faster stream still fills the queues measures that
# stream's backlog (frames io forwarding drops when tx_burst pushes back).
gen_settle() {
	local last=-1 cur i
	ctl gen stop >>"$work/ctl.log"
	for i in $(seq 33); do
		cur=$(gen_now received)
		[ "$cur" = "$last" ] && return 0
		last=$cur
		sleep 0.3
	done
	return 0
}
batch_why() {
	ctl stats | python3 -c "
import json, sys
d = json.loads(sys.stdin.read())
print('generator port 0:', json.dumps(d['vswitch']['gen']['ports'][0]))
n = d['nics'][0]
print('NIC 0 non-zero drops:', {k: v for k, v in n.items() if isinstance(v, int) and v and
      any(w in k for w in ('drop', 'full', 'miss', 'err', 'lost', 'bad'))})" >>"$work/why" 2>&1
	tp "show port stats 0" && grep -E "RX-packets|TX-packets|RX-missed|RX-errors|TX-errors" "$work/out" |
		tail -n 3 >>"$work/why"
}

# stop_and_quit WHAT: testpmd's "stop" and "quit" timed, the session over
stop_and_quit() {
	timed stop "stop"
	timed quit "quit"
	tp_quit
	echo "# $1: stop ${stop_ms} ms, quit ${quit_ms} ms"
	check "$1: testpmd's stop returned in ${stop_ms} ms (deadline $STOP_MS ms)" \
		'[ "$stop_ms" -lt $STOP_MS ]'
	check "$1: quit stopped and closed the port in ${quit_ms} ms (deadline $QUIT_MS ms), clean exit" \
		'[ "$quit_ms" -lt $QUIT_MS ] && clean && has "Port 0 is closed"'
}

# testpmd's last answer to "show port xstats 0", as sorted NAME VALUE lines
tp_xstats() {
	awk '/NIC extended statistics for port 0/ { n = 0; delete v; on = 1; next }
		on && /^[a-z0-9_]+: [0-9]+$/ { v[++n] = $0; next } on { on = 0 }
		END { for (i = 1; i <= n; i++) print v[i] }' "$work/out" | tr -d ':' | sort
}
# proc-info's --xstats, the same way
pi_xstats() { grep -E '^[a-z0-9_]+: [0-9]+$' "$1" | tr -d ':' | sort; }
# proc-info --stats's first "NAME: N" (the port's, not a queue's)
pi_stat() { grep -o "$1: *[0-9]*" "$work/pi.stats" | head -n1 | awk '{print $NF}'; }
# the value of testpmd's (or another file's) last "NAME: N"
stat_of() { grep -o "$1: *[0-9]*" "${2:-$work/out}" | tail -n1 | awk '{print $NF}'; }

sim_begin hvnet-tools

# ---- 0. the baseline: no tool --------------------------------------------
session
check "no tool: 3000 frames forwarded, all back" 'batch 3000'
stop_and_quit "no tool"

# ---- 1. dpdk-dumpcap -c 500 at 50 kpps, then SIGINT (the report) ----------
session
ctl gen rate=50000,count=0,delay=0,sizes=64/300/1514 >>"$work/ctl.log"
gen_wait "g['received'] > 2000"
t0=$(now_ms)
tool 60 dpdk-dumpcap --file-prefix="$PREFIX" -i 0 -c 500 -w "$work/cap.pcapng" \
	>"$work/dumpcap.out" 2>&1
echo $? >"$work/dumpcap.rc"
cat "$work/dumpcap.out" >>"$work/out"
echo "# dumpcap -c 500: exit $(cat "$work/dumpcap.rc") after $(($(now_ms) - t0)) ms"
check "dumpcap -c 500: exits 0 (it died of SIGSEGV in our PMD's control path in a secondary)" \
	'[ "$(cat "$work/dumpcap.rc")" = 0 ]'
check "dumpcap -c 500: at least 500 frames captured, none dropped" \
	'grep -qE "Packets received/dropped on interface .*: ([5-9][0-9]{2}|[0-9]{4,})/0 " "$work/dumpcap.out"'
before=$(gen_now received)
check "after dumpcap the primary forwards on: 10000 more frames back" \
	'gen_wait "g[\"received\"] >= $before + 10000"'
# (while dumpcap spun on this machine's two cores, testpmd's io forwarding
# may have dropped on a full TX ring: counted from here, exactly)
check "after dumpcap: a batch of 5000 frames, every one back" 'batch 5000'
t0=$(now_ms)
kill -INT "$guest"
until_true 30 eval '! kill -0 "$guest" 2>/dev/null'
sigint_ms=$(($(now_ms) - t0))
tp_quit
echo "# SIGINT after dumpcap: testpmd gone in $sigint_ms ms"
check "SIGINT after dumpcap: testpmd stopped and closed the port in ${sigint_ms} ms (deadline $QUIT_MS ms; it hung at 'Stopping port 0...')" \
	'[ "$sigint_ms" -lt $QUIT_MS ] && has "Port 0 is closed" && [ "$(sj "d[\"violations\"]")" = 0 ]'
verdict=$(python3 "$oracles/capture_match.py" "$work/h.pcap" 500 --pcapng "$work/cap.pcapng")
echo "# dumpcap capture: $verdict"
check "dumpcap: its first 500 frames are hvsim's, byte for byte, each direction in order without gap" \
	'[[ $verdict =~ ^frames=([0-9]+)\ inbound=([0-9]+)\ outbound=([0-9]+)\ truncated=0\ matched=500\ in_order=yes$ ]] &&
	 [ "${BASH_REMATCH[1]}" -ge 500 ] && [ "${BASH_REMATCH[2]}" -gt 0 ] && [ "${BASH_REMATCH[3]}" -gt 0 ]'

# ---- 2. dpdk-proc-info and dpdk-telemetry.py, traffic stopped --------------
session
batch 3000
tp "show port stats 0" "show port xstats 0"
tool 30 dpdk-proc-info --file-prefix="$PREFIX" -- --stats >"$work/pi.stats" 2>&1
echo $? >"$work/pi.rc"
tool 30 dpdk-proc-info --file-prefix="$PREFIX" -- --xstats >"$work/pi.xstats" 2>&1
tool 30 dpdk-proc-info --file-prefix="$PREFIX" -- --show-port >"$work/pi.port" 2>&1
tp_rx_bytes=$(stat_of RX-bytes)
tp_tx_bytes=$(stat_of TX-bytes)
echo "# proc-info: $(pi_stat RX-packets) $(pi_stat TX-packets) $(pi_stat RX-bytes) $(pi_stat TX-bytes); testpmd's bytes: $tp_rx_bytes $tp_tx_bytes"
check "proc-info --stats: exit 0, RX/TX packets and bytes exactly testpmd's (3000 each way) and hvsim's" \
	'[ "$(cat "$work/pi.rc")" = 0 ] && [ "$(pi_stat RX-packets)" = 3000 ] &&
	 [ "$(pi_stat TX-packets)" = 3000 ] &&
	 [ "$(pi_stat RX-bytes)" = "$tp_rx_bytes" ] && [ "$(pi_stat TX-bytes)" = "$tp_tx_bytes" ] &&
	 [ "$tp_rx_bytes" = "$(ctl stats | sj "d[\"nics\"][0][\"rx_bytes\"]" /dev/stdin)" ]'
tp_xstats >"$work/tp.x"
pi_xstats "$work/pi.xstats" >"$work/pi.x"
check "proc-info --xstats: every one of testpmd's $(wc -l <"$work/tp.x") xstats, same names, same values" \
	'[ "$(wc -l <"$work/tp.x")" -gt 50 ] && diff "$work/tp.x" "$work/pi.x" >"$work/why"'
cat "$work/pi.stats" "$work/pi.port" >>"$work/out"
check "proc-info --show-port: driver net_netvsc, link up at 10 Gbps" \
	'grep -q "driver net_netvsc" "$work/pi.port" && grep -q "Link up at 10 Gbps" "$work/pi.port"'
printf '%s\n' /ethdev/list /ethdev/stats,0 /ethdev/xstats,0 /ethdev/link_status,0 /ethdev/info,0 |
	tool 30 dpdk-telemetry.py -f "$PREFIX" >"$work/telemetry.out" 2>&1
python3 - "$work/telemetry.out" "$work/tp.x" >"$work/telemetry.verdict" 2>&1 <<'PY'
import json, sys
docs = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("{"):
        docs.update(json.loads(line))
tp = dict(l.split() for l in open(sys.argv[2]))
x = docs["/ethdev/xstats"]
print(f"list={docs['/ethdev/list']} ipackets={docs['/ethdev/stats']['ipackets']} "
      f"opackets={docs['/ethdev/stats']['opackets']} "
      f"xstats_same={len(x) == len(tp) and all(str(v) == tp.get(k) for k, v in x.items())} "
      f"link={docs['/ethdev/link_status']['status']} name={docs['/ethdev/info']['name']}")
PY
echo "# telemetry: $(cat "$work/telemetry.verdict")"
check "telemetry: valid JSON; /ethdev/stats 3000/3000, /ethdev/xstats equal to testpmd's, link UP" \
	'grep -qx "list=\[0\] ipackets=3000 opackets=3000 xstats_same=True link=UP name=f5bee5e0-0000-4000-8000-000000000100" "$work/telemetry.verdict"'
tool 30 dpdk-proc-info --file-prefix="$PREFIX" -- --stats-reset >"$work/pi.reset" 2>&1
tp "show port stats 0"
check "proc-info --stats-reset: the primary's counters read 0 after it" \
	'grep -q "cleared" "$work/pi.reset" && [ "$(stat_of RX-packets)" = 0 ] && [ "$(stat_of TX-packets)" = 0 ]'
check "after proc-info and telemetry the primary forwards on: 3000 more frames, all back" \
	'batch 3000'
stop_and_quit "after proc-info"

# ---- 3. dpdk-pdump: every frame of a batch, both directions ---------------
session
tool 60 dpdk-pdump --file-prefix="$PREFIX" -- \
	--pdump "port=0,queue=*,rx-dev=$work/rx.pcap,tx-dev=$work/tx.pcap" >"$work/pdump.out" 2>&1 &
pdump_pid=$!
until_true 30 grep -q "capture for" "$work/pdump.out"
batch 2000
# SIGINT to pdump itself (not the timeout or nsenter in front of it), asked
# for again until found; if it is still there 10 s later, what its threads
# wait in goes to $work/pdump.why
pdump_sigint() { local p; p=$(tool_pid dpdk-pdump) && [ -n "$p" ] && kill -INT "$p"; }
until_true 10 pdump_sigint || echo "no dpdk-pdump process to send SIGINT to" >"$work/pdump.why"
if ! until_true 10 eval '[ -z "$(tool_pid dpdk-pdump)" ]'; then
	p=$(tool_pid dpdk-pdump)
	for t in /proc/$p/task/*; do
		echo "pdump still running 10 s after SIGINT: thread $(cat "$t/comm") in $(cat "$t/wchan")"
	done >>"$work/pdump.why" 2>&1
fi
wait "$pdump_pid"
echo $? >"$work/pdump.rc"
cat "$work/pdump.out" >>"$work/out"
check "pdump: ends on SIGINT with exit 0, 4000 frames dequeued and written" \
	'cp "$work/pdump.why" "$work/why" 2>/dev/null; [ "$(cat "$work/pdump.rc")" = 0 ] && grep -qP "packets dequeued:\t+4000" "$work/pdump.out" &&
	 grep -qP "packets transmitted to vdev:\t+4000" "$work/pdump.out"'
check "after pdump the primary forwards on: 3000 more frames, all back" 'batch 3000'
stop_and_quit "after pdump"
verdict=$(python3 "$oracles/capture_match.py" "$work/h.pcap" 2000 --rx "$work/rx.pcap" --tx "$work/tx.pcap")
echo "# pdump capture: $verdict"
check "pdump: the batch's 2000 frames each way, hvsim's bytes, in order" \
	'[ "$verdict" = "frames=4000 inbound=2000 outbound=2000 truncated=0 matched=4000 in_order=yes" ]'

# ---- 4. dumpcap's promiscuous mode goes through the primary ----------------
# testpmd not promiscuous, frames for another MAC: the host filters them
# until dumpcap asks for promiscuous mode, and again once it has left
nic_now() { ctl stats | sj "d['nics'][0]['$1']" /dev/stdin; }
session
tp "set promisc 0 off"
ctl gen rate=20000,count=0,delay=0,dst=02:99:99:99:99:99 >>"$work/ctl.log"
until_true 30 eval '[ "$(nic_now rx_dropped_filter)" -ge 1000 ] 2>/dev/null'
check "not promiscuous: frames for another MAC filtered by the host, none forwarded" \
	'[ "$(gen_now received)" = 0 ]'
tool 60 dpdk-dumpcap --file-prefix="$PREFIX" -i 0 -c 1000 -w "$work/promisc.pcapng" \
	>"$work/dumpcap2.out" 2>&1
echo $? >"$work/dumpcap.rc"
cat "$work/dumpcap2.out" >>"$work/out"
check "dumpcap -c 1000 turns promiscuous mode on through the primary: exit 0, 1000 or more captured and forwarded" \
	'[ "$(cat "$work/dumpcap.rc")" = 0 ] && [ "$(gen_now received)" -ge 500 ] &&
	 grep -qE "Packets received/dropped on interface .*: ([0-9]{4,})/0 " "$work/dumpcap2.out"'
filtered=$(nic_now rx_dropped_filter)
back=$(gen_now received)
# DPDK 23.11's dumpcap forgets that it turned promiscuous mode on (it
# clears its own flag after enabling it, 24.11 only when enabling fails),
# so it leaves the port promiscuous: recorded as such there.
case "${DPDK_VERSION:-}" in
23.11.*)
	check "dumpcap 23.11 left promiscuous mode on (its defect): frames for another MAC still forwarded (1000 more)" \
		'until_true 10 eval "[ \"\$(gen_now received)\" -ge $((back + 1000)) ] 2>/dev/null"'
	;;
*)
	check "dumpcap left: promiscuous mode off again through the primary (1000 more filtered, under 100 forwarded since)" \
		'until_true 10 eval "[ \"\$(nic_now rx_dropped_filter)\" -ge $((filtered + 1000)) ] 2>/dev/null" &&
		 [ "$(gen_now received)" -lt $((back + 100)) ]'
	;;
esac
ctl gen stop >>"$work/ctl.log"
stop_and_quit "after dumpcap's promiscuous mode"

# ---- 5. dumpcap killed with SIGKILL in the middle of a capture -------------
session
ctl gen rate=50000,count=0,delay=0,sizes=64/300/1514 >>"$work/ctl.log"
gen_wait "g['received'] > 2000"
tool 60 dpdk-dumpcap --file-prefix="$PREFIX" -i 0 -w "$work/killed.pcapng" \
	>"$work/dumpcap3.out" 2>&1 &
dumpcap_bg=$!
# captured: dumpcap's last count (its counts, then bash's word of the kill)
captured() {
	sed -n 's/^Packets captured://p' "$work/dumpcap3.out" | tr '\b' ' ' |
		awk '{ for (i = 1; i <= NF && $i ~ /^[0-9]+$/; i++) n = $i; print n + 0 }'
}
until_true 30 eval '[ "$(captured)" -ge 1000 ] 2>/dev/null'
dumpcap_pid=$(tool_pid dpdk-dumpcap)
kill -KILL "$dumpcap_pid"
wait "$dumpcap_bg"
echo "# dumpcap killed after $(captured) frames"
check "dumpcap killed with SIGKILL after capturing 1000 or more frames" \
	'[ -n "$dumpcap_pid" ] && [ "$(captured)" -ge 1000 ] && ! kill -0 "$dumpcap_pid" 2>/dev/null'
before=$(gen_now received)
check "after the SIGKILL the primary forwards on: 20000 more frames back" \
	'gen_wait "g[\"received\"] >= $before + 20000"'
gen_settle
check "after the SIGKILL: a batch of 5000 frames, every one back" 'batch 5000'
stop_and_quit "after dumpcap's SIGKILL"

sim_end
