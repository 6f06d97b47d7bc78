#!/usr/bin/env bash
# manual: testpmd io forwarding on 4 queues under hvsim --vf; testpmd.py commands on stdin
set -uo pipefail
cd "$(dirname "$0")/../../.."
export HVSIM=$PWD/build/hvsim/hvsim HVSIM_SHIM=$PWD/build/hvsim/libhvsim_uio.so
# the plugins carry the ABI of the DPDK built against (librte_*.so.23.0 on 22.11)
export HVNET_PLUGINS=$(echo $PWD/build/drivers/bus/vmbus/librte_bus_vmbus.so.*.*[0-9]):$(echo $PWD/build/drivers/net/netvsc/librte_net_netvsc.so.*.*[0-9])
. tests/sim/lib/sim.sh
NO_PCI=
KEEP=1
tp_args=(--total-num-mbufs=16384)
EAL_EXTRA="--log-level=pmd.net.netvsc.driver:info ${DEVARGS:-}"
sim_begin fo3
testpmd 400 hvnet --strict --vf ${HVARGS:-} --traffic=gen:count=0,rate=1,delay=3600000 -- --forward-mode=io --rxq=4 --txq=4
echo "rc=$(cat $work/rc)"
grep -aE "${SHOW:-RX-packets:|TX-packets:|vf_|^hvsim: nic0 vf|gave up|netvsc: |Port 0: |Port 1: }" "$work/out" | grep -v "RNDIS" | head -${LINES_MAX:-120}
echo "gen: sent=$(gen sent) received=$(gen received) lost=$(gen lost) dup=$(gen duplicates) corrupt=$(gen corrupt)"
echo "vf: rx=$(sj "d['nics'][0]['vf']['rx_frames']") tx=$(sj "d['nics'][0]['vf']['tx_frames']") lit=$(sj "d['nics'][0]['vf']['lost_in_transition']") viol=$(sj "d['violations']") stopped_drops=$(sj "d['nics'][0]['vf']['rx_dropped_stopped']")"
echo "nic: rx=$(nic rx_frames) tx=$(nic tx_frames)"
echo "work $work"
