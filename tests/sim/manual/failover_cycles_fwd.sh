#!/usr/bin/env bash
# manual: one remove/add cycle under guest_fwd (our PMD), 4 queues
set -uo pipefail
cd "$(dirname "$0")/../../.."
export HVSIM=$PWD/build/hvsim/hvsim HVSIM_SHIM=$PWD/build/hvsim/libhvsim_uio.so
# the plugins carry the ABI of the DPDK built against (librte_*.so.23.0 on 22.11)
export HVNET_PLUGINS=$(echo $PWD/build/drivers/bus/vmbus/librte_bus_vmbus.so.*.*[0-9]):$(echo $PWD/build/drivers/net/netvsc/librte_net_netvsc.so.*.*[0-9])
export GUEST_FWD=$PWD/build/tests/sim/guest_fwd
. tests/sim/lib/sim.sh
NO_PCI=
CYCLES=${CYCLES:-1}
RATE=${RATE:-2000}
COUNT=${COUNT:-20000}
KEEP=1
sim_begin fo
GUEST_EAL="--log-level=pmd.net.netvsc.driver:info ${EXTRA_EAL:-}" fwd_bg 400 hvnet --strict --vf --control="$sock" --traffic=gen:rate=$RATE,count=$COUNT -- \
	--rxq 4 --txq 4 --tx-retry --packets $COUNT --seconds ${SECS:-120}
wait_for "data path -> VF" 30 || echo "# never on VF"
for i in $(seq $CYCLES); do
	sleep 0.$((RANDOM % 9 + 1))
	ctl vf remove >>"$work/ctl.log"
	wait_for "PCI device revoked" 30 || echo "# no revoke"
	sleep 0.$((RANDOM % 9 + 1))
	ctl vf add >>"$work/ctl.log"
	until_true 40 eval '[ "$(grep -c "data path -> VF" "$work/out")" -ge $((i + 1)) ]' || echo "# cycle $i: not back on VF"
done
sim_wait
echo "rc=$(cat $work/rc)"
grep -aE "vf:|netvsc:|total|VF" "$work/out" | grep -v "^EAL" | tail -60
echo "gen: sent=$(gen sent) received=$(gen received) lost=$(gen lost) dup=$(gen duplicates) corrupt=$(gen corrupt)"
echo "vf: rx=$(vf rx_frames 2>/dev/null; sj "d['nics'][0]['vf']['rx_frames']") tx=$(sj "d['nics'][0]['vf']['tx_frames']") lit=$(sj "d['nics'][0]['vf']['lost_in_transition']") viol=$(sj "d['violations']")"
echo "nic: rx=$(nic rx_frames) tx=$(nic tx_frames)"
echo "work $work"
