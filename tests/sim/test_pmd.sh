#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Our net_netvsc (on our VMBus bus) against hvsim in strict mode, through
# Debian's dpdk-testpmd and small test applications. Speaks TAP. Needs
# root and hugepages (./hvnet setup).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
: "${PMD_CYCLES:?}"
tp_args=(--total-num-mbufs=8192)

# run HVSIM_ARGS... [-- TESTPMD_ARGS...] <<<COMMANDS: testpmd on our PMD
run() { testpmd 120 hvnet --strict "$@"; }

# testpmd's port counter NAME ("RX-packets: N") of the last "show port stats"
port_stat() { grep -o "$1: *[0-9]*" "$work/out" | tail -n1 | awk '{print $2}'; }

# What the host does with N frames for the guest: all of them back from an
# io forwarder (forwarded N), or all delivered or filtered (arrived N)
forwarded() { echo "?wait gen('sent') == $1 and gen('received') == $1"; }
arrived() {
	echo "?wait gen('sent') == $1 and nic('rx_frames') + nic('rx_dropped_filter') == $1"
}
# received N: testpmd's RX counter got to N (it polls after the host delivered)
received() { echo "?until show port stats 0 => RX-packets: +$1 "; }

sim_begin hvnet-pmd

# 1. probe and link on every NVSP version the host offers
for v in 0x60001 0x60000 0x50000 0x40000 0x30002 0x2; do
	run --nvsp-max=$v --mac=02:00:00:aa:bb:0${v: -1} --speed=25000 --mtu=1500 \
		<<<"show port info 0"
	check "NVSP $v: probed, negotiated $v, MAC/speed/MTU as configured, clean exit" \
		'clean && [ "$(nic nvsp_version)" = $((v)) ] &&
		 has "MAC address: 02:00:00:AA:BB:0${v: -1}" && has "Link status: up" &&
		 has "Link speed: 25 Gbps" && has "MTU: 1500"'
done

# 2. link down at probe is reported as down
run --link=down <<<"show port info 0"
check "link down at probe is reported down" 'clean && has "Link status: down"'

# 3. io forwarding at a fixed rate, 60 ... 1514 byte frames: exact counts
run --traffic=gen:rate=20000,count=20000,delay=500,sizes=60/64/128/256/512/1024/1514 \
	-- --forward-mode=io --auto-start <<EOF
$(forwarded 20000)
show port stats 0
EOF
check "io forwarding: hvsim sent 20000, got all 20000 back" \
	'clean && [ "$(gen sent)" = 20000 ] && [ "$(gen received)" = 20000 ]'
check "io forwarding: zero loss, zero duplicates, zero corruption" \
	'[ "$(gen lost)" = 0 ] && [ "$(gen duplicates)" = 0 ] && [ "$(gen corrupt)" = 0 ]'
check "io forwarding: testpmd port counters equal hvsim's (RX 20000, TX 20000)" \
	'[ "$(port_stat RX-packets)" = 20000 ] && [ "$(port_stat TX-packets)" = 20000 ] &&
	 [ "$(nic rx_frames)" = 20000 ] && [ "$(nic tx_frames)" = 20000 ]'
check "io forwarding: byte counters agree (testpmd RX bytes = hvsim's)" \
	'[ "$(port_stat RX-bytes)" = "$(nic rx_bytes)" ] && [ "$(port_stat TX-bytes)" = "$(nic tx_bytes)" ]'

# 3a. TCP over IPv6 from the generator (proto=tcp, ip=6), every 5th frame
# of a flow with a wrong TCP checksum: forwarded untouched, exact counts;
# the pcap holds both directions, so twice the generator's bad frames
run --traffic=gen:rate=20000,count=2000,delay=500,flows=4,sizes=60/300/1514,proto=tcp,ip=6,badsum=5 \
	--pcap="$work/tcp6.pcap" -- --forward-mode=io --auto-start <<EOF
$(forwarded 2000)
show port stats 0
EOF
check "TCP/IPv6 generator frames: 2000 forwarded, none lost or corrupt" \
	'clean && [ "$(gen sent)" = 2000 ] && [ "$(gen received)" = 2000 ] && [ "$(gen corrupt)" = 0 ]'
check "TCP/IPv6 generator frames: exactly 800 of 4000 pcap frames carry the bad checksum" \
	'python3 "$oracles/offload_pcap.py" "$work/tcp6.pcap" | tr "\n" " " |
	 grep -q "^frames=4000 non_ip=0 csum_bad=800 "'

# 3b. rx_extmbuf_enable=1: frames above rx_copybreak are attached in place
# and their slots go back to the host when testpmd's TX frees them
dev=f5bee5e0-0000-4000-8000-000000000100
EAL_EXTRA="-a $dev,rx_extmbuf_enable=1,rx_copybreak=256" \
	run --traffic=gen:rate=20000,count=20000,delay=500,sizes=60/300/512/1024/1514 \
	-- --forward-mode=io --auto-start <<EOF
$(forwarded 20000)
show port stats 0
show port xstats 0
EOF
check "rx_extmbuf: 20000 forwarded, none lost or corrupt, no violation" \
	'clean && [ "$(gen received)" = 20000 ] && [ "$(gen lost)" = 0 ] && [ "$(gen corrupt)" = 0 ]'
# (one that crosses into a page that is not the next physical page is copied
# and counted: one IOVA would not describe it)
check "rx_extmbuf: exactly the 16000 frames above 256 B were attached or copied across scattered pages, never short of records" \
	'[ $(( $(port_stat rx_q0_attached_packets) + $(port_stat rx_q0_attach_scattered_packets) )) = 16000 ] &&
	 has "rx_q0_attach_exhausted_packets: 0"'
check "rx_extmbuf: every frame above tx_copybreak (the 4000 of 1514 B) went back by address, attached ones from the receive buffer itself" \
	'[ "$(port_stat tx_q0_gpa_packets)" = 4000 ] && ! has "tx_q0_linearized_packets: [1-9]"'

# 3c. rx_extmbuf_enable=1 at MTU 9000: every frame goes back by address,
# none copied on TX. A jumbo frame received in place would not fit a
# send-buffer section (it used to be dropped as too_many_segments); on
# hvsim's 4 KiB pages most jumbo frames cross pages that are not
# physically adjacent: without RX scatter they are copied on RX instead
# (pmd_chan's test_tx_frame_received_in_place_goes_by_address covers the
# in-place one), with it they are chains attached in place.
#
# jumbo_in_place TESTPMD_ARGS...: 2000 frames (1000 of 9014 B) forwarded
# by testpmd io at MTU 9000, frames received in place
jumbo_in_place() {
	EAL_EXTRA="-a $dev,rx_extmbuf_enable=1" \
		run --mtu=9000 --traffic=gen:rate=5000,count=2000,delay=1500,sizes=9014/1514 \
		-- --forward-mode=io "$@" <<EOF
port stop 0
port config mtu 0 9000
port start 0
start
$(forwarded 2000)
show port stats 0
show port xstats 0
EOF
}
jumbo_in_place --mbuf-size=10240
check "rx_extmbuf at MTU 9000: all 2000 frames (1000 of 9014 B) forwarded by address, none lost, corrupt, dropped or copied on TX" \
	'clean && [ "$(gen received)" = 2000 ] && [ "$(gen lost)" = 0 ] && [ "$(gen corrupt)" = 0 ] &&
	 ! has "tx_q0_too_many_segments_errors: [1-9]" && ! has "tx_q0_linearized_packets: [1-9]" &&
	 [ "$(port_stat tx_q0_gpa_packets)" = 2000 ]'
check "rx_extmbuf at MTU 9000: every frame attached in place or copied across scattered pages" \
	'[ "$(port_stat rx_q0_attached_packets)" -gt 0 ] &&
	 [ $(( $(port_stat rx_q0_attached_packets) + $(port_stat rx_q0_attach_scattered_packets) )) = 2000 ]'
# the same with RX scatter and 2 KiB mbufs: a jumbo frame across pages
# that are not adjacent is attached as a chain, and goes out as one GPA
# range per segment
jumbo_in_place --enable-scatter
# (how many are chains depends on how the kernel placed the buffer's
# pages: all of them attached but those whose first page run is under
# 128 B, a few percent)
check "rx_extmbuf with scatter at MTU 9000: all 2000 forwarded by address, none lost, corrupt or copied on TX; at least 1800 attached in place" \
	'clean && [ "$(gen received)" = 2000 ] && [ "$(gen lost)" = 0 ] && [ "$(gen corrupt)" = 0 ] &&
	 ! has "tx_q0_linearized_packets: [1-9]" && [ "$(port_stat tx_q0_gpa_packets)" = 2000 ] &&
	 [ "$(port_stat rx_q0_attached_packets)" -ge 1800 ] &&
	 [ $(( $(port_stat rx_q0_attached_packets) + $(port_stat rx_q0_attach_scattered_packets) )) = 2000 ]'

# 3d. rx_extmbuf_enable=1 on two NICs, testpmd io forwarding between them:
# a frame received in place on one NIC goes out of the other by address,
# and every NIC's buffers are guest memory to the host
dev1=f5bee5e0-0000-4000-8000-000000000101
EAL_EXTRA="-a $dev,rx_extmbuf_enable=1 -a $dev1,rx_extmbuf_enable=1" \
	run --nics=2 --traffic=gen:rate=5000,count=2000,delay=1500,sizes=1514,ports='0>1/1>0' \
	-- --forward-mode=io --auto-start <<EOF
?wait gen('sent', 0) == 2000 and gen('received', 0) == 2000 and gen('sent', 1) == 2000 and gen('received', 1) == 2000
show port xstats all
EOF
check "rx_extmbuf, two NICs: 2000 frames each way received in place on one NIC and sent by address on the other, none lost, no violation" \
	'clean && [ "$(gen lost 0)$(gen lost 1)$(gen corrupt 0)$(gen corrupt 1)" = 0000 ] &&
	 [ "$(grep -c "rx_q0_attached_packets: [1-9]" "$work/out")" = 2 ] &&
	 [ "$(grep -c "tx_q0_gpa_packets: 2000$" "$work/out")" = 2 ] &&
	 ! has "tx_q0_linearized_packets: [1-9]"'

# 4. packet filter: frames for another MAC are dropped by the host unless
# promiscuous; testpmd sees none of them
run --traffic=gen:rate=10000,count=1000,delay=1500,dst=02:99:99:99:99:99 \
	-- --forward-mode=rxonly <<EOF
set promisc 0 off
start
$(arrived 1000)
show port stats 0
EOF
check "not promiscuous: 1000 frames for another MAC filtered by the host, 0 received" \
	'clean && [ "$(gen sent)" = 1000 ] && [ "$(nic rx_dropped_filter)" = 1000 ] &&
	 [ "$(nic rx_frames)" = 0 ] && [ "$(port_stat RX-packets)" = 0 ]'
run --traffic=gen:rate=10000,count=1000,delay=500,dst=02:99:99:99:99:99 \
	-- --forward-mode=rxonly --auto-start <<EOF
$(arrived 1000)
$(received 1000)
EOF
check "promiscuous: all 1000 frames for another MAC received" \
	'clean && [ "$(nic rx_dropped_filter)" = 0 ] && [ "$(port_stat RX-packets)" = 1000 ]'

# 5. MAC change: the host filters on the new address only
# mac_change DST LAST: the port's address changed from 02:00:00:00:00:01 to
# 02:11:22:33:44:55 while not promiscuous, then 1000 frames for DST come
mac_change() {
	run --mac=02:00:00:00:00:01 --traffic=gen:rate=10000,count=1000,delay=2500,dst="$1" \
		-- --forward-mode=rxonly <<EOF
set promisc 0 off
mac_addr set 0 02:11:22:33:44:55
show port info 0
start
$(arrived 1000)
$2
EOF
}
mac_change 02:00:00:00:00:01 "show port stats 0"
check "MAC change: the port reports the new address, the host accepted it" \
	'clean && has "MAC address: 02:11:22:33:44:55"'
check "MAC change: frames to the old address are filtered (1000 dropped, 0 received)" \
	'[ "$(nic rx_dropped_filter)" = 1000 ] && [ "$(port_stat RX-packets)" = 0 ]'
mac_change 02:11:22:33:44:55 "$(received 1000)"
check "MAC change: frames to the new address are received (1000 of 1000)" \
	'clean && [ "$(nic rx_dropped_filter)" = 0 ] && [ "$(port_stat RX-packets)" = 1000 ]'

# 6. MTU change on a stopped port: a new session, jumbo frames forwarded
run --mtu=9000 -- --forward-mode=io <<EOF
port stop 0
port config mtu 0 9000
port start 0
start
show port info 0
EOF
check "MTU 9000 set on a stopped port through a re-initialised session" \
	'clean && has "MTU: 9000"'

# 7. four queues: flows spread as hvsim's Toeplitz computes, exact totals
run --traffic=gen:rate=50000,count=8000,delay=500,flows=16 \
	-- --forward-mode=io --auto-start --rxq=4 --txq=4 <<EOF
$(forwarded 8000)
show port stats 0
EOF
check "four queues: all 8000 frames back, every channel carried some" \
	'clean && [ "$(gen received)" = 8000 ] && [ "$(gen lost)" = 0 ] &&
	 [ "$(sj "len([c for c in d[\"nics\"][0][\"channels\"] if c[\"rx_frames\"] > 0])")" = 4 ]'

# 7b. link events: host link down, up, speed change -> three LSC events,
# and the port reports what the host says
run --traffic=none --speed=40000 \
	--at='ready+1:link 0 down' --at='ready+2:link 0 up' --at='ready+3:speed 0 10000' \
	-- --forward-mode=rxonly --auto-start <<'EOF'
?wait nic('status_indications') == 3 and nic('speed_mbps') == 10000
?out (?s)(link state change event.*?){3}
show port info 0
EOF
check "link down, up and a speed change raise exactly three LSC events" \
	'clean && [ "$(grep -c "Port 0: link state change event" "$work/out")" = 3 ]'
check "after the flap the link is up at the new 10 Gbps" \
	'has "Link status: up" && has "Link speed: 10 Gbps"'

# 7c. a slow host (answers 2.5 s late at first) still probes
run --traffic=none --at='0:delay 0 2500' --at='8:delay 0 0' <<<"show port info 0"
check "slow host: answers delayed by 2.5 s, the port still comes up" \
	'clean && has "Link status: up" && [ "$(nic ctl_deferred)" -ge 1 ]'

# 7d. a host that never answers: a clear error within the deadline
start=$(date +%s)
EAL_EXTRA="-a $dev,timeout=3" run --traffic=none --at='0:mute 0' <<<"show port info 0"
took=$(( $(date +%s) - start ))
check "silent host: probe fails with 'did not answer ... within 3 s', well before the kill timeout" \
	'has "the host did not answer" && has "within 3 s" && [ "$took" -lt 60 ]'

# 7e. a bad devarg is a clear probe error
EAL_EXTRA="-a $dev,timeout=0" run --traffic=none <<<"show port info 0"
check "bad devarg: one clear line naming the valid range" \
	'has "devarg timeout=0: expected an integer from 1 to 3600"'

# 8. 100 configure/start/stop/close cycles: no mbuf leak, exact traffic
sim 300 hvnet --strict --traffic=loop -- \
	"$PMD_CYCLES" -l 0 -m 256 --no-pci --file-prefix="hvc$$" -- 100
check "100 cycles (1-4 queues, close and re-probe each time), clean exit" \
	'clean && has "cycles=100 "'
check "100 cycles: 6400 frames sent and 6400 received back" \
	'has "sent=6400 received=6400"'
check "100 cycles: every mbuf back in the pool after each stop and at the end" \
	'grep -qE "pool_initial=([0-9]+) pool_final=\1 leaks=0" "$work/out"'
check "100 cycles: xstats read (zeros) between configure and queue setup; bus counters reset" \
	'has "xstats_before_setup=100 bus_counters_reset=100"'

# 9. a secondary process receives and sends on its own queue. hvsim runs
# both testpmd processes (mp.sh), each forwarding until it reads a line
# (line-buffered: "Press enter to exit" says it forwards); the traffic
# starts once both are up, and they end once it is all back.
mkfifo "$work/primary.in" "$work/secondary.in"
cat >"$work/mp.sh" <<EOF
#!/bin/bash
mp() {
	stdbuf -oL "$TESTPMD" -l 0-1 -m 256 --no-pci --file-prefix=hvm$$ --proc-type=\$1 -- \\
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
exec 5<>"$work/primary.in" 6<>"$work/secondary.in"
sim_bg 120 hvnet --strict --control="$sock" --traffic=gen:count=0,rate=1,delay=3600000 -- "$work/mp.sh"
until_true 60 grep -qs "Press enter" "$work/secondary.out" &&
	ctl gen rate=4000,count=4000,delay=0,flows=16 >"$work/ctl.log"
until_true 60 eval '[ "$(ctl stats 2>/dev/null | sj "d[\"vswitch\"][\"gen\"][\"ports\"][0][\"received\"]" /dev/stdin)" = 4000 ]'
echo >&6
until_true 30 test -e "$work/secondary.done"
echo >&5
sim_wait
exec 5>&- 6>&-
cat "$work/primary.out" "$work/secondary.out" >>"$work/out" 2>/dev/null
check "secondary process: all 4000 frames back, channel 1 (the secondary's queue) carried some" \
	'clean && [ "$(gen received)" = 4000 ] && [ "$(gen lost)" = 0 ] &&
	 [ "$(sj "d[\"nics\"][0][\"channels\"][1][\"rx_frames\"]")" -gt 0 ]'

# 10. a host whose send-buffer sections cannot hold a control message
# (--tx-section=200; RSS parameters are 620 bytes): the port does not
# start, one line says why, nothing crashes
run --tx-section=200 --traffic=none <<<"show port info 0"
check "200-byte send-buffer sections: one clear line, the port not started, clean exit" \
	'rc_is 0 && has "200-byte send-buffer sections: the host" && has "Fail to configure port 0"'

# 11. a host that carves the receive buffer into 68-byte slots (31 MiB: 478 K
# slots, 1 B would be 32 M and ~1 GiB of completion tables a channel): below
# an RNDIS header and a minimal frame (104 B), refused with one line
run --rx-slot=68 --traffic=none <<<"show port info 0"
check "68-byte receive slots: one clear line, the port not brought up, clean exit" \
	'rc_is 0 && has "the host'"'"'s slots of 68 B are smaller than a minimal frame"'

# 12. rx_extmbuf_enable leaves frames in host-writable memory: one warning at
# configure time; with isolated=1 (a VM that does not trust its host) the
# probe refuses it with one line
EAL_EXTRA="-a $dev,rx_extmbuf_enable=1" run --traffic=none <<<"show port info 0"
check "rx_extmbuf_enable=1: exactly one warning that frames stay in host-writable memory" \
	'clean && [ "$(grep -c "received frames stay in the host-writable receive buffer" "$work/out")" = 1 ]'
EAL_EXTRA="-a $dev,rx_extmbuf_enable=1,isolated=1" run --traffic=none <<<"show port info 0"
check "isolated=1 with rx_extmbuf_enable=1: the probe refuses it in one line" \
	'has "rx_extmbuf_enable=1 refused with isolated=1"'

sim_end
