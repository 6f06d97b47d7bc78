/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The receive buffer (protocol doc §D): its slots, and the transfer-page
 * packets (NVSP RNDIS_PKT) that carry RNDIS messages to the guest through
 * them, one range per message. The guest completes each packet once.
 */

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

int
vsp_rxbuf_send_ranges(struct hvsim_nic *nic, struct hvsim_chan *c,
			    const struct iovec *msgs, unsigned int n)
{
	uint32_t slot_size = nic->cfg.rx_slot_size, total = 0, pos = 0, nslots, i, len;
	struct {
		struct hv_xfer_page_hdr hdr;
		struct hv_xfer_range range[XFER_RANGES_MAX];
		uint8_t nvsp[HV_NVSP_MSG_SIZE];
		uint8_t spare[64];	/* a hostile host may grow it (corrupt.c) */
	} __attribute__((packed)) pkt;
	struct hv_nvsp_rndis_pkt rp = {
		.type = HV_NVSP_MSG_RNDIS_PKT,
		.chan_type = HV_NVSP_CHAN_DATA,
		.chim_idx = HV_NVSP_CHIM_IDX_INVALID,
	};
	struct iovec iov = { .iov_base = &pkt };
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
	/* only what is sent is cleared: the ranges are all written below */
	memset(&pkt.hdr, 0, sizeof(pkt.hdr));
	memset(&pkt.range[n], 0, HV_NVSP_MSG_SIZE);
	for (i = 0; i < n; i++) {
		memcpy(buf + pos, msgs[i].iov_base, msgs[i].iov_len);
		pkt.range[i].byte_count = (uint32_t)msgs[i].iov_len;
		pkt.range[i].byte_offset = (uint32_t)first * slot_size + pos;
		pos += RTE_ALIGN_CEIL((uint32_t)msgs[i].iov_len, 8u);
	}
	memcpy(&pkt.range[n], &rp, sizeof(rp));	/* the NVSP message follows the ranges */
	iov.iov_len = sizeof(pkt.hdr) + n * sizeof(pkt.range[0]) + HV_NVSP_MSG_SIZE;
	pkt.hdr.desc.type = HV_PKT_DATA_XFER_PAGES;
	pkt.hdr.desc.offset8 = (uint16_t)((sizeof(pkt.hdr) + n * sizeof(pkt.range[0])) / 8);
	pkt.hdr.desc.len8 = (uint16_t)(iov.iov_len / 8);
	pkt.hdr.desc.flags = HV_PKT_FLAG_COMPLETION_REQUESTED;
	/* small and unique among outstanding packets: DPDK indexes by it */
	pkt.hdr.desc.trans_id = (uint64_t)first;
	pkt.hdr.xfer_pageset_id = HV_RXBUF_XFER_PAGESET_ID;
	pkt.hdr.range_cnt = n;
	len = (uint32_t)iov.iov_len;
	vsp_corrupt_xfer(nic, c, (uint8_t *)&pkt, &len, sizeof(pkt), buf, (uint32_t)first);
	iov.iov_len = len;
	ret = hvsim_chan_send_raw(c, &iov, 1);
	if (ret < 0) {
		vsp_rxbuf_complete(nic, (uint64_t)first);
		nic->stats.rx_dropped_ring++;
	} else {
		nic->stats.rx_xfer_sent++;
	}
	return ret;
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
	memset(nic->slot_busy, 0, nic->slot_count);
	memset(nic->slot_run, 0, nic->slot_count * sizeof(*nic->slot_run));
	nic->slot_hint = 0;
	/* what was corrupted belonged to the session that ended */
	if (nic->corrupt.slot_tainted_ns != NULL)
		memset(nic->corrupt.slot_tainted_ns, 0, nic->slot_count * sizeof(uint64_t));
	nic->corrupt.session_tainted = false;
}
