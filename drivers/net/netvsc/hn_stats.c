/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Statistics: basic stats, xstats (per queue, per channel, the bus's
 * counters) and the private dump. Read by the control thread from
 * counters each lcore writes on its own (hn_dev.h says who writes what).
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_ethdev.h>

#include "hn_stats.h"
#include "hn_vf.h"

/* One RX queue's share of the basic stats; queue i has its own row in
 * qst (NULL: the caller wants no rows). */
static void
rx_stats_add(struct rte_eth_stats *st, struct hvnet_queue_stats *qst, uint16_t i,
	     const struct hn_rx_stats *s, const struct hn_vf_qstats *vf)
{
	uint64_t errors = s->errors + s->too_long + s->lro_errors;

	/* what the queue delivered, from either path */
	if (qst != NULL && i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
		qst->q_ipackets[i] = s->packets + vf->packets;
		qst->q_ibytes[i] = s->bytes + vf->bytes;
		qst->q_errors[i] = errors;
	}
	st->ipackets += s->packets + vf->packets;
	st->ibytes += s->bytes + vf->bytes;
	st->ierrors += errors;
	st->imissed += s->staging_full;
	st->rx_nombuf += s->nombuf;
}

static void
tx_stats_add(struct rte_eth_stats *st, struct hvnet_queue_stats *qst, uint16_t i,
	     const struct hn_tx_stats *s, const struct hn_vf_qstats *vf)
{
	st->opackets += s->packets + vf->packets;
	st->obytes += s->bytes + vf->bytes;
	st->oerrors += s->errors;
	if (qst != NULL && i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
		qst->q_opackets[i] = s->packets + vf->packets;
		qst->q_obytes[i] = s->bytes + vf->bytes;
	}
}

int
hn_stats_get(HVNET_STATS_GET_ARGS(dev, st, qst))
{
	struct hvnet_queue_stats *q = HVNET_QSTATS(st, qst);
	struct hn_dev *hn = hn_dev_of(dev);
	struct hn_rxq *const *rxq = (struct hn_rxq *const *)dev->data->rx_queues;
	struct hn_txq *const *txq = (struct hn_txq *const *)dev->data->tx_queues;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++)
		if (rxq[i] != NULL)
			rx_stats_add(st, q, i, &rxq[i]->stats, &rxq[i]->vf_stats);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		if (txq[i] != NULL)
			tx_stats_add(st, q, i, &txq[i]->stats, &txq[i]->vf_stats);
	for (i = 0; i < hn->nchan; i++)
		st->oerrors += hn->chans[i].tx_host_failed;
	hn_vf_stats_add(hn, st);	/* the VF's drops, kept across detaches */
	return 0;
}

int
hn_stats_reset(struct rte_eth_dev *dev)
{
	struct hn_dev *hn = hn_dev_of(dev);
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct hn_rxq *q = dev->data->rx_queues[i];

		if (q != NULL)
			memset(&q->stats, 0, sizeof(q->stats));
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct hn_txq *q = dev->data->tx_queues[i];

		if (q != NULL)
			memset(&q->stats, 0, sizeof(q->stats));
	}
	for (i = 0; i < hn->nchan; i++) {
		struct hn_chan *ch = &hn->chans[i];
		struct vmbus_chan_stats bus = { 0 };

		ch->acks_deferred = 0;
		ch->bad_packets = 0;
		ch->bad_completions = 0;
		ch->bad_descriptors = 0;
		ch->tx_host_failed = 0;
		__atomic_store_n(&ch->ext_acks_lost, 0, __ATOMIC_RELAXED);
		if (ch->vc != NULL)
			vmbus_chan_stats_get(ch->vc, &bus);
		ch->bus_signals_base = bus.signals;
		ch->bus_ring_full_base = bus.tx_ring_full;
	}
	hn->ctl.timeouts = 0;
	__atomic_store_n(&hn->ctl.stale, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&hn->ctl.stray, 0, __ATOMIC_RELAXED);
	hn_vf_stats_reset(hn);
	return 0;
}

struct hn_xstat_def {
	const char *name;
	size_t off;
};

#define HN_RXS(n, f) { n, offsetof(struct hn_rx_stats, f) }
#define HN_TXS(n, f) { n, offsetof(struct hn_tx_stats, f) }
#define HN_CHS(n, f) { n, offsetof(struct hn_chan, f) }
/* The frame size bins, as DPDK's xstats name them, of RX or TX (S). */
#define HN_SIZE_BINS(S) \
	S("size_64_packets", bins[HN_BIN_64]), \
	S("size_65_to_127_packets", bins[HN_BIN_65_127]), \
	S("size_128_to_255_packets", bins[HN_BIN_128_255]), \
	S("size_256_to_511_packets", bins[HN_BIN_256_511]), \
	S("size_512_to_1023_packets", bins[HN_BIN_512_1023]), \
	S("size_1024_to_1518_packets", bins[HN_BIN_1024_1518]), \
	S("size_1519_to_max_packets", bins[HN_BIN_1519_MAX])

static const struct hn_xstat_def hn_rx_xstats[] = {
	HN_RXS("packets", packets),
	HN_RXS("bytes", bytes),
	HN_RXS("errors", errors),
	HN_RXS("mbuf_allocation_errors", nombuf),
	HN_RXS("too_long_errors", too_long),
	HN_RXS("staged_packets", staged),
	HN_RXS("staging_full_errors", staging_full),
	HN_RXS("stopped_dropped_packets", stopped_drops),
	HN_RXS("attached_packets", attached),
	HN_RXS("attach_exhausted_packets", ext_exhausted),
	HN_RXS("attach_scattered_packets", ext_scattered),
	HN_RXS("attach_chained_packets", ext_chained),
	HN_RXS("lro_packets", lro_packets),
	HN_RXS("lro_segments", lro_segments),
	HN_RXS("lro_split_packets", lro_split),
	HN_RXS("lro_errors", lro_errors),
	HN_RXS("multicast_packets", multicast),
	HN_RXS("broadcast_packets", broadcast),
	HN_SIZE_BINS(HN_RXS),
};

static const struct hn_xstat_def hn_tx_xstats[] = {
	HN_TXS("packets", packets),
	HN_TXS("bytes", bytes),
	HN_TXS("errors", errors),
	HN_TXS("ring_full_errors", ring_full),
	HN_TXS("broken_ring_errors", ring_broken),
	HN_TXS("no_descriptor_errors", no_desc),
	HN_TXS("copied_packets", copied),
	HN_TXS("gpa_packets", gpa),
	HN_TXS("gpa_section_header_packets", gpa_section_hdr),
	HN_TXS("linearized_packets", linearized),
	HN_TXS("too_many_segments_errors", too_many_segs),
	HN_TXS("bad_offload_errors", bad_offload),
	HN_TXS("tso_packets", tso_packets),
	HN_TXS("tso_errors", tso_errors),
	HN_TXS("too_long_errors", too_long),
	HN_TXS("forged_completion_errors", forged_completions),
	HN_TXS("multicast_packets", multicast),
	HN_TXS("broadcast_packets", broadcast),
	HN_SIZE_BINS(HN_TXS),
};

/* Channel counters, named after the queue pair using the channel. */
static const struct hn_xstat_def hn_ch_xstats[] = {
	HN_CHS("rx_q%u_completions_deferred", acks_deferred),
	HN_CHS("rx_q%u_completions_lost_errors", ext_acks_lost),
	HN_CHS("rx_q%u_bad_vmbus_packets", bad_packets),
	HN_CHS("rx_q%u_bad_descriptors", bad_descriptors),
	HN_CHS("tx_q%u_bad_completions", bad_completions),
	HN_CHS("tx_q%u_host_failed_packets", tx_host_failed),
};
#define HN_CH_BUS_XSTATS 2	/* tx_qN_signals, tx_qN_vmbus_ring_full_errors */

/* The control mailbox's counters (device level). */
#define HN_CTLS(n, f) { n, offsetof(struct hn_ctl, f) }
static const struct hn_xstat_def hn_ctl_xstats[] = {
	HN_CTLS("ctl_timeouts", timeouts),
	HN_CTLS("ctl_stale_replies", stale),
	HN_CTLS("ctl_stray_replies", stray),
};

/* Channels of configured queue pairs; those beyond are open but idle. */
static unsigned int
hn_chans_in_use(const struct rte_eth_dev *dev)
{
	const struct hn_dev *hn = hn_dev_of(dev);

	return RTE_MIN(hn->nchan, (uint32_t)RTE_MAX(dev->data->nb_rx_queues,
						     dev->data->nb_tx_queues));
}

static unsigned int
hn_xstats_count(const struct rte_eth_dev *dev)
{
	return dev->data->nb_rx_queues * RTE_DIM(hn_rx_xstats) +
	       dev->data->nb_tx_queues * RTE_DIM(hn_tx_xstats) +
	       hn_chans_in_use(dev) * (RTE_DIM(hn_ch_xstats) + HN_CH_BUS_XSTATS) +
	       RTE_DIM(hn_ctl_xstats) + HN_VF_XSTATS;
}

/* The names of a queue kind's counters (dir "rx" or "tx"), from index k. */
static unsigned int
queue_xstat_names(struct rte_eth_xstat_name *names, unsigned int k, const char *dir,
		  unsigned int nq, const struct hn_xstat_def *defs, unsigned int ndefs)
{
	unsigned int q, i;

	for (q = 0; q < nq; q++)
		for (i = 0; i < ndefs; i++)
			snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s_q%u_%s", dir, q,
				 defs[i].name);
	return k;
}

/* The values of the counters defs describes in base, from index k. */
static unsigned int
xstat_values(struct rte_eth_xstat *xs, unsigned int k, const void *base,
	     const struct hn_xstat_def *defs, unsigned int ndefs)
{
	unsigned int i;

	for (i = 0; i < ndefs; i++, k++) {
		xs[k].id = k;
		xs[k].value = *(const uint64_t *)((const uint8_t *)base + defs[i].off);
	}
	return k;
}

int
hn_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
		    unsigned int size)
{
	unsigned int n = hn_xstats_count(dev), k = 0, q, i;

	if (names == NULL || size < n)
		return (int)n;
	k = queue_xstat_names(names, k, "rx", dev->data->nb_rx_queues, hn_rx_xstats,
			      RTE_DIM(hn_rx_xstats));
	k = queue_xstat_names(names, k, "tx", dev->data->nb_tx_queues, hn_tx_xstats,
			      RTE_DIM(hn_tx_xstats));
	for (q = 0; q < hn_chans_in_use(dev); q++) {
		for (i = 0; i < RTE_DIM(hn_ch_xstats); i++)
			snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE,
				 hn_ch_xstats[i].name, q);
		snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "tx_q%u_host_signals", q);
		snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE,
			 "tx_q%u_vmbus_ring_full_errors", q);
	}
	for (i = 0; i < RTE_DIM(hn_ctl_xstats); i++)
		snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s", hn_ctl_xstats[i].name);
	hn_vf_xstats_names(names, k);	/* always there, VF or not */
	return (int)n;
}

static const struct hn_rx_stats no_rx_stats;
static const struct hn_tx_stats no_tx_stats;

int
hn_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs, unsigned int size)
{
	const struct hn_dev *hn = hn_dev_of(dev);
	unsigned int n = hn_xstats_count(dev), k = 0, q;

	if (xs == NULL || size < n)
		return (int)n;
	/* a queue configured but not set up yet counts zeros */
	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		const struct hn_rxq *rxq = dev->data->rx_queues[q];

		k = xstat_values(xs, k, rxq != NULL ? &rxq->stats : &no_rx_stats,
				 hn_rx_xstats, RTE_DIM(hn_rx_xstats));
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		const struct hn_txq *txq = dev->data->tx_queues[q];

		k = xstat_values(xs, k, txq != NULL ? &txq->stats : &no_tx_stats,
				 hn_tx_xstats, RTE_DIM(hn_tx_xstats));
	}
	for (q = 0; q < hn_chans_in_use(dev); q++) {
		const struct hn_chan *ch = &hn->chans[q];
		struct vmbus_chan_stats bus = { 0 };

		k = xstat_values(xs, k, ch, hn_ch_xstats, RTE_DIM(hn_ch_xstats));
		if (ch->vc != NULL)
			vmbus_chan_stats_get(ch->vc, &bus);
		xs[k].id = k;
		xs[k++].value = bus.signals - RTE_MIN(bus.signals, ch->bus_signals_base);
		xs[k].id = k;
		xs[k++].value = bus.tx_ring_full - RTE_MIN(bus.tx_ring_full, ch->bus_ring_full_base);
	}
	k = xstat_values(xs, k, &hn->ctl, hn_ctl_xstats, RTE_DIM(hn_ctl_xstats));
	hn_vf_xstats_values(hn_dev_of(dev), xs, k);
	return (int)n;
}

/* Telemetry detail: the session as the host set it up. */
int
hn_priv_dump(struct rte_eth_dev *dev, FILE *f)
{
	const struct hn_dev *hn = hn_dev_of(dev);
	uint32_t i;

	fprintf(f, "netvsc port %u\n", hn->port_id);
	fprintf(f, "  nvsp_version: %#x, ndis_version: %u.%u\n", hn->nvsp_ver,
		HV_NDIS_VERSION_MAJOR(hn->ndis_ver), HV_NDIS_VERSION_MINOR(hn->ndis_ver));
	fprintf(f, "  receive buffer: %" PRIu64 " bytes, %u slots\n", hn->rxbuf_len,
		hn->rx_slots);
	fprintf(f, "  send buffer: %" PRIu64 " bytes, %u sections of %u\n", hn->chim_len,
		hn->chim_count, hn->chim_section_size);
	fprintf(f, "  aggregation: %u packets, %u bytes, align %u\n", hn->agg_max_pkts,
		hn->agg_max_bytes, hn->agg_align);
	fprintf(f, "  mtu: %u (host %u), filter: %#x, link: %s %u Mbps\n", hn->mtu,
		hn->host_mtu, hn->filter, hn->link_up ? "up" : "down", hn->link_speed_mbps);
	fprintf(f, "  offload caps: tx4 %#x rx4 %#x tx6 %#x rx6 %#x lso4 %u lso6 %u "
		"lso_minsegs %u rsc %d\n", hn->csum_tx4, hn->csum_rx4, hn->csum_tx6,
		hn->csum_rx6, hn->lso4_max, hn->lso6_max, hn->lso_minsegs, hn->rsc_caps);
	fprintf(f, "  rss: caps %#x, max queues %u, hash_info %#x\n", hn->rss_caps,
		hn->rss_max_queues, hn->rss_hash_info);
	fprintf(f, "  control: %" PRIu64 " timeouts, %" PRIu64 " stale replies, %" PRIu64
		" stray replies, %" PRIu64 " lsc events, %" PRIu64 " host notes\n",
		hn->ctl.timeouts, hn->ctl.stale, hn->ctl.stray, hn->lsc_events,
		hn->inband_notes);
	for (i = 0; i < hn->nchan; i++) {
		const struct hn_chan *ch = &hn->chans[i];

		fprintf(f, "  channel %u: relid %u, %u/%u completions queued, %" PRIu64
			" bad packets, %" PRIu64 " bad descriptors, %" PRIu64
			" bad completions, %" PRIu64 " completions lost\n", i,
			ch->vc ? vmbus_chan_relid(ch->vc) : 0, ch->ack_count, ch->ack_cap,
			ch->bad_packets, ch->bad_descriptors, ch->bad_completions,
			__atomic_load_n(&ch->ext_acks_lost, __ATOMIC_RELAXED));
	}
	hn_vf_dump(hn_dev_of(dev), f);
	return 0;
}
