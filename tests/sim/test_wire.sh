#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The other side of the wire and scenario control, with DPDK's own
# net_netvsc (Debian's binary, unmodified) on strict hvsim:
#   tap      a kernel in a network namespace pings the guest (plain,
#            jumbo, VLAN), with exact counts on every side
#   2 NICs   a guest bridging its two NICs: generated traffic across the
#            ports, and one namespace pinging the other through the guest
#   control  link flaps, speed changes, a slow host, a silent host, through
#            --at and through the control socket
# Speaks TAP. Needs root, hugepages (./hvnet setup), ping and ip.
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
: "${GUEST_ECHO:?}" "${GUEST_BRIDGE:?}"
LOG_NOISE='^EAL'
LOG_LINES=30
ns="hvw$$-ns"			# namespace names of this run: ${ns}0, ${ns}1
eal=(-l 0 -m 256 --no-pci --file-prefix="hvw$$")

# Whatever happens, no namespace of this run outlives it.
sim_cleanup() {
	local x
	for x in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$ns"); do
		ip netns del "$x"
	done
	rm -f /run/hvsim/"$ns"*.lock
}

# start HVSIM_ARGS... -- GUEST [ARGS]: hvsim in the background, strict,
# the bundled PMD, stats and control socket in $work. The bundled driver
# waits forever for a host that never answers: hence the KILL timeout.
start() { sim_bg 90 bundled --strict --control="$sock" "$@"; }
# run HVSIM_ARGS... -- GUEST [ARGS]: start and wait for the end (--at drives it)
run() { start "$@"; sim_wait; }

ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$ns$1"; }
links() { grep -E '^link (up|down)' "$work/out" | awk '{printf "%s:%s ", $2, $3}'; }

sim_begin hvsim-wire

# ---- tap: a kernel pings the guest ------------------------------------------------

start --traffic=tap:ns="$ns" -- "$GUEST_ECHO" "${eal[@]}" -- --ip 10.0.0.2
wait_for '^started=1'
check "tap: namespace ${ns}0 is visible outside hvsim, with hvtap0 up at 10.0.0.1/24" \
	'ns_exists 0 && in_ns 0 ip -br addr show hvtap0 | grep -q "UNKNOWN *10.0.0.1/24"'
in_ns 0 ping -c 5 -i 0.2 -W 2 10.0.0.2 >"$work/ping" 2>&1
check "tap: ping from the namespace gets 5 replies of 5" \
	'grep -q "5 packets transmitted, 5 received" "$work/ping"'
ctl stats >"$work/live.json"
check "tap: stats on the socket is one JSON line with the counts so far (6 frames each way)" \
	'[ "$(wc -l <"$work/live.json")" = 1 ] && python3 -c "import json,sys; p=json.load(open(sys.argv[1]))[\"vswitch\"][\"tap\"][\"ports\"][0]; sys.exit(not (p[\"from_guest_frames\"] == p[\"to_guest_frames\"] == 6))" "$work/live.json"'
check "tap: quit on the socket answers ok" '[ "$(ctl quit)" = ok ]'
sim_wait
check "tap: guest answered 1 ARP and 5 echo requests, all checksums right" \
	'clean && has "arp_requests=1 arp_replies=1 echo_requests=5 echo_replies=5 bad_csum=0" && has "other=0 unsent=0"'
check "tap: hvsim counted exactly 6 frames, 532 bytes each way, nothing dropped" \
	'[ "$(tap from_guest_frames)/$(tap to_guest_frames)/$(tap from_guest_bytes)/$(tap to_guest_bytes)" = 6/6/532/532 ] && [ "$(tap from_guest_dropped)/$(tap to_guest_dropped)" = 0/0 ] && [ "$(nic tx_frames)/$(nic rx_frames)" = 6/6 ]'
check "tap: the namespace and the control socket are gone at exit" \
	'! ns_exists 0 && [ ! -e "/run/netns/${ns}0" ] && [ ! -e "$sock" ]'

# jumbo frames: the tap takes the NIC's MTU
start --mtu=9000 --traffic=tap:ns="$ns" -- "$GUEST_ECHO" "${eal[@]}" -- --ip 10.0.0.2
wait_for '^started=1'
check "jumbo: the tap has the NIC's MTU 9000" 'in_ns 0 ip link show hvtap0 | grep -q "mtu 9000"'
in_ns 0 ping -c 5 -i 0.2 -W 2 -s 8000 10.0.0.2 >"$work/ping" 2>&1
ctl quit >/dev/null
sim_wait
check "jumbo: 5 pings of 8000 bytes get 5 replies" \
	'grep -q "5 packets transmitted, 5 received" "$work/ping" && clean && has "echo_replies=5 bad_csum=0"'
check "jumbo: exactly 40252 bytes each way (5 x 8042 + ARP)" \
	'[ "$(tap from_guest_bytes)/$(tap to_guest_bytes)/$(tap from_guest_dropped)" = 40252/40252/0 ]'

# VLAN: this kernel may lack 8021q, so a packet socket speaks 802.1Q itself
start --traffic=tap:ns="$ns",addr0=none -- "$GUEST_ECHO" "${eal[@]}" -- --ip 10.0.0.2
wait_for '^started=1'
in_ns 0 python3 "$oracles/vlan_probe.py" hvtap0 100 10.0.0.99 10.0.0.2 5 >"$work/vlan" 2>&1
ctl quit >/dev/null
sim_wait
check "VLAN: tagged ARP and 5 tagged pings to the guest get tagged replies on VLAN 100" \
	'grep -qx "arp_reply=1 echo_replies=5 untagged=0 wrong_vlan=0 bad=0" "$work/vlan"'
check "VLAN: the guest got the tag out of band (stripped) and answered with it" \
	'clean && has "echo_replies=5 bad_csum=0 vlan_replies=6"'

# hvsim ends by a signal: the namespace still goes
start --traffic=tap:ns="$ns" -- "$GUEST_ECHO" "${eal[@]}" -- --ip 10.0.0.2
wait_for '^started=1'
kill -TERM "$hv_pid"	# timeout passes it on to hvsim
sim_wait
check "SIGTERM: hvsim stops the guest and removes its namespace and socket" \
	'! ns_exists 0 && [ ! -e "$sock" ]'

# hvsim killed outright leaves the namespace; the next one takes it over
"$HVSIM" --netvsc=bundled --traffic=tap:ns="$ns" -- sleep 30 >"$work/out" 2>&1 &
hv_pid=$!
until_true 5 ns_exists 0
kill -KILL "$hv_pid"; wait "$hv_pid" 2>/dev/null; hv_pid=
check "SIGKILL: the namespace stays behind (nothing can clean up)" 'ns_exists 0'
run --traffic=tap:ns="$ns" -- true
check "SIGKILL: the next hvsim takes the stale namespace over, and removes it at exit" \
	'rc_is 0 && has "took over /run/netns/${ns}0" && ! ns_exists 0'

# ---- two NICs: the guest bridges them ----------------------------------------------------

# 1000 frames/s per port: this checks correctness, not speed. The bundled
# PMD drains the whole channel into a 512-frame ring after a stall, so a
# guest sharing its core with other busy pollers may be away ~0.5 s at most
run --nics=2 --traffic=gen:rate=1000,count=2000,delay=1000,sizes=60/128/512/1024/1514,ports='0>1/1>0' \
	-- "$GUEST_BRIDGE" "${eal[@]}" -- --packets 4000 --seconds 20
check "2 NICs, gen 0>1 and 1>0: guest forwarded 2000 each way, exits cleanly" \
	'clean && has "fwd0to1=2000 fwd1to0=2000 unsent=0"'
check "2 NICs, gen: each port's 2000 came back on the other port, none lost or misrouted" \
	'[ "$(gen to 0)/$(gen sent 0)/$(gen received 0)/$(gen lost 0)/$(gen wrong_port 0)" = 1/2000/2000/0/0 ] && [ "$(gen to 1)/$(gen sent 1)/$(gen received 1)/$(gen lost 1)/$(gen wrong_port 1)" = 0/2000/2000/0/0 ]'
check "2 NICs, gen: no duplicate, corrupt or foreign frame; NIC counters agree" \
	'[ "$(gen duplicates 0)$(gen corrupt 0)$(gen foreign 0)$(gen duplicates 1)$(gen corrupt 1)$(gen foreign 1)" = 000000 ] && [ "$(nic 0 tx_frames)/$(nic 1 rx_frames)/$(nic 1 tx_frames)/$(nic 0 rx_frames)" = 2000/2000/2000/2000 ]'

start --nics=2 --traffic=tap:ns="$ns",addr0=10.9.0.1/24,addr1=10.9.0.2/24 \
	-- "$GUEST_BRIDGE" "${eal[@]}"
wait_for '^started=1'
in_ns 0 ping -c 5 -i 0.2 -W 2 10.9.0.2 >"$work/ping" 2>&1
ctl quit >/dev/null
sim_wait
check "2 NICs, tap: ${ns}0 pings ${ns}1 through the guest: 5 replies of 5" \
	'grep -q "5 packets transmitted, 5 received" "$work/ping" && clean'
check "2 NICs, tap: exactly 6 frames each way on each side, bridged 6 and 6" \
	'[ "$(tap from_guest_frames 0)/$(tap to_guest_frames 0)/$(tap from_guest_frames 1)/$(tap to_guest_frames 1)" = 6/6/6/6 ] && has "fwd0to1=6 fwd1to0=6 unsent=0"'

# ---- scenario control ------------------------------------------------------------------

# flap T1 T2 T3 T4 GUEST_ECHO_ARGS...: speed 25000, link down, link up and
# quit at ready+T1 ... T4 s, guest_echo watching the link
flap() {
	run --traffic=none --at="ready+$1:speed 0 25000" --at="ready+$2:link 0 down" \
		--at="ready+$3:link 0 up" --at="ready+$4:quit" \
		-- "$GUEST_ECHO" "${eal[@]}" -- --ip 10.0.0.2 "${@:5}"
}
flap 0.5 1 2 3 --link-poll 50
check "--at: the guest sees exactly up, down, up; the new speed only once the state changed (the bundled PMD reads it only then)" \
	'clean && [ "$(links)" = "up:speed=10000 down:speed=25000 up:speed=25000 " ]'
check "--at: hvsim sent 3 status indications and reports speed 25000, link up" \
	'[ "$(nic status_indications)/$(nic speed_mbps)/$(nic link_up)" = 3/25000/True ]'

flap 0.3 0.6 0.9 1.5 --lsc
check "LSC: speed change, link down and link up raise exactly 3 link state change events" \
	'clean && has "lsc_events=3" && [ "$(nic status_indications)" = 3 ]'

start --traffic=none -- "$GUEST_ECHO" "${eal[@]}" -- --ip 10.0.0.2 --link-poll 50
wait_for '^link up'
a1=$(ctl link 0 down); wait_for '^link down' 5
a2=$(ctl link 0 up)
until_true 5 eval '[ "$(grep -c "^link up" "$work/out")" = 2 ]'
e1=$(ctl link 7 up); e2=$(ctl bogus); e3=$(ctl speed 0 fast); h=$(ctl help)
ctl quit >/dev/null
sim_wait
check "socket: link down and up answer ok; the guest sees exactly up, down, up" \
	'clean && [ "$a1/$a2" = ok/ok ] && [ "$(links)" = "up:speed=10000 down:speed=10000 up:speed=10000 " ]'
check "socket: bad commands answer one error line each; help lists the commands" \
	'[[ "$e1" == "error: no NIC 7"* ]] && [[ "$e2" == "error: unknown command bogus"* ]] && [[ "$e3" == "error: speed is in Mbit/s"* ]] && [[ "$h" == "link N up|down; speed N MBPS; delay N MS|never; mute N"* ]]'

# a slow host while the guest starts: every answer of the first 3 s is 2 s late
run --traffic=none --at='0:delay 0 2000' --at='3:delay 0 0' --at='ready+0.3:quit' \
	-- "$GUEST_ECHO" "${eal[@]}" -- --ip 10.0.0.2
start_ms=$(sed -n 's/^started=1 start_ms=//p' "$work/out")
ready_s=$(sed -n 's/.*guest ready after \([0-9.]*\) s/\1/p' "$work/out")
check "delay 0 2000 at start: the guest still comes up, no violation" \
	'clean && [ -n "$start_ms" ]'
check "delay 0 2000 at start: its start took >= 2 s (guest: ${start_ms} ms, hvsim: ${ready_s} s), answers were held back" \
	'[ "${start_ms:-0}" -ge 2000 ] && python3 -c "import sys; sys.exit(not float(sys.argv[1]) >= 2)" "${ready_s:-0}" && [ "$(nic ctl_deferred)" -ge 2 ]'

# a slow host all along: control is slow, the data path is not
start --at='0:delay 0 100' --traffic=tap:ns="$ns" -- "$GUEST_ECHO" "${eal[@]}" -- --ip 10.0.0.2
wait_for '^started=1' 60
in_ns 0 ping -c 5 -i 0.2 -W 2 10.0.0.2 >"$work/ping" 2>&1
ctl quit >/dev/null
sim_wait
check "delay 0 100 throughout: the guest comes up and answers 5 pings of 5" \
	'clean && grep -q "5 packets transmitted, 5 received" "$work/ping" && [ "$(nic ctl_deferred)" -ge 10 ]'

# a slow host after start, through the socket: one link query = 2 RNDIS queries
start --traffic=none -- "$GUEST_ECHO" "${eal[@]}" -- --ip 10.0.0.2 --link-poll 200
wait_for '^link up'
a1=$(ctl delay 0 1500)
# a query already under way when the delay came may be only half slow
wait_for '^link_call_ms=([3-9][0-9]{3}|[0-9]{5})' 15
a2=$(ctl delay 0 0)
ctl quit >/dev/null
sim_wait
call_ms=$(sed -n 's/^link_call_ms=\([0-9]*\).*/\1/p' "$work/out" | sort -n | tail -n1)
check "delay 0 1500 on the socket: a link query then takes >= 3 s (${call_ms} ms), and the guest carries on" \
	'clean && [ "$a1/$a2" = ok/ok ] && [ "${call_ms:-0}" -ge 3000 ]'

# a silent host: the bundled PMD waits for NVSP answers without a deadline
run --traffic=none --at='0:mute 0' -- timeout -s KILL 10 "$GUEST_ECHO" "${eal[@]}" -- --ip 10.0.0.2
check "mute 0: the guest never comes up (killed after 10 s), no violation" \
	'rc_is 137 && ! has "started=1" && [ "$(sj "d[\"violations\"]")" = 0 ]'
check "mute 0: the host got NVSP INIT and withheld its answer" \
	'[ "$(nic nvsp_version)" = $((0x60001)) ] && [ "$(nic ctl_withheld)" -ge 1 ] && [ "$(nic ctl_muted)" = True ]'

# commands given on the command line are checked before anything starts
run --traffic=tap:ns="$ns" --at='1:link 0 sideways' -- true
check "--at with a bad command: exit 2, the error named, no namespace left" \
	'rc_is 2 && has "link state is up or down, not sideways" && ! ns_exists 0'
run --traffic=none --at='soon:quit' -- true
check "--at with a bad time: exit 2" 'rc_is 2 && has "bad time"'

sim_end
