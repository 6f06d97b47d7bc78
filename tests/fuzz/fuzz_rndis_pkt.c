/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RNDIS messages in the receive buffer: PACKET_MSG with its lengths,
 * offsets and PPIs (checksum, VLAN, hash, fragment id), and the control
 * completions and status indications that arrive the same way. The
 * input is the receive buffer; one transfer packet gives the host's
 * ranges over it. The control mailbox is armed or not, as the first
 * byte says, so that completions reach it too; frames are copied or
 * attached in place (rx_extmbuf_enable) with a small or the default
 * copybreak, over pages that are physically adjacent or not (the first
 * range length's high byte says which: attached frames across a gap are
 * chained with scatter on, else copied).
 * Input: u8 mode, u8 ranges (1..8), u16 range lengths, then the buffer.
 */

#include "fuzz_env.h"
#include "hn_chan.h"
#include "hn_ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t armed_types[] = {
		HV_RNDIS_INITIALIZE_CMPLT, HV_RNDIS_QUERY_CMPLT, HV_RNDIS_SET_CMPLT,
		HV_RNDIS_KEEPALIVE_CMPLT,
	};
	struct fuzz_dev *d = fuzz_dev_get();
	struct fuzz_in in = { .p = data, .left = size };
	struct hv_xfer_range r[8];
	uint32_t i, n, off = 0, buf_len;
	uint8_t mode;

	fuzz_dev_reset(d);
	mode = fuzz_u8(&in);
	n = fuzz_u8(&in) % 8 + 1;
	for (i = 0; i < n; i++)
		r[i].byte_count = fuzz_u16(&in);
	buf_len = in.left < FUZZ_RXBUF_BYTES ? (uint32_t)in.left : FUZZ_RXBUF_BYTES;
	fuzz_take(&in, d->hn->rxbuf, buf_len);
	/* the ranges follow each other through the buffer, as the host lays
	 * messages out; a range may still run past what the input filled */
	for (i = 0; i < n; i++) {
		r[i].byte_offset = off;
		off += r[i].byte_count;
		if (off > FUZZ_RXBUF_BYTES)
			off = 0;
	}
	d->rxq->vlan_strip = mode & 0x10;
	d->rxq->scatter = !(mode & 0x20);
	if (mode & 0x04) {	/* attached in place, copybreak small or default */
		fuzz_dev_set_extmbuf(d, true, mode & 0x08 ? 14 : 256);
		fuzz_dev_set_page_gaps(d, (uint8_t)(r[0].byte_count >> 8));
	}
	if (mode & 0x40)
		hn_ctl_arm(d->hn, HN_CTL_RNDIS, 1, armed_types[mode & 3]);
	fuzz_host_xfer(d, 7, HV_RXBUF_XFER_PAGESET_ID, r, n);
	if (mode & 0x80)
		hn_chan_drain(d->hn, d->ch, NULL, 0, HN_RX_BURST_BUDGET);
	fuzz_dev_drain_all(d);
	fuzz_dev_check_idle(d);
	d->rxq->vlan_strip = true;
	d->rxq->scatter = true;
	fuzz_dev_set_page_gaps(d, 0);
	return 0;
}
