/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The whole drain (hn_chan_drain) over a ring and a receive buffer the
 * host filled with anything: the input is the inbound ring's data area,
 * its write and read indices, and the receive buffer. Every packet type,
 * every malformed descriptor, wrap-around and hostile index meets the
 * drain as a data-path lcore and as the control path (frames staged)
 * would drain it.
 * Input: u32 write index, u32 read index, u8 mode, u16 ring bytes, ring
 * bytes, then the receive buffer.
 */

#include "fuzz_env.h"
#include "hn_chan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_dev *d = fuzz_dev_get();
	struct fuzz_in in = { .p = data, .left = size };
	const uint32_t dsize = FUZZ_RING_BYTES - 4096;
	struct hv_ring_header *h = d->vc->rx.hdr;
	struct hv_ring *views[2] = { &d->vc->rx, &d->vc->host_rx };
	uint32_t windex, rindex, len, i;
	uint8_t mode;

	fuzz_dev_reset(d);
	windex = fuzz_u32(&in);
	rindex = fuzz_u32(&in);
	mode = fuzz_u8(&in);
	len = fuzz_u16(&in);
	if (len > dsize)
		len = dsize;
	/* the ring as the host left it: bytes from rindex on, indices as
	 * given (mostly sane: the fuzzer reaches the packets more often) */
	if (!(mode & 1)) {
		rindex %= dsize;
		rindex &= ~7u;
		windex = (rindex + (len & ~7u)) % dsize;
	}
	for (i = 0; i < len && in.left > 0; i++)
		views[0]->data[(rindex % dsize + i) % dsize] = fuzz_u8(&in);
	fuzz_take(&in, d->hn->rxbuf, in.left < FUZZ_RXBUF_BYTES ? in.left : FUZZ_RXBUF_BYTES);
	h->write_index = windex;
	h->read_index = rindex;
	h->pending_send_sz = mode & 2 ? 64 : 0;
	for (i = 0; i < 2; i++)
		if (hv_ring_attach(views[i], h, FUZZ_RING_BYTES) < 0)
			goto out;
	if (mode & 4)
		d->hn->nvsp_state = HN_NVSP_VERSIONED;
	if (mode & 0x10)
		fuzz_dev_set_extmbuf(d, true, mode & 0x20 ? 14 : 256);
	if (mode & 8)
		hn_chan_drain(d->hn, d->ch, NULL, 0, HN_RX_BURST_BUDGET);
	fuzz_dev_drain_all(d);
out:
	fuzz_dev_check_idle(d);
	return 0;
}
