#!/usr/bin/env bash
# manual: testpmd io forwarding on 4 queues, N remove/add cycles, then a surprise
set -uo pipefail
cd "$(dirname "$0")/../../.."
export HVSIM=$PWD/build/hvsim/hvsim HVSIM_SHIM=$PWD/build/hvsim/libhvsim_uio.so
# the plugins carry the ABI of the DPDK built against (librte_*.so.23.0 on 22.11)
export HVNET_PLUGINS=$(echo $PWD/build/drivers/bus/vmbus/librte_bus_vmbus.so.*.*[0-9]):$(echo $PWD/build/drivers/net/netvsc/librte_net_netvsc.so.*.*[0-9])
. tests/sim/lib/sim.sh
NO_PCI=
KEEP=1
CYCLES=${CYCLES:-3}
COUNT=${COUNT:-60000}
tp_args=(--total-num-mbufs=16384)
EAL_EXTRA="--log-level=pmd.net.netvsc.driver:info ${DEVARGS:-}"
sim_begin fo2
{
echo "show port info all"
echo "start"
echo "!gen rate=2000,count=$COUNT,delay=0"
echo "?wait d['nics'][0]['vf']['switches_to_vf'] >= 1"
for i in $(seq $CYCLES); do
  echo "?wait gen('received') > $((i * 3000))"
  echo "!vf remove"
  echo "?wait d['nics'][0]['vf']['state'] == 'absent'"
  echo "!vf add"
  echo "?wait d['nics'][0]['vf']['switches_to_vf'] >= $((i + 1))"
done
if [ -n "${SURPRISE:-}" ]; then
  echo "?wait gen('received') > $(((CYCLES + 1) * 3000))"
  echo "!vf surprise"
  echo "?wait d['nics'][0]['vf']['state'] == 'absent'"
fi
echo "?wait gen('sent') == $COUNT"
echo "?wait gen('received') + gen('lost') >= $COUNT"
echo "show port stats 0"
echo "show port xstats 0"
echo "stop"
} | testpmd 400 hvnet --strict --vf --traffic=gen:count=0,rate=1,delay=3600000 -- --forward-mode=io --rxq=4 --txq=4
echo "rc=$(cat $work/rc)"
grep -aE "RX-packets|TX-packets|vf_|^hvsim: nic0 vf: offering|wait|gave up|Port 1|Port 0: " "$work/out" | head -60
echo "gen: sent=$(gen sent) received=$(gen received) lost=$(gen lost) dup=$(gen duplicates) corrupt=$(gen corrupt)"
echo "vf: rx=$(sj "d['nics'][0]['vf']['rx_frames']") tx=$(sj "d['nics'][0]['vf']['tx_frames']") lit=$(sj "d['nics'][0]['vf']['lost_in_transition']") viol=$(sj "d['violations']")"
echo "nic: rx=$(nic rx_frames) tx=$(nic tx_frames)"
echo "work $work"
