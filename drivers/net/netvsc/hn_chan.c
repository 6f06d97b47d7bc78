/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A channel's inbound side (protocol doc §B, §F): every VMBus packet the
 * host sends is read here, in place in the ring, and handed to the layer
 * it is for:
 *   0x7 transfer pages  RNDIS messages in the receive buffer (hn_rx.c);
 *                       one completion goes back per packet, always;
 *   0xB completion      NVSP answers to the control path (hn_ctl.c), and
 *                       send completions that free TX descriptors (hn_tx.c);
 *   0x6 in-band         host notifications (hn_nvsp.c).
 *
 * One thread drains a channel at a time (hn_chan.owner). Frames go
 * straight into the caller's burst array; when the drainer is not that
 * queue's receiver (TX wanting completions, the control thread waiting
 * for an answer) they are parked in the queue's staging ring.
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "hn_chan.h"
#include "hn_ctl.h"
#include "hn_nvsp_msg.h"

static inline bool
chan_try_own(struct hn_chan *ch)
{
	uint32_t expected = 0;

	return __atomic_compare_exchange_n(&ch->owner, &expected, 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void
chan_release(struct hn_chan *ch)
{
	__atomic_store_n(&ch->owner, 0, __ATOMIC_RELEASE);
}

/* ---- receive completions ------------------------------------------------ */

/*
 * Completions of attached frames (rx_extmbuf_enable) a free callback
 * leaves for the channel's next drain before it sends them itself: the
 * queue's polls send them (an idle poll sees them waiting) with the
 * drain's own, where a callback sending each one would take the channel
 * and publish the ring once per frame. The callbacks send once this many
 * wait, fewer on a small buffer: at most a quarter of the host's slots,
 * over all channels there can be, wait for a poll, so an application that
 * holds frames and then stops polling never starves the host. A queue
 * armed for its interrupt has them sent at once (hn_rx_ext_free).
 */
#define HN_EXT_ACKS_KICK	32u

static uint32_t
ext_kick_threshold(uint32_t rx_slots)
{
	return RTE_MAX(1u, RTE_MIN(HN_EXT_ACKS_KICK, rx_slots / (4u * HN_MAX_QUEUES)));
}

int
hn_chan_alloc_acks(struct hn_dev *hn, struct hn_chan *ch)
{
	/* at most one outstanding transfer packet per receive slot */
	ch->ack_cap = hn->rx_slots + 1;
	ch->acks = rte_zmalloc("hn_acks", sizeof(*ch->acks) * ch->ack_cap, 0);
	ch->ack_head = 0;
	ch->ack_count = 0;
	if (ch->acks == NULL)
		return -ENOMEM;
	if (hn->args.rx_extmbuf) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "hn_xa_p%u_c%u_%u", hn->port_id, ch->index,
			 hn->session);
		ch->ext_acks = rte_ring_create_elem(name, sizeof(struct hn_ack),
						    rte_align32pow2(ch->ack_cap + 1),
						    SOCKET_ID_ANY, RING_F_SC_DEQ);
		if (ch->ext_acks == NULL)
			return -ENOMEM;
		ch->ext_kick = ext_kick_threshold(hn->rx_slots);
	}
	return 0;
}

static void
chan_free_acks(struct hn_chan *ch)
{
	rte_free(ch->acks);
	ch->acks = NULL;
	rte_ring_free(ch->ext_acks);
	ch->ext_acks = NULL;
	ch->ack_cap = 0;
	ch->ack_count = 0;
}

void
hn_chan_reset(struct hn_chan *ch, uint16_t index)
{
	chan_free_acks(ch);
	memset(ch, 0, sizeof(*ch));
	ch->index = index;
}

void
hn_chan_bind(struct hn_dev *hn, struct hn_chan *ch, struct vmbus_channel *vc)
{
	ch->vc = vc;
	ch->rx_ring = vmbus_chan_rx_reader(vc);
	vmbus_chan_set_latency(vc, hn->args.latency_us);
}

/*
 * Receive completions are queued while a drain parses (hn_chan_ack_rx),
 * and sent together when it ends: one index update for all of them, and
 * the ring is held unpublished only while they are written, not while
 * frames are parsed and copied. Sent oldest first, as far as the ring has
 * room; what is left waits for the next drain.
 */
/* Completions written with one ring reservation (hv_ring_batch_add_n). */
#define HN_ACKS_PER_RUN	32u

static void
acks_consumed(struct hn_chan *ch, uint32_t n)
{
	/* head < cap and n <= count <= cap: one subtraction, no division */
	ch->ack_head += n;
	if (ch->ack_head >= ch->ack_cap)
		ch->ack_head -= ch->ack_cap;
	ch->ack_count -= n;
}

/*
 * The queue holds completions as they go on the ring, so a run of them is
 * one copy: the oldest ones up to the queue's wrap, HN_ACKS_PER_RUN at a
 * time. A run the ring has no room for is retried one completion at a
 * time, as far as the ring has room.
 */
static void
acks_flush(struct hn_chan *ch, bool *sig)
{
	struct vmbus_send_batch b;
	uint32_t run = HN_ACKS_PER_RUN;

	if (ch->ack_count == 0)
		return;
	vmbus_chan_batch_begin(ch->vc, &b);
	while (ch->ack_count > 0) {
		uint32_t n = RTE_MIN(RTE_MIN(ch->ack_count, ch->ack_cap - ch->ack_head), run);

		if (vmbus_chan_batch_send_n(&b, &ch->acks[ch->ack_head], sizeof(struct hn_ack_pkt),
					    n, sig) < 0) {
			if (n == 1)
				break;
			run = 1;
			continue;
		}
		acks_consumed(ch, n);
	}
	vmbus_chan_batch_end(&b, sig);
	/* each completion is counted once, when it first finds no room */
	ch->acks_deferred += RTE_MIN(ch->ack_count, ch->ack_new);
	ch->ack_new = 0;
}

/* Completions of attached frames, left by free callbacks (any thread). */
static void
ext_acks_collect(struct hn_chan *ch)
{
	struct hn_ack a[HN_ACKS_PER_RUN];
	unsigned int n, i;

	if (ch->ext_acks == NULL)
		return;
	do {
		n = rte_ring_sc_dequeue_burst_elem(ch->ext_acks, a, sizeof(a[0]), RTE_DIM(a),
						   NULL);
		for (i = 0; i < n; i++)
			hn_chan_ack_rx(ch, a[i].xid, a[i].status);
	} while (n == RTE_DIM(a));
}

/* In-band completions waiting, oldest first, while the ring takes them. */
static void
inband_acks_flush(struct hn_chan *ch, bool *sig)
{
	uint32_t i = 0;
	int ret;

	while (i < ch->inband_n) {
		ret = vmbus_chan_send(ch->vc, HV_PKT_COMPLETION, NULL, 0, ch->inband_xids[i], 0,
				      sig);
		if (ret == -EAGAIN)
			break;		/* no room: the next drain */
		if (ret < 0)		/* a broken ring never takes it */
			__atomic_fetch_add(&ch->ext_acks_lost, 1, __ATOMIC_RELAXED);
		i++;
	}
	ch->inband_n -= i;
	memmove(ch->inband_xids, ch->inband_xids + i, ch->inband_n * sizeof(ch->inband_xids[0]));
}

/* The owner is done: completions out, then the channel is free again. */
static void
acks_end_release(struct hn_chan *ch, bool sig)
{
	ext_acks_collect(ch);
	if (unlikely(ch->inband_n > 0))
		inband_acks_flush(ch, &sig);
	acks_flush(ch, &sig);
	if (sig)
		vmbus_chan_signal(ch->vc);
	chan_release(ch);
}

/*
 * Completions left in ext_acks are sent by whoever owns the channel next.
 * A callback that finds it owned leaves its completion to the owner; the
 * owner looks again after letting go (the fence pairs with the callback's
 * compare-and-swap), so none is left behind.
 */
void
hn_chan_acks_kick(struct hn_chan *ch)
{
	while (!rte_ring_empty(ch->ext_acks) && chan_try_own(ch)) {
		acks_end_release(ch, false);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
}

/* ---- dispatch ------------------------------------------------------------ */

/* A completion: an NVSP answer for the control path, or a send done. */
static void
chan_completion(struct hn_dev *hn, struct hn_chan *ch, const struct hv_ring_pkt *pkt)
{
	uint32_t hlen = pkt->desc.offset8 * 8u;
	uint32_t plen = pkt->len - hlen;
	const uint8_t *payload = (const uint8_t *)pkt->data + hlen;
	uint64_t xid = pkt->desc.trans_id;
	struct hv_nvsp_rndis_pkt_complete c = { .type = 0 };

	if (xid & HN_XID_CTL) {
		if (ch->index == 0)
			hn_ctl_deliver_completion(&hn->ctl, xid, payload, plen);
		else
			ch->bad_completions++;	/* control goes on the primary only */
		return;
	}
	if (plen >= sizeof(c))
		memcpy(&c, payload, sizeof(c));
	if (c.type != HV_NVSP_MSG_RNDIS_PKT_COMPLETE) {
		ch->bad_completions++;
		return;
	}
	hn_tx_complete(ch, xid, c.status);
}

/*
 * The host asked for a completion of its message: its own SWITCH_DATAPATH
 * and VF_ASSOCIATION during a VF removal come so (§G.5), and a host may
 * wait for it. An empty one, sent at once; when the ring has no room, by
 * the next drains (inband_acks_flush), in order. Lost (counted) only past
 * HN_INBAND_ACKS_MAX waiting, or on a ring the host broke.
 */
static void
chan_complete_inband(struct hn_chan *ch, uint64_t xid)
{
	bool sig = false;

	if (ch->inband_n < HN_INBAND_ACKS_MAX) {
		ch->inband_xids[ch->inband_n++] = xid;
		inband_acks_flush(ch, &sig);
		if (sig)
			vmbus_chan_signal(ch->vc);
	} else {
		__atomic_fetch_add(&ch->ext_acks_lost, 1, __ATOMIC_RELAXED);
	}
}

static void
chan_inband(struct hn_dev *hn, struct hn_chan *ch, const struct hv_ring_pkt *pkt)
{
	uint32_t hlen = pkt->desc.offset8 * 8u;

	if (pkt->len - hlen < sizeof(uint32_t))
		ch->bad_packets++;
	/* a notification of no known type, or too short for its type */
	else if (hn_nvsp_inband(hn, (const uint8_t *)pkt->data + hlen, pkt->len - hlen) < 0)
		ch->bad_packets++;
	if (pkt->desc.flags & HV_PKT_FLAG_COMPLETION_REQUESTED)
		chan_complete_inband(ch, pkt->desc.trans_id);
}

/* Returns the work the packet was: 1, or the ranges of a transfer packet. */
static inline unsigned int
chan_dispatch(struct hn_dev *hn, struct hn_chan *ch, struct hn_sink *sink,
	      const struct hv_ring_pkt *pkt)
{
	switch (pkt->desc.type) {
	case HV_PKT_DATA_XFER_PAGES:
		return hn_rx_xfer(hn, ch, sink, pkt);
	case HV_PKT_COMPLETION:
		chan_completion(hn, ch, pkt);
		break;
	case HV_PKT_DATA_INBAND:
		chan_inband(hn, ch, pkt);
		break;
	default:
		ch->bad_packets++;
		break;
	}
	return 1;
}

/*
 * Warm the next packet's message while this one is parsed: the host wrote
 * both on the other CPU, so each line is a miss, and the frame's lines are
 * only known once the next descriptor is read. A hint only: what is read
 * here is bounded, never trusted.
 */
static inline void
chan_prefetch_next(const struct hn_dev *hn, const struct hn_chan *ch,
		   const struct hv_ring_pkt *pkt)
{
	const uint8_t *next = hv_ring_next_hint(ch->rx_ring, pkt->len,
						sizeof(struct hv_xfer_page_hdr) +
						sizeof(struct hv_xfer_range));
	struct hv_xfer_page_hdr xh;

	if (next == NULL)
		return;
	memcpy(&xh, next, sizeof(xh));
	if (xh.desc.type != HV_PKT_DATA_XFER_PAGES)
		return;
	rte_prefetch0(next + (uint32_t)xh.desc.len8 * 8u + HV_RING_TRAILER_SIZE);
	hn_rx_prefetch_msg(hn, next + sizeof(xh));
}

/* ---- the drain ------------------------------------------------------------ */

/*
 * A descriptor the ring refused must not block the channel: what is
 * behind it (frames, send completions, control answers) would never be
 * read. -EBADMSG (data offset outside the packet) and -ENOBUFS (wraps and
 * is larger than the scratch area): the ring checked its length against
 * what the host published, so that packet alone is skipped, and a
 * transfer packet is completed as failed so its receive slots go back.
 * -EIO: the length itself is unusable, and where the next packet starts
 * is unknown, so everything published so far is skipped (the host
 * publishes whole packets: its write index is a boundary); what it holds
 * gets no completion. Each skip is counted once. False when nothing could
 * be skipped (the write index itself is corrupt): the drain stops there.
 */
static bool
chan_skip_bad(struct hn_chan *ch, const struct hv_ring_pkt *pkt, int err)
{
	if (err == -EBADMSG || err == -ENOBUFS) {
		vmbus_chan_consume(ch->vc, pkt->len);
		if (pkt->desc.type == HV_PKT_DATA_XFER_PAGES)
			hn_chan_ack_rx(ch, pkt->desc.trans_id, HV_NVSP_STATUS_FAILED);
	} else if (vmbus_chan_skip_pending(ch->vc) == 0) {
		ch->bad_packets++;
		return false;
	}
	ch->bad_descriptors++;
	return true;
}

/* A transfer packet's range count: a hint, read before hn_rx_xfer()
 * checks the packet. A lie only makes a drain stop early, and the next
 * poll, with staging empty, takes the packet whatever it says. */
static inline uint32_t
chan_xfer_ranges(const struct hv_ring_pkt *pkt)
{
	struct hv_xfer_page_hdr xh;

	if (pkt->desc.offset8 * 8u < sizeof(xh))
		return 0;
	memcpy(&xh, pkt->data, sizeof(xh));
	return xh.range_cnt;
}

/*
 * Does this transfer packet wait for a later drain, rather than have
 * frames dropped because the staging ring cannot hold them?
 * - TX's drain that must not drop (keep_frames): unless staging has room
 *   for every frame of the packet, and at least the headroom.
 * - An RX poll (sink): it finds staging empty (it went into the burst
 *   first) unless a TX drain parked frames since. Then a packet whose
 *   frames fit neither the burst nor what staging has left waits for the
 *   next poll, which takes the parked ones first (they are older). With
 *   staging empty it is taken whatever it holds: waiting makes no room.
 */
static inline bool
chan_xfer_waits(const struct hn_chan *ch, const struct hn_sink *sink,
		const struct hv_ring_pkt *pkt, bool keep_frames)
{
	const struct rte_ring *staging;
	uint32_t frames, room;

	if (ch->rxq == NULL)
		return false;
	staging = ch->rxq->staging;
	if (keep_frames)
		return rte_ring_free_count(staging) <
		       RTE_MAX(chan_xfer_ranges(pkt), HN_STAGING_HEADROOM);
	if (sink == NULL)
		return false;
	frames = chan_xfer_ranges(pkt);
	room = sink->max - sink->n;
	if (likely(frames <= room) || rte_ring_empty(staging))
		return false;
	return rte_ring_free_count(staging) < frames - room;
}

/*
 * Drain channel ch: at most `budget` work (packets, or the frames of a
 * transfer packet: a packet of many ranges costs as many), stopping early once the
 * burst array (pkts, max) is full, or before a transfer packet whose frames
 * the staging ring might not hold (chan_xfer_waits()). Returns the frames
 * put in pkts. Does nothing if another thread is draining the channel now.
 */
static uint16_t
chan_drain(struct hn_dev *hn, struct hn_chan *ch, struct rte_mbuf **pkts, uint16_t max,
	   unsigned int budget, bool keep_frames)
{
	struct hn_sink sink = { .pkts = pkts, .n = 0, .max = max };
	struct hv_ring_pkt pkt;
	unsigned int done = 0;

	if (ch->vc == NULL || !chan_try_own(ch))
		return 0;
	while (done < budget && (pkts == NULL || sink.n < max)) {
		/* the common packet inline; a wrapped or bad one through the
		 * bus, which copies it to its scratch area or counts it */
		int ret = hv_ring_peek_inline(ch->rx_ring, &pkt);

		if (unlikely(ret < 0))
			ret = vmbus_chan_peek(ch->vc, &pkt);

		if (unlikely(ret < 0)) {
			if (!chan_skip_bad(ch, &pkt, ret))
				break;
			done++;
			continue;
		}
		if (ret == 0)
			break;
		if (pkt.desc.type == HV_PKT_DATA_XFER_PAGES) {
			if (chan_xfer_waits(ch, pkts == NULL ? NULL : &sink, &pkt, keep_frames))
				break;
			/* a frame's message is what misses; a send completion
			 * is a few bytes of the ring, which the hardware streams in */
			chan_prefetch_next(hn, ch, &pkt);
		}
		done += chan_dispatch(hn, ch, pkts == NULL ? NULL : &sink, &pkt);
		hv_ring_consume_inline(ch->rx_ring, pkt.len);
	}
	if (done > 0) {
		vmbus_chan_rx_commit(ch->vc);
		hn_tx_complete_flush(ch);	/* completed sends, in bulk */
	}
	acks_end_release(ch, false);
	if (ch->ext_acks != NULL) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		hn_chan_acks_kick(ch);
	}
	return sink.n;
}

uint16_t
hn_chan_drain(struct hn_dev *hn, struct hn_chan *ch, struct rte_mbuf **pkts, uint16_t max,
	      unsigned int budget)
{
	return chan_drain(hn, ch, pkts, max, budget, false);
}

/*
 * TX needs send completions; they may sit behind frames. While the queue's
 * receiver keeps polling, the frames met on the way are parked for it only
 * as far as the staging ring has room: past that, the drain stops rather
 * than drop them, and the receiver's next poll takes the rest, completions
 * included (TX meanwhile sends less). A receiver that has not polled since
 * TX's last drain may never come back: then frames are dropped when the
 * staging ring is full, so that completions keep flowing.
 */
void
hn_chan_drain_for_tx(struct hn_txq *txq)
{
	struct hn_rxq *rxq = txq->ch->rxq;
	bool keep = false;

	if (rxq != NULL) {
		uint64_t polls = __atomic_load_n(&rxq->polls, __ATOMIC_RELAXED);

		keep = polls != txq->rx_polls_seen;
		txq->rx_polls_seen = polls;
	}
	chan_drain(txq->hn, txq->ch, NULL, 0, HN_RX_BURST_BUDGET, keep);
}
