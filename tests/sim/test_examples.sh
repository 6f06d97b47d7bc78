#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The examples (examples/) on our net_netvsc under strict hvsim, driven by
# their output and hvsim's control socket:
#   dpdk-hvnet-fwd: exact forwarding on RSS queues, the status line's path
#     (synthetic; VF and back while hvsim removes and re-adds the VF, with
#     zero loss), the link lines on a flap, RMV on a rescind (port closed
#     and detached) and the device back after the re-offer;
#   dpdk-hvnet-rss: the per-queue spread before and after RETA and key
#     changes, against rss_predict.py fed with what the host holds.
# Speaks TAP. Needs root and hugepages (./hvnet setup).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
: "${EXAMPLE_FWD:?}" "${EXAMPLE_RSS:?}"
LOG_NOISE='^EAL: |^status:'
held="--traffic=gen:count=0,rate=1,delay=3600000"	# the generator waits for "gen"
runs=0

# ex_start SECS EXAMPLE READY HVSIM_ARGS... -- EXAMPLE_ARGS...: hvsim on
# our PMD running EXAMPLE in the background, its stdin the fifo on fd 3
# (say), until it printed a line matching READY
ex_start() {
	local secs=$1 example=$2 ready=$3 left right argv=()
	shift 3
	split_args "$@"
	runs=$((runs + 1))
	sim_argv hvnet --control="$sock" "${left[@]}" -- "$example" -l "${LCORES:-0-1}" -m 256 $(pci_eal_args) \
		--file-prefix="hvex$$_$runs" -- "${right[@]}"
	rm -f "$work/in"
	mkfifo "$work/in"
	timeout -s KILL "$secs" "${argv[@]}" >"$work/out" 2>&1 <"$work/in" &
	hv_pid=$!
	exec 3>"$work/in"
	wait_for "$ready" 60
}

# ex_end: hvsim's quit (SIGTERM to the example), its end awaited
ex_end() {
	ctl quit >/dev/null
	exec 3>&-
	sim_wait
	cp "$work/out" "$work/out.$runs"	# for KEEP=1
}

say() { echo "$*" >&3; }

# live EXPR: EXPR over hvsim's counters now (d, as sj); wait_live EXPR:
# until it is True (hvsim gone: false at once)
live() { ctl stats >"$work/live.json" 2>/dev/null && sj "$1" "$work/live.json"; }
wait_live() {
	local expr=$1
	until_true "${2:-60}" eval '[ "$(live "$expr")" = True ] || ! kill -0 "$hv_pid" 2>/dev/null'
	[ "$(live "$expr")" = True ]
}
G="d['vswitch']['gen']['ports'][0]"

# mark: later waits (wait_new) look only at the output from here on
mark() { mark=$(wc -l <"$work/out"); }
since_mark() { tail -n "+$((mark + 1))" "$work/out"; }
wait_new() {
	local regex=$1
	until_true "${2:-30}" eval 'since_mark | grep -qE -- "$regex"'
}
# wait_lines REGEX N: until N lines of the output match REGEX
wait_lines() {
	local regex=$1 want=$2
	until_true "${3:-30}" eval '[ "$(grep -cE -- "$regex" "$work/out")" -ge "$want" ]'
}

all_back() {
	[ "$(gen sent)" = "$1" ] && [ "$(gen received)" = "$1" ] && [ "$(gen lost)" = 0 ] &&
		[ "$(gen duplicates)" = 0 ] && [ "$(gen corrupt)" = 0 ]
}

# paths: the path of each status line with traffic, runs of one collapsed
# ("synthetic VF synthetic VF")
paths() {
	grep -oE '^status:.* path [A-Za-z+]+' "$work/out" | grep -oE '[A-Za-z+]+$' |
		grep -vx idle | uniq | xargs
}

sim_begin hvnet-examples

# ---- 1. dpdk-hvnet-fwd: synthetic path, RSS on two queues, a link flap -----
ex_start 180 "$EXAMPLE_FWD" "^forwarding on 1 port" --strict "$held" -- -q 2
mark
ctl gen rate=2000,count=8000,flows=16,delay=0 >/dev/null
wait_new '^status: \| port 0 up rx [1-9][0-9]* pps tx [1-9][0-9]* pps path synthetic'
synthetic_seen=$?
wait_live "$G['received'] == 8000"
mark
ctl link 0 down >/dev/null
wait_new '^port 0: link down'
wait_new '^status: \| port 0 down '
ctl link 0 up >/dev/null
wait_new '^port 0: link up, 10000 Mbps'
wait_new '^status: \| port 0 up '
ex_end
check "fwd: started 1 port with 2 queue pairs, clean exit under strict hvsim" \
	'clean && has "forwarding on 1 port(s), 2 queue pair(s) each, 1 forwarding lcore(s)" &&
	 has "bye"'
check "fwd: 8000 sent by hvsim, 8000 forwarded back, none lost, duplicated or corrupt" \
	'all_back 8000'
check "fwd: the example counted exactly what hvsim delivered and took (rx 8000 tx 8000)" \
	'has "port 0: rx 8000 tx 8000 packets" && has "dropped on tx: 0" &&
	 [ "$(nic rx_frames)" = 8000 ] && [ "$(nic tx_frames)" = 8000 ]'
check "fwd: RSS spread the 16 flows over both queues (the host's channels 0 and 1)" \
	'[ "$(sj "all(c[\"rx_frames\"] > 0 for c in d[\"nics\"][0][\"channels\"][:2])")" = True ] &&
	 [ "$(sj "sum(c[\"rx_frames\"] for c in d[\"nics\"][0][\"channels\"])")" = 8000 ]'
check "fwd: the status line shows the traffic on the synthetic path, in pps" \
	'[ "$synthetic_seen" = 0 ] && [ "$(paths)" = synthetic ]'
check "fwd: link down and up printed as they came, and the status line followed" \
	'since_mark | grep -qE "^port 0: link down" && since_mark | grep -qE "^port 0: link up" &&
	 since_mark | grep -qE "^status: \| port 0 down "'

# ---- 1b. one lcore, four queues: the main lcore forwards between its chores
LCORES=0 ex_start 180 "$EXAMPLE_FWD" "^forwarding on 1 port" --strict "$held" -- -q 4
ctl gen rate=4000,count=8000,flows=16,delay=0 >/dev/null
wait_live "$G['received'] == 8000"
ex_end
check "fwd on one lcore, 4 queues: 8000 forwarded back whole, every queue used, clean exit" \
	'clean && has "4 queue pair(s) each, 1 forwarding lcore(s)" && all_back 8000 &&
	 has "port 0: rx 8000 tx 8000 packets" &&
	 [ "$(sj "all(c[\"rx_frames\"] > 0 for c in d[\"nics\"][0][\"channels\"][:4])")" = True ]'

# ---- 1c. two NICs: port 0's frames out of port 1 and back
ex_start 180 "$EXAMPLE_FWD" "^forwarding on 2 port" --strict --nics=2 \
	"--traffic=gen:count=0,rate=1,delay=3600000,ports=0>1/1>0" -- -q 2
ctl gen rate=2000,count=4000,flows=8,delay=0 >/dev/null
wait_live "$G['received'] == 4000 and d['vswitch']['gen']['ports'][1]['received'] == 4000"
ex_end
# crossed N: each generator port sent N that came back from the other NIC
crossed() {
	local p
	for p in 0 1; do
		[ "$(gen sent $p)" = "$1" ] && [ "$(gen received $p)" = "$1" ] &&
			[ "$(gen wrong_port $p)" = 0 ] && [ "$(gen duplicates $p)" = 0 ] || return 1
	done
}
check "fwd on two NICs: each one's 4000 frames came back out of the other, none elsewhere" \
	'clean && crossed 4000'

# ---- 2. dpdk-hvnet-fwd with hvsim's VF: VF, synthetic, VF again, 0 loss ----
NO_PCI= ex_start 300 "$EXAMPLE_FWD" "^forwarding on 1 port" --strict --vf --vf-delay=100 \
	--vf-queues=4 "$held" -- -q 2
vf_on="d['nics'][0]['vf']['datapath'] == 'vf'"
wait_live "$vf_on"
mark
ctl gen rate=3000,count=100000000,flows=16,delay=0 >/dev/null
wait_new '^status: .* path VF$' 60
ctl vf remove >/dev/null
wait_live "d['nics'][0]['vf']['state'] == 'absent'"
mark
wait_new '^status: .* path synthetic$'
to_synthetic=$?
ctl vf add >/dev/null
wait_live "$vf_on"
mark
wait_new '^status: .* path VF$'
back_to_vf=$?
ctl gen stop >/dev/null
wait_live "$G['received'] == $G['sent']"
ex_end
echo "# sent=$(gen sent) received=$(gen received) lost=$(gen lost) paths: $(paths)"
check "fwd+VF: the status line said VF, then synthetic after the removal, then VF again" \
	'[ "$to_synthetic" = 0 ] && [ "$back_to_vf" = 0 ] &&
	 paths | grep -qE "(^| )VF .*synthetic .*VF$"'
check "fwd+VF: every frame back across both switches, none lost or duplicated" \
	'[ "$(gen sent)" -gt 0 ] && all_back "$(gen sent)"'
check "fwd+VF: both paths carried frames; the example stayed on one port; clean exit" \
	'[ "$(sj "d[\"nics\"][0][\"vf\"][\"rx_frames\"]")" -gt 0 ] &&
	 [ "$(nic rx_frames)" -gt 0 ] &&
	 [ "$(sj "d[\"nics\"][0][\"vf\"][\"switches_to_vf\"]")" = 2 ] && clean &&
	 ! grep -qE "^port 1:|\| port 1 |Invalid port_id=1" "$work/out"'

# ---- 3. dpdk-hvnet-fwd: rescind (RMV), re-offer, the port back ------------
ex_start 300 "$EXAMPLE_FWD" "^forwarding on 1 port" --strict "$held" -- -q 2
ctl gen rate=3000,count=100000000,flows=8,delay=0 >/dev/null
wait_live "$G['received'] > 3000"
ctl rescind 0 >/dev/null
wait_for '^port 0: closed and detached'
mark
wait_new '^status: \| port 0 removed'
removed_shown=$?
ctl gen stop >/dev/null
ctl reoffer 0 >/dev/null
wait_for '^port 0: f5bee5e0-0000-4000-8000-000000000100 is back'
wait_lines '^port 0: f5bee5e0-0000-4000-8000-000000000100 started' 2
ctl gen rate=5000,count=20000,flows=8,delay=0 >/dev/null
wait_live "$G['received'] == 20000"
ex_end
check "fwd rescind: link down, RMV, then the port closed and detached, in that order" \
	'python3 - "$work/out" <<PY
import sys
want = ["port 0: link down", "port 0: removed by the host", "port 0: closed and detached"]
lines = [l for l in open(sys.argv[1], errors="replace") if any(l.startswith(w) for w in want)]
sys.exit(0 if [w for l in lines for w in want if l.startswith(w)] == want else 1)
PY'
check "fwd rescind: the status line shows the port removed" '[ "$removed_shown" = 0 ]'
check "fwd rescind: the re-offered device probed again, a fresh batch forwarded whole" \
	'[ "$(sj "d[\"nics\"][0][\"lifecycle\"][\"reoffers\"]")" = 1 ] && all_back 20000'
check "fwd rescind: probed only once the device was back (no failed attach)" \
	'! has "Failed to attach device" && [ "$(lines " is back")" = 1 ]'
check "fwd rescind: clean exit, no rule broken" 'clean'

# ---- 4. dpdk-hvnet-rss: spread before and after RETA and key changes -------
# batch NAME FLOWS COUNT: the host's RSS state saved (NAME.json), COUNT
# frames of FLOWS UDP/IPv4 flows echoed back whole, then the spread asked;
# NAME.spread: the example's answer
spreads=0
batch() {
	live True >/dev/null && cp "$work/live.json" "$work/$1.json"
	ctl gen rate=20000,count=$3,flows=$2,delay=0 >/dev/null
	wait_live "$G['received'] == $3"
	say spread
	spreads=$((spreads + 1))
	wait_lines '^spread:' "$spreads"
	grep -E '^spread:' "$work/out" | sed -n "${spreads}p" >"$work/$1.spread"
	echo "$1 $2 $3" >>"$work/batches"
}
# predicted NAME: the spread rss_predict.py gives for NAME's batch
predicted() {
	local name flows count
	read -r name flows count < <(grep "^$1 " "$work/batches")
	python3 - "$work/$name.json" "$flows" "$count" "$oracles" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[4])
import rss_predict
rss = json.load(open(sys.argv[1]))["nics"][0]["rss"]
per_queue = [0] * 4
for q, _ in rss_predict.predict(rss, int(sys.argv[2]), int(sys.argv[3]), "udp", 4):
    per_queue[q] += 1
print("spread: " + " ".join(f"q{q}={n}" for q, n in enumerate(per_queue)) +
      f" total={sum(per_queue)}")
PY
}
spread_ok() {
	predicted "$1" >"$work/$1.pred"
	diff "$work/$1.pred" "$work/$1.spread" >"$work/why"
}
host_rss() { sj "d['nics'][0]['rss']['$2']" "$work/$1.json"; }

key=0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0a5a5a5a55a5a5a5a
: >"$work/batches"
ex_start 180 "$EXAMPLE_RSS" "^ready: commands on stdin" --strict "$held" -- -q 4 -e
batch b0 12 120
say "reta 0"
wait_for '^reta: updated, 128 entries over 1 queue'
batch b1 12 120
say "reta 0,1,2,3"
say "key $key"
wait_for '^key: updated'
batch b2 12 120
say show
wait_lines '^key: ' 3
say "reta 4"
say "key 1234"
wait_for '^key: 40 hex digit pairs expected'
say quit
exec 3>&-
sim_wait
rr=$(python3 -c 'print([i % 4 for i in range(128)])')
check "rss: 4 queues, the table and key the port reports at start are the host's" \
	'clean && has "port 0: 4 queues, RSS table of 128 entries, 40-byte key" &&
	 [ "$(grep -m1 "^reta:" "$work/out" | cut -d" " -f2- | tr " " "\n" | xargs | tr " " ,)" = \
	   "$(host_rss b0 table | tr -d "[] ")" ] &&
	 [ "$(grep -m1 "^key:" "$work/out" | cut -d" " -f2)" = "$(host_rss b0 key)" ]'
check "rss: default table: the spread over 4 queues is the predicted one, every queue used" \
	'spread_ok b0 && ! grep -q "=0 " "$work/b0.spread"'
check "rss: RETA all to queue 0: the host holds it, the spread is q0=120 and zero elsewhere" \
	'[ "$(host_rss b1 table)" = "$(python3 -c "print([0] * 128)")" ] && spread_ok b1 &&
	 [ "$(cat "$work/b1.spread")" = "spread: q0=120 q1=0 q2=0 q3=0 total=120" ]'
check "rss: the new key: the host holds it with the table back, the port reports it" \
	'[ "$(host_rss b2 key)" = $key ] && [ "$(host_rss b2 table)" = "$rr" ] &&
	 grep -q "^key: $key hash types" "$work/out"'
check "rss: the new key moved the spread, to the predicted one" \
	'spread_ok b2 && ! cmp -s "$work/b0.spread" "$work/b2.spread"'
check "rss: every frame echoed back, none lost" \
	'[ "$(gen sent)" = 120 ] && [ "$(gen received)" = 120 ] && [ "$(gen lost)" = 0 ]'
check "rss: a bad queue and a short key are refused with the reason" \
	'has "reta: '"'"'4'"'"' is not a queue (0..3)" && has "key: 40 hex digit pairs expected"'

sim_end
