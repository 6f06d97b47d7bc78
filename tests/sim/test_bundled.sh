#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# DPDK's own net_netvsc (Debian's binary, unmodified) against hvsim in
# strict mode, through Debian's dpdk-testpmd: hvsim's fidelity proof.
# Speaks TAP. Needs root and hugepages (./hvnet setup).
set -uo pipefail

: "${HVSIM:?}" "${HVSIM_SHIM:?}" "${GUEST_FWD:?}"
here=$(cd "$(dirname "$0")" && pwd)
export HVSIM_SHIM
TESTPMD=${TESTPMD:-dpdk-testpmd}
work=$(mktemp -d /tmp/hvsim-test-XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
	sed 's/^/# /' "$work/out" | tail -n 40
}
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

# run_testpmd NAME HVSIM_ARGS... -- TESTPMD_COMMANDS (one per line on stdin)
# The bundled driver spins forever when no host answers (no NVSP deadline):
# hence the hard KILL timeout around everything.
run_testpmd() {
	local cmds=$1; shift
	printf '%s\n' "$cmds" quit |
		timeout -s KILL 60 "$HVSIM" --netvsc=bundled --strict \
			--stats-json="$work/stats.json" "$@" -- \
			"$TESTPMD" -l 0-1 -m 256 --no-pci --file-prefix="hvt$$" \
			-- -i --total-num-mbufs=4096 >"$work/out" 2>&1
	echo $? >"$work/rc"
}

# run_guest HVSIM_ARGS... -- GUEST_FWD_ARGS: the bundled PMD through a
# plain ethdev forwarding app (Debian's testpmd cannot forward on it, see
# doc/guides/hvsim.md)
run_guest() {
	local hv=() ; while [ "$1" != -- ]; do hv+=("$1"); shift; done; shift
	timeout -s KILL 60 "$HVSIM" --netvsc=bundled --strict \
		--stats-json="$work/stats.json" "${hv[@]}" -- \
		"$GUEST_FWD" -l 0 -m 256 --no-pci --file-prefix="hvg$$" -- "$@" \
		>"$work/out" 2>&1 </dev/null
	echo $? >"$work/rc"
}

gen_num() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['vswitch']['gen']['ports'][0][sys.argv[2]])" "$work/stats.json" "$1"; }

json_num() { grep -o "\"$1\": [0-9]*" "$work/stats.json" | head -n1 | awk '{print $2}'; }
has() { grep -qF -- "$1" "$work/out"; }

echo "TAP version 13"

# 1. probe and link up with what the host was told to present
run_testpmd "show port info 0" --mac=02:00:00:aa:bb:cc --speed=25000
check "bundled testpmd exits cleanly under strict hvsim" '[ "$(cat "$work/rc")" = 0 ]'
check "MAC address is the configured one" 'has "MAC address: 02:00:00:AA:BB:CC"'
check "link is up" 'has "Link status: up"'
check "link speed is the configured 25 Gbps" 'has "Link speed: 25 Gbps"'
check "NVSP 0x60001 negotiated" '[ "$(json_num nvsp_version)" = $((0x60001)) ]'
check "no protocol violation" '[ "$(json_num violations)" = 0 ] && ! has "broke a rule"'
check "RNDIS requests were served (init, queries, sets)" '[ "$(json_num rndis_requests)" -ge 10 ]'

# 2. link down at start is reported as such
run_testpmd "show port info 0" --link=down
check "link down is reported" 'has "Link status: down" && [ "$(cat "$work/rc")" = 0 ]'

# 3. older hosts: the guest negotiates down
for v in 0x50000 0x40000 0x30002 0x2; do
	run_testpmd "show port info 0" --nvsp-max=$v
	check "host capped at NVSP $v: guest negotiates $v, no violation" \
		'[ "$(cat "$work/rc")" = 0 ] && [ "$(json_num nvsp_version)" = $((v)) ] && [ "$(json_num violations)" = 0 ]'
done

# 4. four queues: the guest asks for three subchannels and opens them
printf 'port stop 0\nport config all rxq 4\nport config all txq 4\nport start 0\nshow port info 0\n' >"$work/cmds"
run_testpmd "$(cat "$work/cmds")"
check "four queues: host granted and offered three subchannels, no violation" \
	'[ "$(cat "$work/rc")" = 0 ] && grep -q "\"subchannel_id\": 3" "$work/stats.json" && [ "$(json_num violations)" = 0 ]'

# 5. io forwarding at a fixed rate: every frame comes back, exact counts
run_guest --traffic=gen:rate=20000,count=20000,delay=300,sizes=60/128/512/1024/1514 -- \
	--packets 20000 --seconds 10
check "io forwarding: guest exits cleanly" '[ "$(cat "$work/rc")" = 0 ]'
check "io forwarding: host sent 20000, guest received and sent 20000" \
	'[ "$(gen_num sent)" = 20000 ] && has "total rx=20000 tx=20000 unsent=0" && has "port ipackets=20000 "'
check "io forwarding: host got all 20000 back, none lost, duplicated or corrupt" \
	'[ "$(gen_num received)" = 20000 ] && [ "$(gen_num lost)" = 0 ] && [ "$(gen_num duplicates)" = 0 ] && [ "$(gen_num corrupt)" = 0 ] && [ "$(gen_num foreign)" = 0 ]'
check "io forwarding: no protocol violation, no guest RX drop" \
	'[ "$(json_num violations)" = 0 ] && has "imissed=0" && has "ierrors=0"'

# 6. four queues: flows spread as Toeplitz with the guest's key predicts
run_guest --traffic=gen:rate=50000,count=7000,delay=300,flows=7 -- \
	--rxq 4 --txq 4 --packets 7000 --seconds 10
python3 "$here/rss_predict.py" "$work/stats.json" 7 7000 4 >"$work/predicted" 2>&1
check "RSS: per-queue counts equal an independent Toeplitz prediction" \
	'[ -s "$work/predicted" ] && [ "$(grep "^queue=" "$work/out")" = "$(cat "$work/predicted")" ]'
check "RSS: all four queues receive, no frame lost" \
	'! grep -q "^queue=[0-3] rx=0$" "$work/out" && [ "$(gen_num lost)" = 0 ] && [ "$(json_num violations)" = 0 ]'

echo "1..$n"
exit $((fails > 0))
