/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Statistics. The counters live in the queues and are written by the
 * polling lcores only; a reset records a base instead of writing them, so
 * that the control thread never races an lcore's increment.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_ethdev.h>

#include "hvf.h"

struct hvf_xstat_field {
	const char *name;
	size_t offset;
};

static const struct hvf_xstat_field hvf_rx_fields[] = {
	{ "packets", offsetof(struct hvf_rx_stats, packets) },
	{ "bytes", offsetof(struct hvf_rx_stats, bytes) },
	{ "bad_records", offsetof(struct hvf_rx_stats, bad_records) },
	{ "too_long", offsetof(struct hvf_rx_stats, too_long) },
	{ "nombuf", offsetof(struct hvf_rx_stats, nombuf) },
	{ "ring_errors", offsetof(struct hvf_rx_stats, ring_errors) },
};

static const struct hvf_xstat_field hvf_tx_fields[] = {
	{ "packets", offsetof(struct hvf_tx_stats, packets) },
	{ "bytes", offsetof(struct hvf_tx_stats, bytes) },
	{ "bad_packets", offsetof(struct hvf_tx_stats, bad_packets) },
	{ "gone_drops", offsetof(struct hvf_tx_stats, gone_drops) },
	{ "ring_errors", offsetof(struct hvf_tx_stats, ring_errors) },
};

/* Device-wide counters (control thread), not reset with the queues'. */
static const struct hvf_xstat_field hvf_dev_fields[] = {
	{ "lsc_events", offsetof(struct hvf_adapter, events_lsc) },
	{ "rmv_events", offsetof(struct hvf_adapter, events_rmv) },
	{ "recovery_events", offsetof(struct hvf_adapter, events_recovery) },
	{ "host_state_errors", offsetof(struct hvf_adapter, bad_host_state) },
};

static uint64_t
field(const void *base, size_t offset)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)base + offset, sizeof(v));
	return v;
}

/* A counter as read now, minus its value at the last reset. */
static uint64_t
since_reset(const void *now, const void *base, size_t offset)
{
	return __atomic_load_n((const uint64_t *)((const uint8_t *)now + offset),
			       __ATOMIC_RELAXED) - field(base, offset);
}

#define RX(q, f) since_reset(&(q)->stats, &(q)->base, offsetof(struct hvf_rx_stats, f))
#define TX(q, f) since_reset(&(q)->stats, &(q)->base, offsetof(struct hvf_tx_stats, f))

int
hvf_stats_get(HVNET_STATS_GET_ARGS(dev, st, qst))
{
	struct hvnet_queue_stats *q = HVNET_QSTATS(st, qst);
	const struct hvf_rxq *rxq;
	const struct hvf_txq *txq;
	uint64_t n;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		rxq = dev->data->rx_queues[i];
		if (rxq == NULL)
			continue;
		n = RX(rxq, bad_records) + RX(rxq, too_long) + RX(rxq, ring_errors);
		if (q != NULL && i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			q->q_ipackets[i] = RX(rxq, packets);
			q->q_ibytes[i] = RX(rxq, bytes);
			q->q_errors[i] = n;
		}
		st->ipackets += RX(rxq, packets);
		st->ibytes += RX(rxq, bytes);
		st->ierrors += n;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		txq = dev->data->tx_queues[i];
		if (txq == NULL)
			continue;
		if (q != NULL && i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			q->q_opackets[i] = TX(txq, packets);
			q->q_obytes[i] = TX(txq, bytes);
		}
		st->opackets += TX(txq, packets);
		st->obytes += TX(txq, bytes);
		st->oerrors += TX(txq, bad_packets) + TX(txq, ring_errors);
	}
	/* rx_nombuf: ethdev reports data->rx_mbuf_alloc_failed, which RX
	 * bumps next to its own counter. imissed stays 0: the host's
	 * RX-ring-full drops are not in the BAR. */
	return 0;
}

/* base = now, one 64-bit load per counter (an lcore may be adding). */
static void
counters_snapshot(uint64_t *base, const uint64_t *now, size_t size)
{
	size_t i;

	for (i = 0; i < size / sizeof(uint64_t); i++)
		base[i] = __atomic_load_n(&now[i], __ATOMIC_RELAXED);
}

int
hvf_stats_reset(struct rte_eth_dev *dev)
{
	struct hvf_rxq *rxq;
	struct hvf_txq *txq;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		rxq = dev->data->rx_queues[i];
		if (rxq != NULL)
			counters_snapshot((uint64_t *)&rxq->base, (const uint64_t *)&rxq->stats,
					  sizeof(rxq->base));
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		txq = dev->data->tx_queues[i];
		if (txq != NULL)
			counters_snapshot((uint64_t *)&txq->base, (const uint64_t *)&txq->stats,
					  sizeof(txq->base));
	}
	return 0;
}

static unsigned int
xstats_count(const struct rte_eth_dev *dev)
{
	return dev->data->nb_rx_queues * RTE_DIM(hvf_rx_fields) +
	       dev->data->nb_tx_queues * RTE_DIM(hvf_tx_fields) + RTE_DIM(hvf_dev_fields);
}

int
hvf_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
		     unsigned int size)
{
	unsigned int i, f, k = 0;

	if (names == NULL || size < xstats_count(dev))
		return xstats_count(dev);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		for (f = 0; f < RTE_DIM(hvf_rx_fields); f++)
			snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "rx_q%u_%s", i,
				 hvf_rx_fields[f].name);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		for (f = 0; f < RTE_DIM(hvf_tx_fields); f++)
			snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "tx_q%u_%s", i,
				 hvf_tx_fields[f].name);
	for (f = 0; f < RTE_DIM(hvf_dev_fields); f++)
		snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s", hvf_dev_fields[f].name);
	return k;
}

int
hvf_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs, unsigned int n)
{
	const struct hvf_adapter *hvf = hvf_of(dev);
	const struct hvf_rxq *rxq;
	const struct hvf_txq *txq;
	unsigned int i, f, k = 0;

	if (xs == NULL || n < xstats_count(dev))
		return xstats_count(dev);
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		rxq = dev->data->rx_queues[i];
		for (f = 0; f < RTE_DIM(hvf_rx_fields); f++, k++) {
			xs[k].id = k;
			xs[k].value = rxq == NULL ? 0 :
				since_reset(&rxq->stats, &rxq->base, hvf_rx_fields[f].offset);
		}
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		txq = dev->data->tx_queues[i];
		for (f = 0; f < RTE_DIM(hvf_tx_fields); f++, k++) {
			xs[k].id = k;
			xs[k].value = txq == NULL ? 0 :
				since_reset(&txq->stats, &txq->base, hvf_tx_fields[f].offset);
		}
	}
	for (f = 0; f < RTE_DIM(hvf_dev_fields); f++, k++) {
		xs[k].id = k;
		xs[k].value = field(hvf, hvf_dev_fields[f].offset);
	}
	return k;
}
