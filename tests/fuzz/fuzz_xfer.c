/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Transfer-page packets and their ranges: the page-set id, the range
 * count the header claims, the ranges present (offsets and lengths into
 * the receive buffer), and the receive buffer they point at.
 * Input: u16 page-set id, u32 claimed range count, u8 ranges present,
 * u8 flags, ranges (u32 length, u32 offset), then the receive buffer.
 */

#include "fuzz_env.h"
#include "hn_chan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_dev *d = fuzz_dev_get();
	struct fuzz_in in = { .p = data, .left = size };
	uint8_t pkt[sizeof(struct hv_xfer_page_hdr) + 64 * sizeof(struct hv_xfer_range)];
	struct hv_xfer_page_hdr h;
	uint32_t n, len;
	uint8_t flags;

	fuzz_dev_reset(d);
	memset(&h, 0, sizeof(h));
	h.xfer_pageset_id = fuzz_u16(&in);
	h.range_cnt = fuzz_u32(&in);
	n = fuzz_u8(&in) % 65;
	flags = fuzz_u8(&in);
	len = (uint32_t)sizeof(h) + n * (uint32_t)sizeof(struct hv_xfer_range);
	h.desc.type = HV_PKT_DATA_XFER_PAGES;
	h.desc.offset8 = (uint16_t)(len / 8);
	h.desc.len8 = (uint16_t)((len + 7) / 8);
	h.desc.flags = HV_PKT_FLAG_COMPLETION_REQUESTED;
	h.desc.trans_id = 0x1000 + flags;
	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, &h, sizeof(h));
	fuzz_take(&in, pkt + sizeof(h), n * sizeof(struct hv_xfer_range));
	fuzz_take(&in, d->hn->rxbuf, in.left < FUZZ_RXBUF_BYTES ? in.left : FUZZ_RXBUF_BYTES);
	if (flags & 1)
		d->hn->nvsp_state = HN_NVSP_VERSIONED;	/* no receive buffer yet */
	fuzz_host_write(d, pkt, h.desc.len8 * 8u);
	/* the same packet again, drained for the control path (no sink) */
	if (flags & 2)
		fuzz_host_write(d, pkt, h.desc.len8 * 8u);
	if (flags & 2)
		hn_chan_drain(d->hn, d->ch, NULL, 0, HN_RX_BURST_BUDGET);
	fuzz_dev_drain_all(d);
	fuzz_dev_check_idle(d);
	return 0;
}
