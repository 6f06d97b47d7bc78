#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# hvbench (the benchmark guest of ./hvnet bench) works and counts exactly:
# a functional check at a low rate, not a benchmark. Speaks TAP. Needs root
# and hugepages (./hvnet setup).
set -uo pipefail
. "$(dirname "$0")/lib/sim.sh"
: "${HVBENCH:?}"
# meson test points LD_LIBRARY_PATH at our build: Debian's bundled
# net_netvsc would then bind to our librte_bus_vmbus.so. Only those
# entries go: a DPDK that ./hvnet --dpdk=VERSION built has its libraries
# on that path too, and hvbench needs them.
LD_LIBRARY_PATH=$(tr ':' '\n' <<<"${LD_LIBRARY_PATH:-}" | grep -v "^${HVNET_BUILD_ROOT:?}" | paste -sd: -)
if [ -n "$LD_LIBRARY_PATH" ]; then export LD_LIBRARY_PATH; else unset LD_LIBRARY_PATH; fi
LOG_LINES=30
# ms between the NIC's first receive buffer and the generator's first frame:
# under ./hvnet test --sanitize the guest takes seconds more to start polling,
# and a generator that is behind its rate catches up in one burst
gdelay=300
[ "${HVNET_SANITIZE:-0}" = 1 ] && gdelay=3000

# run PMD HVSIM_ARGS... -- HVBENCH_ARGS
# As ./hvnet bench runs it: hvsim's host thread on CPU 0, hvbench's loop on
# CPU 1 (lcore 1); our plugins only for hvnet.
run() {
	local pmd=$1 left right
	shift
	split_args "$@"
	SIM_PREFIX="taskset -c 0" sim 60 "$pmd" --strict "${left[@]}" -- \
		"$HVBENCH" -l 0-1 -m 256 --no-pci --file-prefix="hvbs$$" -- "${right[@]}"
}

# field KEY: KEY=VALUE from hvbench's "bench" line
field() { grep '^bench ' "$work/out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

sim_begin hvbench-smoke

# 1. io on hvnet: every frame received, sent back, and seen by the generator
run hvnet --traffic=gen:rate=20000,count=10000,delay=$gdelay,sizes=60/1514 -- \
	--mode io --packets 10000 --seconds 20
check "io on hvnet: exits cleanly, no protocol violation" 'clean'
check "io on hvnet: pkts=10000 exactly, rx=tx=10000, complete" \
	'[ "$(field pkts)" = 10000 ] && [ "$(field rx)" = 10000 ] && [ "$(field tx)" = 10000 ] && [ "$(field complete)" = 1 ]'
check "io on hvnet: the generator got all 10000 back, none lost or corrupt" \
	'[ "$(gen received)" = 10000 ] && [ "$(gen lost)" = 0 ] && [ "$(gen corrupt)" = 0 ] && [ "$(gen duplicates)" = 0 ]'
check "io on hvnet: cycles and cycles/packet are reported" \
	'[ "$(field cycles)" -gt 0 ] && awk "BEGIN {exit !($(field cpp) > 0)}"'

# xstat NAME: its value in hvbench's output (0 when not printed: zero)
xstat() { sed -n "s/^xstat $1=//p" "$work/out" | grep . || echo 0; }

# 2. txonly on hvnet, both TX paths by default: copied and aggregated
# (60 B), GPA page lists (1514 B, above the default tx_copybreak of 1024)
for size in 60 1514; do
	run hvnet --traffic=none -- --mode txonly --size $size --packets 10000 --seconds 20
	check "txonly $size B on hvnet: host took exactly 10000 frames of $size B" \
		'clean && [ "$(field pkts)" = 10000 ] && [ "$(nic tx_frames)" = 10000 ] && [ "$(nic tx_bytes)" = $((10000 * size)) ]'
	if [ $size = 60 ]; then path=copied; else path=gpa; fi
	check "txonly $size B on hvnet: all 10000 went by the $path path" \
		'[ "$(xstat tx_q0_${path}_packets)" = 10000 ] && [ "$(xstat tx_q0_$([ $path = gpa ] && echo copied || echo gpa)_packets)" = 0 ]'
	# Frames sent by address never go in pieces: a burst starts only when
	# descriptors for all of it (up to 32) are free, and the ring has room
	# for far more, so every tx_burst that sent anything sent all it was
	# offered: 312 bursts of 32 and a last one of 16.
	[ $size = 1514 ] && check "txonly 1514 B on hvnet: sent in whole bursts only (313 busy iterations)" \
		'[ "$(field busy_iters)" = 313 ]'
done

# 2b. two queues, one lcore polling both: RSS spreads 4 flows, every frame
# comes back, and each queue carried some
run hvnet --traffic=gen:rate=5000,count=6000,delay=$gdelay,sizes=60/1514,flows=4 -- \
	--mode io --packets 6000 --seconds 20 --queues 2
check "io on 2 queues: pkts=6000 exactly, rx=tx=6000, complete" \
	'clean && [ "$(field pkts)" = 6000 ] && [ "$(field rx)" = 6000 ] && [ "$(field tx)" = 6000 ] && [ "$(field complete)" = 1 ]'
check "io on 2 queues: the generator got all 6000 back; both queues received" \
	'[ "$(gen received)" = 6000 ] && [ "$(gen lost)" = 0 ] && [ "$(gen corrupt)" = 0 ] && [ "$(xstat rx_q0_packets)" -gt 0 ] && [ "$(xstat rx_q1_packets)" -gt 0 ] && [ $(( $(xstat rx_q0_packets) + $(xstat rx_q1_packets) )) = 6000 ]'

# 3. the bundled PMD, on which testpmd cannot forward: hvbench can
run bundled --traffic=gen:rate=20000,count=10000,delay=$gdelay -- \
	--mode rxonly --packets 10000 --seconds 20
check "rxonly on the bundled PMD: pkts=10000 exactly" \
	'clean && [ "$(field pkts)" = 10000 ] && [ "$(field complete)" = 1 ]'

# 4. --warmup: the first frames are moved but not measured, and the page
# faults of both parts are counted. 20,000 frames of 1514 B take more than
# one lap of hvsim's receive buffer (18,811 slots of 1728 B): our bus maps
# it populated, so the forwarding lcore takes no fault per page there (the
# bundled PMD's takes about 1,500: one per 4 KiB or per fault-around block)
run hvnet --traffic=gen:rate=40000,count=20000,delay=$gdelay,sizes=1514 -- \
	--mode rxonly --packets 10000 --warmup 10000 --seconds 20
check "warm-up on hvnet: warmup=10000 exactly, then pkts=10000 measured, rx=20000" \
	'clean && [ "$(field warmup)" = 10000 ] && [ "$(field pkts)" = 10000 ] && [ "$(field rx)" = 20000 ] && [ "$(field complete)" = 1 ]'
check "warm-up on hvnet: a lap over the receive buffer costs the lcore under 100 page faults" \
	'[ $(( $(field warmup_faults) + $(field faults) )) -lt 100 ]'

sim_end
