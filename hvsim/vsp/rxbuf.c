/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The receive buffer (protocol doc §D): its slots, and the transfer-page
 * packets (NVSP RNDIS_PKT) that carry RNDIS messages to the guest through
 * them, one range per message. The guest completes each packet once.
 */

#include <assert.h>
#include <errno.h>
#include <string.h>

#include <rte_common.h>

#include "hv_nvsp_wire.h"
#include "hv_rndis_wire.h"
#include "vsp/vsp.h"

/* First fit of n consecutive free slots, starting at the hint. */
static int64_t
slots_alloc(struct hvsim_nic *nic, uint32_t n)
{
	uint32_t tries, start = nic->slot_hint, run = 0, i;

	for (tries = 0; tries < nic->slot_count + n; tries++) {
		i = (start + tries) % nic->slot_count;
		if (i == 0)
			run = 0;	/* a run never wraps the buffer */
		run = nic->slot_busy[i] ? 0 : run + 1;
		if (run == n) {
			uint32_t first = i + 1 - n;

			memset(nic->slot_busy + first, 1, n);
			nic->slot_run[first] = n;
			nic->slot_hint = (i + 1) % nic->slot_count;
			return first;
		}
	}
	return -1;
}

int
vsp_rxbuf_complete(struct hvsim_nic *nic, uint64_t xid)
{
	uint32_t n;

	if (xid >= nic->slot_count || nic->slot_run[xid] == 0)
		return -ENOENT;
	n = nic->slot_run[xid];
	memset(nic->slot_busy + xid, 0, n);
	nic->slot_run[xid] = 0;
	if (nic->corrupt.slot_tainted_ns != NULL)
		nic->corrupt.slot_tainted_ns[xid] = 0;
	return 0;
}

/* Ranges of one transfer-page packet hvsim sends at most: a coalesced
 * packet's fragments, one more than the protocol allows for rsc-fault. */
#define XFER_RANGES_MAX	(HV_RNDIS_RSC_FRAGS_MAX + 1)

static_assert(HVSIM_RX_BATCH_MAX <= XFER_RANGES_MAX, "a batch is a transfer-page packet");

struct xfer_pkt {
	struct hv_xfer_page_hdr hdr;
	struct hv_xfer_range range[XFER_RANGES_MAX];
	uint8_t nvsp[HV_NVSP_MSG_SIZE];
	uint8_t spare[64];	/* a hostile host may grow it (corrupt.c) */
} __attribute__((packed));

/* Bytes of a transfer-page packet of n ranges. */
static uint32_t
xfer_pkt_len(uint32_t n)
{
	return (uint32_t)sizeof(struct hv_xfer_page_hdr) + n * (uint32_t)sizeof(struct hv_xfer_range) +
	       HV_NVSP_MSG_SIZE;
}

/*
 * Send the transfer-page packet whose n ranges (pkt->range) lie in the
 * slots from `first`, the packet's transaction id; the hostile host sees
 * it and the first message (msg) before it goes. On failure the slots are
 * free again.
 */
static int
xfer_send(struct hvsim_nic *nic, struct hvsim_chan *c, struct xfer_pkt *pkt, uint32_t n,
	  uint32_t first, uint8_t *msg)
{
	struct hv_nvsp_rndis_pkt rp = {
		.type = HV_NVSP_MSG_RNDIS_PKT,
		.chan_type = HV_NVSP_CHAN_DATA,
		.chim_idx = HV_NVSP_CHIM_IDX_INVALID,
	};
	struct iovec iov = { .iov_base = pkt, .iov_len = xfer_pkt_len(n) };
	uint32_t len;
	int ret;

	/* only what is sent is cleared: the ranges are the caller's */
	memset(&pkt->hdr, 0, sizeof(pkt->hdr));
	memset(&pkt->range[n], 0, HV_NVSP_MSG_SIZE);
	memcpy(&pkt->range[n], &rp, sizeof(rp));	/* the NVSP message follows the ranges */
	pkt->hdr.desc.type = HV_PKT_DATA_XFER_PAGES;
	pkt->hdr.desc.offset8 = (uint16_t)((sizeof(pkt->hdr) + n * sizeof(pkt->range[0])) / 8);
	pkt->hdr.desc.len8 = (uint16_t)(iov.iov_len / 8);
	pkt->hdr.desc.flags = HV_PKT_FLAG_COMPLETION_REQUESTED;
	/* small and unique among outstanding packets: DPDK indexes by it */
	pkt->hdr.desc.trans_id = (uint64_t)first;
	pkt->hdr.xfer_pageset_id = HV_RXBUF_XFER_PAGESET_ID;
	pkt->hdr.range_cnt = n;
	len = (uint32_t)iov.iov_len;
	vsp_corrupt_xfer(nic, c, (uint8_t *)pkt, &len, sizeof(*pkt), msg, first);
	iov.iov_len = len;
	ret = hvsim_chan_send_raw(c, &iov, 1);
	if (ret < 0)
		vsp_rxbuf_complete(nic, (uint64_t)first);
	else
		nic->stats.rx_xfer_sent++;
	return ret;
}

int
vsp_rxbuf_send_ranges(struct hvsim_nic *nic, struct hvsim_chan *c,
			    const struct iovec *msgs, unsigned int n)
{
	uint32_t slot_size = nic->cfg.rx_slot_size, total = 0, pos = 0, nslots, i;
	struct xfer_pkt pkt;
	uint8_t *buf;
	int64_t first;
	int ret;

	for (i = 0; i < n; i++)
		total += RTE_ALIGN_CEIL((uint32_t)msgs[i].iov_len, 8u);
	if (nic->nvsp_state != HVSIM_NVSP_READY || n == 0 || n > XFER_RANGES_MAX || total == 0)
		return -ENOTCONN;
	nslots = (total + slot_size - 1) / slot_size;
	first = slots_alloc(nic, nslots);
	if (first < 0) {
		nic->stats.rx_dropped_no_slot++;
		return -ENOBUFS;
	}
	/* the messages back to back (8-byte aligned) in the packet's slots */
	buf = (uint8_t *)nic->region[HV_UIO_RECV_BUF] + first * slot_size;
	for (i = 0; i < n; i++) {
		memcpy(buf + pos, msgs[i].iov_base, msgs[i].iov_len);
		pkt.range[i].byte_count = (uint32_t)msgs[i].iov_len;
		pkt.range[i].byte_offset = (uint32_t)first * slot_size + pos;
		pos += RTE_ALIGN_CEIL((uint32_t)msgs[i].iov_len, 8u);
	}
	ret = xfer_send(nic, c, &pkt, n, (uint32_t)first, buf);
	if (ret < 0)
		nic->stats.rx_dropped_ring++;
	return ret;
}

/* ---- frames of one poll round, one packet per channel ---------------------- */

static struct hvsim_rx_batch *
batch_of(struct hvsim_nic *nic, struct hvsim_chan *c)
{
	return &nic->rx_batch[c->subchannel_id % HVSIM_MAX_CHANNELS];
}

/* The gathered frames go out as one packet (the channel's held_flush). */
static void
batch_flush(void *arg, struct hvsim_chan *c)
{
	struct hvsim_nic *nic = arg;
	struct hvsim_rx_batch *b = batch_of(nic, c);
	uint32_t n = b->n;
	struct xfer_pkt pkt;

	if (n == 0)
		return;
	b->n = 0;
	memcpy(pkt.range, b->range, n * sizeof(b->range[0]));
	if (xfer_send(nic, c, &pkt, n, b->first,
		      (uint8_t *)nic->region[HV_UIO_RECV_BUF] + b->range[0].byte_offset) < 0)
		nic->stats.rx_dropped_ring += n;	/* the room was checked: a broken ring */
}

/* The frame's slots, just allocated from `first`, extend the batch's run. */
static void
batch_append(struct hvsim_nic *nic, struct hvsim_chan *c, struct hvsim_rx_batch *b,
	     uint32_t first, uint32_t nslots, uint32_t len)
{
	if (b->n == 0) {
		b->first = first;
		b->slots = 0;
		c->held_flush = batch_flush;
		c->held_arg = nic;
	} else {
		nic->slot_run[first] = 0;	/* one packet: its id is the run's start */
	}
	b->slots += nslots;
	nic->slot_run[b->first] = b->slots;
	b->range[b->n].byte_count = len;
	b->range[b->n].byte_offset = first * nic->cfg.rx_slot_size;
	b->n++;
}

/* Gather frames while in a pass of the host loop, when asked to, and not
 * while corrupting (one message per packet is what corrupt.c tampers). */
static bool
batching(const struct hvsim_nic *nic, const struct hvsim_chan *c)
{
	return nic->cfg.rx_batch > 1 && c->in_pass && !nic->corrupt.active;
}

int
vsp_rxbuf_queue(struct hvsim_nic *nic, struct hvsim_chan *c, const void *msg, uint32_t len)
{
	struct hvsim_rx_batch *b = batch_of(nic, c);
	uint32_t slot_size = nic->cfg.rx_slot_size, nslots, max;
	int64_t first;

	if (!batching(nic, c) || nic->nvsp_state != HVSIM_NVSP_READY || len == 0)
		return vsp_rxbuf_send(nic, c, msg, len);
	max = RTE_MIN(nic->cfg.rx_batch, HVSIM_RX_BATCH_MAX);
	if (b->n > 0 && (b->n == max || !hvsim_chan_pass_room(c, xfer_pkt_len(b->n + 1))))
		hvsim_chan_release_held(c);
	if (b->n == 0 && !hvsim_chan_pass_room(c, xfer_pkt_len(1)))
		return vsp_rxbuf_send(nic, c, msg, len);	/* fails as a full ring does */
	nslots = (len + slot_size - 1) / slot_size;
	first = slots_alloc(nic, nslots);
	if (first < 0) {
		nic->stats.rx_dropped_no_slot++;
		return -ENOBUFS;
	}
	/* a packet's slots are one run: a frame that cannot extend it starts
	 * the next packet */
	if (b->n > 0 && (uint32_t)first != b->first + b->slots) {
		hvsim_chan_release_held(c);
		/* the room was checked for a longer packet, not for another */
		if (!hvsim_chan_pass_room(c, xfer_pkt_len(1))) {
			vsp_rxbuf_complete(nic, (uint64_t)first);
			return vsp_rxbuf_send(nic, c, msg, len);
		}
	}
	memcpy((uint8_t *)nic->region[HV_UIO_RECV_BUF] + first * slot_size, msg, len);
	batch_append(nic, c, b, (uint32_t)first, nslots, len);
	return 0;
}

void
vsp_rxbuf_flush(struct hvsim_nic *nic)
{
	unsigned int i;

	for (i = 0; i < HVSIM_MAX_CHANNELS; i++)
		if (nic->chan[i] != NULL && nic->rx_batch[i].n > 0)
			hvsim_chan_release_held(nic->chan[i]);
}

int
vsp_rxbuf_send(struct hvsim_nic *nic, struct hvsim_chan *c, const void *msg,
		     uint32_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)msg, .iov_len = len };

	if (len == 0)
		return -ENOTCONN;
	return vsp_rxbuf_send_ranges(nic, c, &iov, 1);
}

void
vsp_rxbuf_reset(struct hvsim_nic *nic)
{
	unsigned int i;

	memset(nic->slot_busy, 0, nic->slot_count);
	memset(nic->slot_run, 0, nic->slot_count * sizeof(*nic->slot_run));
	nic->slot_hint = 0;
	for (i = 0; i < HVSIM_MAX_CHANNELS; i++) {
		nic->rx_batch[i].n = 0;	/* its slots are free above */
		if (nic->chan[i] != NULL)
			nic->chan[i]->held_flush = NULL;
	}
	/* what was corrupted belonged to the session that ended */
	if (nic->corrupt.slot_tainted_ns != NULL)
		memset(nic->corrupt.slot_tainted_ns, 0, nic->slot_count * sizeof(uint64_t));
	nic->corrupt.session_tainted = false;
}
