/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The channel layer (hn_chan.c): who drains a channel's inbound ring, the
 * drain loop, dispatch by VMBus packet type, receive completions batched
 * back to the host. Below it is only the bus (hv_vmbus.h).
 *
 * What the drain finds goes up through the sinks declared at the end:
 * plain functions of the layers above, called directly (never through a
 * pointer), named here so the way up is as readable as the way down.
 */

#ifndef HN_CHAN_H
#define HN_CHAN_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "hn_dev.h"
#include "hn_nvsp_msg.h"

/* Room the staging ring must have for the drain to go past a transfer
 * packet on TX's behalf: at least this, and the packet's frame count. */
#define HN_STAGING_HEADROOM	64u

/*
 * An RX poll drains the channel only after the staging ring went into its
 * burst (it was emptied), and stops after the transfer packet that filled
 * the burst: it parks fewer frames than one packet holds. A host puts up
 * to HV_RNDIS_RX_RANGES_MAX frames in a packet (NDIS 6; OpenVMM's netvsp
 * sends that many), so every queue's staging ring holds that many, however
 * few descriptors it was set up with: a poll of a small queue does not
 * drop the end of an honest host's batch.
 */
#define HN_STAGING_MIN		HV_RNDIS_RX_RANGES_MAX
static_assert(HN_STAGING_MIN >= 2 * HN_STAGING_HEADROOM,
	      "an empty staging ring has the headroom a TX drain asks");

static inline uint32_t
hn_rxq_staging_size(uint16_t nb_desc)
{
	return RTE_MAX((uint32_t)nb_desc, HN_STAGING_MIN);
}

/* Where frames go during one drain. */
struct hn_sink {
	struct rte_mbuf **pkts;
	uint16_t n;
	uint16_t max;
};

/* Bind ch to an open bus channel; forget it (completions freed, counters
 * zeroed); receive completions sized for the session's receive slots. */
void hn_chan_bind(struct hn_dev *hn, struct hn_chan *ch, struct vmbus_channel *vc);
void hn_chan_reset(struct hn_chan *ch, uint16_t index);
int hn_chan_alloc_acks(struct hn_dev *hn, struct hn_chan *ch);

/* Drain ch: at most budget packets, frames into pkts (NULL: staged). */
uint16_t hn_chan_drain(struct hn_dev *hn, struct hn_chan *ch,
		       struct rte_mbuf **pkts, uint16_t max, unsigned int budget);
/* Drain for send completions (TX lcore). */
void hn_chan_drain_for_tx(struct hn_txq *txq);
/* Send completions left by free callbacks, if nobody owns the channel. */
void hn_chan_acks_kick(struct hn_chan *ch);

/*
 * Queue a receive completion (the channel's owner only); sent when the
 * drain ends. More outstanding packets than receive slots: the host broke
 * the rules, and the completion is counted as bad, not queued.
 */
static inline void
hn_chan_ack_rx(struct hn_chan *ch, uint64_t xid, uint32_t status)
{
	struct hn_ack_pkt *a;
	uint32_t at;

	if (unlikely(ch->acks == NULL || ch->ack_count == ch->ack_cap)) {
		ch->bad_packets++;
		return;
	}
	/* head < cap and count < cap: one subtraction wraps it, no division */
	at = ch->ack_head + ch->ack_count;
	if (at >= ch->ack_cap)
		at -= ch->ack_cap;
	a = &ch->acks[at];
	a->desc = (struct hv_pkt_desc){
		.type = HV_PKT_COMPLETION,
		.offset8 = sizeof(struct hv_pkt_desc) / 8,
		.len8 = sizeof(struct hn_ack_pkt) / 8,
		.trans_id = xid,
	};
	a->msg = hn_nvsp_build_rndis_pkt_complete(status);
	ch->ack_count++;
	ch->ack_new++;
}

/* Nothing to read and no completion waiting to go out: the common poll of
 * an idle queue ends here, without taking the channel. */
static inline bool
hn_chan_idle(const struct hn_chan *ch)
{
	const struct hv_ring *r = ch->rx_ring;

	if (unlikely(r == NULL))
		return true;	/* no channel: hn_chan_drain() would do nothing */
	return ch->ack_count == 0 && ch->inband_n == 0 && hv_ring_idle(r) &&
	       (ch->ext_acks == NULL || rte_ring_empty(ch->ext_acks));
}

/*
 * Warm a frame's message (its range at `range`, in the ring) before it is
 * read: the host wrote it on the other CPU, so each line is a miss. A hint
 * only: what is read here is bounded, never trusted.
 */
#define HN_RX_PREFETCH_MAX	1600u	/* RNDIS header, PPIs, a 1514 B frame */

static inline void
hn_rx_prefetch_msg(const struct hn_dev *hn, const uint8_t *range)
{
	struct hv_xfer_range r;
	uint32_t len, off;

	memcpy(&r, range, sizeof(r));
	if ((uint64_t)r.byte_offset + r.byte_count > hn->rxbuf_len)
		return;
	/* the whole message, up to a standard frame: its misses then overlap
	 * with the work on the frame before */
	len = RTE_MIN(r.byte_count, HN_RX_PREFETCH_MAX);
	for (off = 0; off < len; off += RTE_CACHE_LINE_SIZE)
		rte_prefetch0(hn->rxbuf + r.byte_offset + off);
}

/* ---- sinks: what the drain hands up ------------------------------------- */

/* 0x7 transfer pages: RNDIS messages in the receive buffer (hn_rx.c);
 * queues exactly one receive completion for the packet. Returns the work
 * it was (ranges parsed, at least 1), which the drain budget counts. */
unsigned int hn_rx_xfer(struct hn_dev *hn, struct hn_chan *ch, struct hn_sink *sink,
		const struct hv_ring_pkt *pkt);
/* 0xB completion of a data send, and the end of a drain (hn_tx.c). */
void hn_tx_complete(struct hn_chan *ch, uint64_t xid, uint32_t status);
void hn_tx_complete_flush(struct hn_chan *ch);
/* 0x6 in-band NVSP notification from the host (hn_nvsp.c). */
int hn_nvsp_inband(struct hn_dev *hn, const uint8_t *msg, uint32_t len);
/* 0xB completion of a control message: hn_ctl_deliver_completion (hn_ctl.h). */

#endif /* HN_CHAN_H */
