#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# vRSS of our net_netvsc against hvsim in strict mode, through Debian's
# dpdk-testpmd: queue pairs on subchannels, a partial grant, every hash
# type the host advertises, runtime RETA and key changes, the hash in the
# mbuf. Every placement is checked against rss_predict.py, an independent
# Toeplitz predictor fed with what the host was programmed with at that
# moment (the control command "stats"). Speaks TAP. Needs root and
# hugepages (./hvnet setup).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
LOG_NOISE='src=|ol_flags'
LOG_LINES=30
tp_args=(--total-num-mbufs=16384 --forward-mode=rxonly)
TESTPMD_MEM=512

# run HVSIM_ARGS... [-- TESTPMD_ARGS] <<<COMMANDS: testpmd (rxonly) on our
# PMD; the generator sends only what the commands ask for (!gen)
run() {
	rm -f "$work"/*.json "$work/ctl.log"
	testpmd 180 hvnet --strict --traffic=gen:count=0,rate=1,delay=3600000 "$@"
}


# What testpmd's verbose rxonly printed, one line per frame, sorted:
# "queue=Q hash=0xH" (hash=none: no RSS hash flag in the mbuf).
observed() {
	python3 - "$work/out" <<'EOF2' | LC_ALL=C sort
import re, sys
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"src=.*Receive queue=0x([0-9a-f]+)", line)
    if m:
        h = re.search(r"RSS hash=(0x[0-9a-f]+)", line)
        print(f"queue={int(m.group(1), 16)} hash={h.group(1) if h else 'none'}")
EOF2
}

# batch NAME FLOWS COUNT PROTO IP: the testpmd lines for one generator
# batch: the host's RSS state saved first (NAME.json), then the batch, until
# the host delivered every frame of the session's batches so far, then the
# host's counters again (NAME.after.json)
batch() {
	echo "$1 $2 $3 $4 $5" >>"$work/batches"
	printf '!snap %s\n!gen count=%s,flows=%s,proto=%s,ip=%s,rate=20000,delay=0\n' \
		"$1" "$3" "$2" "$4" "$5"
	echo "?wait nic('rx_frames') >= $(batch_frames)"
	echo "!snap $1.after"
}
batch_frames() { awk '{s += $3} END {print s}' "$work/batches"; }
# printed: the line waiting until testpmd (verbose) printed all those frames
printed() { echo "?count src=.*Receive queue= $(batch_frames)"; }

# Every batch's frames as the predictor places them (sorted, like observed)
predicted() {
	local name flows count proto ip
	while read -r name flows count proto ip; do
		python3 "$oracles/rss_predict.py" "$work/$name.json" "$flows" "$count" 64 \
			--proto "$proto" --ip "$ip" --pairs --live
	done <"$work/batches" | LC_ALL=C sort
}

# batch_ok NAME: the host's per-channel counts moved exactly as predicted
batch_ok() {
	local name flows count proto ip
	read -r name flows count proto ip < <(grep "^$1 " "$work/batches")
	python3 - "$work/$name.json" "$work/$name.after.json" "$flows" "$count" "$proto" \
		"$ip" "$oracles" >"$work/why" 2>&1 <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[7])
import rss_predict
before, after = (json.load(open(p))["nics"][0] for p in sys.argv[1:3])
flows, count, proto, ip = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
got = [a["rx_frames"] - b["rx_frames"] for a, b in zip(after["channels"], before["channels"])]
want = [0] * len(got)
for q, _ in rss_predict.predict(before["rss"], flows, count, proto, ip):
    want[q] += 1
print("host per channel", got, "\npredicted       ", want)
sys.exit(0 if got == want and after["rss"] == before["rss"] | {"hashed": after["rss"]["hashed"]} else 1)
EOF
}

# the queue-to-hash pairs testpmd saw equal the predicted ones
frames_ok() {
	observed >"$work/obs"
	predicted >"$work/pred"
	[ -s "$work/pred" ] && diff "$work/pred" "$work/obs" >"$work/why"
}

# moved NAME1 NAME2 FLOWS PROTO IP: some flow changes queue between the two
moved() {
	python3 - "$work/$1.json" "$work/$2.json" "$3" "$4" "$5" "$oracles" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[6])
import rss_predict
a, b = (json.load(open(p))["nics"][0]["rss"] for p in sys.argv[1:3])
f, proto, ip = int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
qa = [q for q, _ in rss_predict.predict(a, f, f, proto, ip)]
qb = [q for q, _ in rss_predict.predict(b, f, f, proto, ip)]
sys.exit(0 if sum(x != y for x, y in zip(qa, qb)) > 0 else 1)
EOF
}

sim_begin hvnet-rss

# 1. what the port advertises: the grant, the hash types, key and table sizes
run -- --rxq=1 --txq=1 <<EOF
show port info 0
EOF
check "probe: 63 subchannels granted, 64 queue pairs offered, clean exit" \
	'clean && has "Max possible RX queues: 64" && has "Max possible TX queues: 64" &&
	 [ "$(sj "len(d[\"nics\"][0][\"channels\"])" "$work/stats.json")" = 64 ]'
check "probe: the six hash types the host hashes, 40-byte key, 128-entry table" \
	'[ "$(grep -A1 "Supported RSS offload flow types:" "$work/out" | tail -n1 | xargs)" = \
	   "ipv4 ipv4-tcp ipv6 ipv6-tcp ipv6-ex ipv6-tcp-ex" ] &&
	 has "Hash key size in bytes: 40" && has "Redirection table size: 128"'

# 2. one, two, four and eight queues: every advertised hash type, flows
# where the predictor puts them, the hash in the mbuf
types="ipv4:udp:4 ipv4-tcp:tcp:4 ipv6:udp:6 ipv6-tcp:tcp:6 ipv6-ex:udp:6 ipv6-tcp-ex:tcp:6"
for q in ${QS:-1 2 4 8}; do
	: >"$work/batches"
	cmds="set verbose 1
start"
	if [ "$q" = 1 ]; then
		cmds+=$'\n'"$(batch q1 16 160 udp 4; batch q1tcp6 16 160 tcp 6)"
	else
		for t in $types; do
			IFS=: read -r name proto ip <<<"$t"
			cmds+=$'\n'"port config all rss $name"$'\n'"$(batch "q$q-$name" 32 320 "$proto" "$ip")"
		done
	fi
	run -- --rxq=$q --txq=$q <<EOF
$cmds
$(printed)
stop
show port xstats 0
EOF
	check "$q queue(s): clean run, every batch sent, nothing dropped" \
		'clean && [ "$(nic rx_dropped_no_slot)" = 0 ] && [ "$(nic rx_dropped_ring)" = 0 ] &&
		 ! grep -q "^error" "$work/ctl.log"'
	while read -r name _ count proto ip; do
		check "$q queue(s), $name ($proto/IPv$ip): per-channel counts equal the prediction" \
			"batch_ok $name"
	done <"$work/batches"
	check "$q queue(s): every frame on the predicted queue with the predicted hash in the mbuf" \
		'frames_ok'
	if [ "$q" = 1 ]; then
		check "1 queue: no RSS programmed, every frame on queue 0 without a hash" \
			'[ "$(sj "d[\"nics\"][0][\"rss\"][\"enabled\"]" "$work/stats.json")" = False ] &&
			 [ "$(grep -c "hash=none" "$work/obs")" = 320 ]'
	else
		check "$q queues: each hash type was programmed alone and every queue got frames" \
			'[ "$(sj "d[\"nics\"][0][\"rss\"][\"hash_info\"]" "$work/q$q-ipv6-tcp-ex.json")" = $((0x2001)) ] &&
			 [ "$(sj "d[\"nics\"][0][\"rss\"][\"hash_info\"]" "$work/q$q-ipv4.json")" = $((0x101)) ] &&
			 [ "$(cut -d" " -f1 "$work/obs" | sort -u | wc -l)" = "$q" ]'
	fi
done

# 3. runtime changes on four queues: the table (queues 0 and 3 swapped),
# then the key; flows move as predicted, the port reports what was set
key=0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0a5a5a5a55a5a5a5a
reta_cmds=""
for g in 0 1 2 3; do
	line="port config 0 rss reta "
	for i in $(seq $((g * 32)) 4 $((g * 32 + 31))); do line+="($i,3),($((i + 3)),0),"; done
	reta_cmds+="${line%,}"$'\n'
done
: >"$work/batches"
run -- --rxq=4 --txq=4 <<EOF
set verbose 1
start
$(batch r0 32 320 udp 4)
${reta_cmds}$(batch r1 32 320 udp 4)
show port 0 rss reta 128 (0xffffffffffffffff,0xffffffffffffffff)
port config 0 rss-hash-key ipv4 $key
$(batch r2 32 320 udp 4)
show port 0 rss-hash key
$(printed)
stop
EOF
swapped=$(python3 -c 'print([{0: 3, 3: 0}.get(i % 4, i % 4) for i in range(128)])')
check "runtime: clean run, three batches" \
	'clean && [ "$(wc -l <"$work/batches")" = 3 ] && ! grep -q "^error" "$work/ctl.log"'
check "RETA update: the host holds exactly the table set (queues 0 and 3 swapped)" \
	'[ "$(sj "d[\"nics\"][0][\"rss\"][\"table\"]" "$work/r1.json")" = "$swapped" ] &&
	 [ "$(sj "d[\"nics\"][0][\"rss\"][\"table\"]" "$work/r0.json")" = \
	   "$(python3 -c "print([i % 4 for i in range(128)])")" ]'
check "RETA query: the port reports the table set, entry by entry" \
	'[ "$(grep -o "hash index=[0-9]*, queue=[0-9]*" "$work/out" | awk -F"[=,]" "{print \$4}" | xargs | tr " " ,)" = \
	   "$(python3 -c "print(\",\".join(str({0: 3, 3: 0}.get(i % 4, i % 4)) for i in range(128)))")" ]'
check "RETA update moved flows, and they landed where predicted (before and after)" \
	'moved r0 r1 32 udp 4 && batch_ok r0 && batch_ok r1'
# "port config P rss-hash-key TYPE KEY" asks for TYPE's hash types with the
# key, except under testpmd 23.11 and 24.11: they read the port's current
# types back over TYPE, so only the key changes (22.11's stable releases
# and 25.11 have it the other way round). There the host must keep the
# types it had at the start (r0), which the checks ask instead.
default_types=$(sj "d[\"nics\"][0][\"rss\"][\"hash_info\"]" "$work/r0.json")
# key_types TYPES: what the host should hash after such a command for TYPES
key_types() {
	case "${DPDK_VERSION:-22.11}" in
	23.*|24.*) echo "$default_types" ;;
	*) echo $(($1)) ;;
	esac
}
check "key update: the host holds the new key and the hash types testpmd ${DPDK_VERSION:-} asked for (hash_info $(key_types 0x101))" \
	'[ "$(sj "d[\"nics\"][0][\"rss\"][\"key\"]" "$work/r2.json")" = $key ] &&
	 [ "$(sj "d[\"nics\"][0][\"rss\"][\"hash_info\"]" "$work/r2.json")" = "$(key_types 0x101)" ]'
check "key query: the port reports the key set" \
	'[ "$(grep -A1 "^RSS key:" "$work/out" | tail -n1 | tr A-F a-f)" = $key ]'
check "key update moved flows, and they landed where predicted" 'moved r1 r2 32 udp 4 && batch_ok r2'
check "runtime changes: every frame on the predicted queue with the predicted hash in the mbuf" \
	'frames_ok'

# 4. the RSS state survives an MTU change (a new session); a re-configure
# applies the application's rss_conf again (testpmd's: default key)
: >"$work/batches"
run -- --rxq=4 --txq=4 <<EOF
port config 0 rss reta (0,1),(1,0)
port config 0 rss-hash-key ipv4-tcp $key
port stop 0
port config mtu 0 4000
port start 0
$(batch m1 32 320 tcp 4)
port stop 0
port config all rxq 2
port config all txq 2
port start 0
$(batch c1 32 320 tcp 4)
EOF
check "MTU change: a new session, and the host got the same key, types and table again" \
	'clean && [ "$(sj "d[\"nics\"][0][\"rss\"][\"key\"]" "$work/m1.json")" = $key ] &&
	 [ "$(sj "d[\"nics\"][0][\"rss\"][\"hash_info\"]" "$work/m1.json")" = "$(key_types 0x201)" ] &&
	 [ "$(sj "d[\"nics\"][0][\"rss\"][\"table\"][:4]" "$work/m1.json")" = "[1, 0, 2, 3]" ] &&
	 batch_ok m1'
check "re-configure to two queues: its rss_conf applied (table over 2 queues, default key)" \
	'[ "$(sj "d[\"nics\"][0][\"rss\"][\"table\"]" "$work/c1.json")" = \
	   "$(python3 -c "print([i % 2 for i in range(128)])")" ] &&
	 [ "$(sj "d[\"nics\"][0][\"rss\"][\"key\"]" "$work/c1.json")" = \
	   6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa ] &&
	 batch_ok c1'

# 5. sixty-four queues: every channel the host grants carries a queue pair
: >"$work/batches"
run -- --rxq=64 --txq=64 --rxd=128 --txd=128 <<EOF
set verbose 1
start
$(batch q64 1024 2048 udp 4)
$(batch q64tcp6 1024 2048 tcp 6)
$(printed)
stop
EOF
check "64 queues: configured and started on the 64 granted channels, clean run" \
	'clean && has "port 0: RX queue number: 64 Tx queue number: 64"'
check "64 queues: per-channel counts equal the prediction (UDP/IPv4, TCP/IPv6)" \
	'batch_ok q64 && batch_ok q64tcp6'
check "64 queues: every frame on the predicted queue with the predicted hash, all 64 used" \
	'frames_ok && [ "$(cut -d" " -f1 "$work/obs" | sort -u | wc -l)" = 64 ]'

# 6. a partial grant: 3 subchannels. The port offers 4 queue pairs from
# the probe on (one log line); 4 queues work, 5 are refused before the
# driver is asked
: >"$work/batches"
run --subchannels=3 -- --rxq=4 --txq=4 <<EOF
show port info 0
set verbose 1
start
$(batch p4 32 320 udp 4)
$(printed)
stop
EOF
check "partial grant: one log line, 4 queue pairs offered, RSS on all 4" \
	'clean && [ "$(grep -c "the host granted 3 of 63 subchannels: at most 4 queue pairs" "$work/out")" = 1 ] &&
	 has "Max possible RX queues: 4" && has "Max possible TX queues: 4" && batch_ok p4 && frames_ok'
run --subchannels=3 -- --rxq=5 --txq=5 <<EOF
show port info 0
EOF
check "partial grant: 5 queues refused with the usable count, no channel touched" \
	'has "max_rx_queues (4)" && [ "$(nic violations)" = 0 ]'
run --subchannels=0 -- --rxq=1 --txq=1 <<EOF
show port info 0
EOF
check "no subchannel granted: one log line, one queue pair, no hash type advertised" \
	'clean && has "Max possible RX queues: 1" && ! has "ipv4-tcp" &&
	 has "the host granted 0 of 63 subchannels: at most 1 queue pairs"'

# 7. max_queues=4: only 3 subchannels asked for and opened, no partial grant
EAL_EXTRA="-a f5bee5e0-0000-4000-8000-000000000100,max_queues=4" \
	run -- --rxq=4 --txq=4 <<EOF
show port info 0
EOF
check "max_queues=4: 3 subchannels asked and opened, 4 queue pairs offered, no grant line" \
	'clean && has "Max possible RX queues: 4" && ! has "subchannels: at most" &&
	 [ "$(sj "len(d[\"nics\"][0][\"channels\"])" "$work/stats.json")" = 4 ]'

sim_end
