/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Transparent VF failover (hn_vf.c): everything about the SR-IOV VF that
 * the host associates with this NIC. hn_ethdev.c calls in from the dev
 * ops; the bursts (hn_rx.c, hn_tx.c) use the inline hooks below, which
 * take no lock, allocate nothing and never do control work: they read the
 * queue's gate (struct hn_vf_gate, hn_dev.h) between two writes of `busy`.
 */

#ifndef HN_VF_H
#define HN_VF_H

#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_pause.h>

#include "hn_dev.h"

/* ---- control (hn_vf.c) ---------------------------------------------------- */

/* Probe: start the control tick and the event callbacks. */
int hn_vf_init(struct hn_dev *hn);
/* Close: give the VF back (host steering synthetic), stop the tick. */
void hn_vf_close(struct hn_dev *hn);
/* dev_start done: the tick starts the VF and switches to it. */
void hn_vf_start(struct hn_dev *hn);
/* dev_stop (before the synthetic queues stop): leave the VF, stop it. */
void hn_vf_stop(struct hn_dev *hn);
/* Settings changed (promiscuous, MAC, RSS) while the VF runs. */
void hn_vf_sync_settings(struct hn_dev *hn);
/* After a runtime RSS hash update: the host's key and types on the VF. */
void hn_vf_sync_rss(struct hn_dev *hn);
/* The ethdev hash types of the host's RSS hash info (hn_ethdev.c). */
uint64_t hn_rss_hash_info_to_hf(uint32_t hash_info);
/* Merged statistics. */
void hn_vf_stats_add(struct hn_dev *hn, struct rte_eth_stats *st);
void hn_vf_stats_reset(struct hn_dev *hn);
#define HN_VF_XSTATS 13
unsigned int hn_vf_xstats_names(struct rte_eth_xstat_name *names, unsigned int k);
unsigned int hn_vf_xstats_values(struct hn_dev *hn, struct rte_eth_xstat *xs, unsigned int k);
void hn_vf_dump(struct hn_dev *hn, FILE *f);

/* ---- data path hooks ------------------------------------------------------- */

/*
 * The bursts pair with the control side's store of a flag (Dekker: each
 * stores, then loads what the other stored). Either side needs a full
 * fence between its store and its load; on the bursts that is an mfence
 * per call, tens of cycles on every poll. Where the kernel has membarrier
 * (Linux >= 4.16), the control side forces that fence on every running
 * thread of every registered process instead (hn_vf.c), and the bursts
 * only keep the compiler from reordering. Per process: one whose
 * registration failed fences itself (hn_vf_gate_fence).
 */
extern bool hn_vf_gate_fence;

static inline void
hn_vf_gate_enter(struct hn_vf_gate *g)
{
	/* only this lcore writes busy: odd = may be using the VF */
	__atomic_store_n(&g->busy, g->busy + 1, __ATOMIC_RELAXED);
	if (unlikely(hn_vf_gate_fence))
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	else
		rte_compiler_barrier();
}

static inline void
hn_vf_gate_leave(struct hn_vf_gate *g)
{
	__atomic_store_n(&g->busy, g->busy + 1, __ATOMIC_RELEASE);
}

/* hn_vf_gate.c: register this process for membarrier (once; every process
 * that polls queues); whether it is used here. */
void hn_vf_gate_barrier_init(void);
bool hn_vf_gate_barrier_on(void);

/*
 * Control side: turn off flags[i] (rx_on or tx_on of gates[i]) and wait
 * until no burst uses the VF through those gates: each queue was outside
 * its section (busy even) or left the section it was in (busy moved on),
 * and any later section sees its flag off. A burst stuck for wait_cycles
 * is given up on (returns false), never waited for forever.
 */
bool hn_vf_gates_close(struct hn_vf_gate *const *gates, uint32_t *const *flags, unsigned int n,
		       uint64_t wait_cycles);

/* hn_rx.c: what the application enabled and the VF lacks, in software. */
void hn_vf_rx_fixup(const struct hn_rxq *rxq, struct rte_mbuf **pkts, uint16_t n,
		    uint32_t fix);

/*
 * The VF's bursts, called the way a parent device calls its sub-device's:
 * this process's function (addresses differ between processes; a VF PMD
 * may change it at start) on the queue the gate holds. NULL: this process
 * has not the VF's port; the primary switches only once every secondary
 * said it has (hn_vf.c), so this is a process that came later: nothing.
 */
static inline uint16_t
hn_vf_rx_burst(uint16_t vf_port, void *q, struct rte_mbuf **pkts, uint16_t n)
{
	eth_rx_burst_t rx = rte_eth_devices[vf_port].rx_pkt_burst;

	return likely(rx != NULL) ? rx(q, pkts, n) : 0;
}

static inline eth_tx_burst_t
hn_vf_tx_fn(uint16_t vf_port)
{
	return rte_eth_devices[vf_port].tx_pkt_burst;
}

/*
 * A read of n frames that came back with got says the VF's ring is empty
 * only if the PMD could have given more. Vector PMDs read in steps of 4
 * or 8 and give nothing for fewer (mlx5 returns 0 for 1 to 3): only a
 * request of at least one step that came back short of its whole steps
 * says so.
 */
#define HN_VF_RX_STEP	8u

static inline bool
hn_vf_rx_ran_dry(uint16_t n, uint16_t got)
{
	return n >= HN_VF_RX_STEP && got < RTE_ALIGN_FLOOR(n, HN_VF_RX_STEP);
}

/* RX from the VF's queue of the same index, into pkts (at most n). */
static inline uint16_t
hn_vf_rx(struct hn_rxq *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	struct hn_vf_gate *g = &rxq->vf_gate;
	uint64_t bytes = 0;
	uint16_t got = 0, i;

	hn_vf_gate_enter(g);
	if (__atomic_load_n(&g->rx_on, __ATOMIC_ACQUIRE)) {
		uint32_t req = __atomic_load_n(&g->drain_req, __ATOMIC_ACQUIRE);

		got = hn_vf_rx_burst(rxq->hn->vf.port_id, g->vf_queue, pkts, n);
		if (unlikely(g->sw_fix != 0) && got > 0)
			hn_vf_rx_fixup(rxq, pkts, got, g->sw_fix);
		for (i = 0; i < got; i++) {
			pkts[i]->port = rxq->port_id;
			bytes += pkts[i]->pkt_len;
		}
		rxq->vf_stats.packets += got;
		rxq->vf_stats.bytes += bytes;
		if (unlikely(req != g->drain_ack)) {
			/* TX has left the VF and the host steers synthetic */
			rxq->vf_stats.drained += got;
			if (hn_vf_rx_ran_dry(n, got))
				__atomic_store_n(&g->drain_ack, req, __ATOMIC_RELEASE);
		}
	}
	hn_vf_gate_leave(g);
	return got;
}

/* TX on the VF when its gate is open: true, *sent set; false: synthetic. */
static inline bool
hn_vf_tx(struct hn_txq *txq, struct rte_mbuf **pkts, uint16_t n, uint16_t *sent)
{
	struct hn_vf_gate *g = &txq->vf_gate;
	const struct hn_vf *vf = &txq->hn->vf;
	uint64_t bytes = 0;
	eth_tx_burst_t tx;
	bool on;
	uint16_t i, k;

	hn_vf_gate_enter(g);
	/* acquire: the queue and port the gate was opened for are seen with
	 * it (the RX side's too; a plain load on x86) */
	on = __atomic_load_n(&g->tx_on, __ATOMIC_ACQUIRE) &&
	     !__atomic_load_n(&vf->tx_block, __ATOMIC_RELAXED);
	tx = on ? hn_vf_tx_fn(vf->port_id) : NULL;
	on = tx != NULL;
	if (on) {
		for (i = 0; i < n; i++)
			bytes += pkts[i]->pkt_len;
		k = tx(g->vf_queue, pkts, n);
		for (i = k; i < n; i++)	/* still ours: not sent */
			bytes -= pkts[i]->pkt_len;
		txq->vf_stats.packets += k;
		txq->vf_stats.bytes += bytes;
		*sent = k;
	}
	hn_vf_gate_leave(g);
	return on;
}

static inline bool
hn_vf_present(const struct hn_dev *hn)
{
	return __atomic_load_n(&hn->vf.present, __ATOMIC_RELAXED) != 0;
}

/* Secondary processes: answer the primary's "have you the VF?" (hn_vf.c). */
void hn_vf_secondary_init(void);

#endif /* HN_VF_H */
