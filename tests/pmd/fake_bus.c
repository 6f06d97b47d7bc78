/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The bus functions hn_chan.c, hn_rx.c, hn_tx.c and hn_ctl.c call, over
 * hv_ring.c on memory of this process: what the real bus does around the
 * rings (uio, monitor pages, sysfs) has no part in what these tests check.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "fake_bus.h"

struct vmbus_channel *
fake_chan_create(size_t ring_bytes)
{
	struct vmbus_channel *vc = calloc(1, sizeof(*vc));
	uint8_t *mem = aligned_alloc(4096, 2 * ring_bytes);

	if (vc == NULL || mem == NULL)
		abort();
	memset(mem, 0, 2 * ring_bytes);
	vc->mem = mem;
	if (hv_ring_attach(&vc->tx, mem, ring_bytes) < 0 ||
	    hv_ring_attach(&vc->rx, mem + ring_bytes, ring_bytes) < 0)
		abort();
	hv_ring_init_header(&vc->tx, 1);
	hv_ring_init_header(&vc->rx, 1);
	/* each side attaches to what the other created */
	if (hv_ring_attach(&vc->host_tx, mem, ring_bytes) < 0 ||
	    hv_ring_attach(&vc->host_rx, mem + ring_bytes, ring_bytes) < 0 ||
	    hv_ring_attach(&vc->tx, mem, ring_bytes) < 0 ||
	    hv_ring_attach(&vc->rx, mem + ring_bytes, ring_bytes) < 0)
		abort();
	return vc;
}

void
fake_chan_destroy(struct vmbus_channel *vc)
{
	free(vc->mem);
	free(vc);
}

int
fake_host_write(struct vmbus_channel *vc, const void *pkt, uint32_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)pkt, .iov_len = len };
	bool sig = false;

	return hv_ring_write(&vc->host_rx, &iov, 1, &sig);
}

uint32_t
fake_host_read(struct vmbus_channel *vc, void *buf, uint32_t max)
{
	uint8_t scratch[4096];
	struct hv_ring_pkt pkt;
	bool sig = false;
	uint32_t len;

	if (hv_ring_peek(&vc->host_tx, &pkt, scratch, sizeof(scratch)) <= 0)
		return 0;
	len = pkt.len;
	memcpy(buf, pkt.data, len < max ? len : max);
	hv_ring_consume(&vc->host_tx, pkt.len);
	hv_ring_read_commit(&vc->host_tx, &sig);
	return len;
}

/* ---- the bus API the PMD files call -------------------------------------- */

/* A send the test has made fail: true when the caller must return -EAGAIN. */
static bool
send_refused(struct vmbus_channel *chan, uint64_t xid)
{
	if (chan->fail_sends == 0)
		return false;
	if (chan->pass_sends > 0) {
		chan->pass_sends--;
		return false;
	}
	chan->fail_sends--;
	if (chan->on_failed_send != NULL)
		chan->on_failed_send(chan, xid);
	return true;
}

const struct hv_ring *
vmbus_chan_rx_ring(const struct vmbus_channel *chan)
{
	return &chan->rx;
}

struct hv_ring *
vmbus_chan_rx_reader(struct vmbus_channel *chan)
{
	return &chan->rx;
}

void
vmbus_chan_set_latency(struct vmbus_channel *chan, uint32_t latency_us)
{
	(void)chan;
	(void)latency_us;
}

void
vmbus_chan_signal(struct vmbus_channel *chan)
{
	chan->signals++;
}

bool
vmbus_device_rescinded(const struct vmbus_device *dev)
{
	(void)dev;
	return false;
}

int
vmbus_chan_peek(struct vmbus_channel *chan, struct hv_ring_pkt *pkt)
{
	return hv_ring_peek(&chan->rx, pkt, chan->scratch, sizeof(chan->scratch));
}

void
vmbus_chan_consume(struct vmbus_channel *chan, uint32_t pkt_len)
{
	hv_ring_consume(&chan->rx, pkt_len);
}

uint32_t
vmbus_chan_skip_pending(struct vmbus_channel *chan)
{
	return hv_ring_skip_pending(&chan->rx);
}

void
vmbus_chan_rx_commit(struct vmbus_channel *chan)
{
	bool sig = false;

	hv_ring_read_commit(&chan->rx, &sig);
}

void
vmbus_chan_batch_begin(struct vmbus_channel *chan, struct vmbus_send_batch *b)
{
	b->chan = chan;
	hv_ring_batch_begin(&b->rb, &chan->tx);
}

int
vmbus_chan_batch_send(struct vmbus_send_batch *b, uint16_t type, const void *data,
		      uint32_t dlen, uint64_t xid, uint16_t flags, bool *need_sig)
{
	uint32_t pktlen = sizeof(struct hv_pkt_desc) + dlen;
	struct hv_pkt_desc desc = {
		.type = type,
		.offset8 = sizeof(desc) / 8,
		.len8 = (uint16_t)((pktlen + 7) / 8),
		.flags = flags,
		.trans_id = xid,
	};
	struct iovec iov[2] = {
		{ .iov_base = &desc, .iov_len = sizeof(desc) },
		{ .iov_base = (void *)(uintptr_t)data, .iov_len = dlen },
	};

	if (send_refused(b->chan, xid))
		return -EAGAIN;
	return hv_ring_batch_add(&b->rb, iov, dlen ? 2 : 1, need_sig);
}

int
vmbus_chan_batch_send_gpa(struct vmbus_send_batch *b, const struct hv_gpa_range *ranges,
			  uint32_t n, const void *data, uint32_t dlen, uint64_t xid,
			  bool *need_sig)
{
	uint32_t hdrlen = sizeof(struct hv_gpa_direct_hdr) + n * sizeof(*ranges);
	struct hv_gpa_direct_hdr hdr = {
		.desc = {
			.type = HV_PKT_DATA_GPA_DIRECT,
			.offset8 = (uint16_t)(hdrlen / 8),
			.len8 = (uint16_t)((hdrlen + dlen + 7) / 8),
			.flags = HV_PKT_FLAG_COMPLETION_REQUESTED,
			.trans_id = xid,
		},
		.range_count = n,
	};
	struct iovec iov[3] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)(uintptr_t)ranges, .iov_len = n * sizeof(*ranges) },
		{ .iov_base = (void *)(uintptr_t)data, .iov_len = dlen },
	};

	if (send_refused(b->chan, xid))
		return -EAGAIN;
	return hv_ring_batch_add(&b->rb, iov, dlen ? 3 : 2, need_sig);
}

/* While the test makes sends fail, runs are refused without using up a
 * failure: the caller then sends one at a time, which the test counts. */
int
vmbus_chan_batch_send_n(struct vmbus_send_batch *b, const void *pkts, uint32_t pkt_len,
			uint32_t n, bool *need_sig)
{
	if (b->chan->fail_sends != 0)
		return -EAGAIN;
	return hv_ring_batch_add_n(&b->rb, pkts, pkt_len, n, need_sig);
}

int
vmbus_chan_batch_send_pkt(struct vmbus_send_batch *b, const void *pkt, uint32_t len,
			  bool *need_sig)
{
	struct hv_pkt_desc d;

	memcpy(&d, pkt, sizeof(d));
	if (send_refused(b->chan, d.trans_id))
		return -EAGAIN;
	return hv_ring_batch_add_n(&b->rb, pkt, len, 1, need_sig);
}

/* A run stops at the first packet the test refuses; those before it go. */
int
vmbus_chan_batch_send_staged(struct vmbus_send_batch *b, uint8_t *stage, const uint32_t *ends,
			     uint32_t n, bool *need_sig)
{
	uint32_t begin = 0, i;
	struct hv_pkt_desc d;

	for (i = 0; i < n; begin = ends[i++]) {
		memcpy(&d, stage + begin, sizeof(d));
		if (send_refused(b->chan, d.trans_id))
			break;
	}
	if (i == 0)
		return -EAGAIN;
	return hv_ring_batch_add_staged(&b->rb, stage, ends, i, need_sig);
}

int
vmbus_chan_batch_send_mpb(struct vmbus_send_batch *b, const uint64_t *words, uint32_t nwords,
			  uint32_t nranges, const void *data, uint32_t dlen, uint64_t xid,
			  bool *need_sig)
{
	uint32_t hdrlen = sizeof(struct hv_gpa_direct_hdr) + nwords * 8u;
	struct hv_gpa_direct_hdr hdr = {
		.desc = {
			.type = HV_PKT_DATA_GPA_DIRECT,
			.offset8 = (uint16_t)(hdrlen / 8),
			.len8 = (uint16_t)((hdrlen + dlen + 7) / 8),
			.flags = HV_PKT_FLAG_COMPLETION_REQUESTED,
			.trans_id = xid,
		},
		.range_count = nranges,
	};
	struct iovec iov[3] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)(uintptr_t)words, .iov_len = nwords * 8u },
		{ .iov_base = (void *)(uintptr_t)data, .iov_len = dlen },
	};

	if (nranges == 0 || nranges > HV_GPA_RANGES_MAX || nwords < 2 * nranges)
		return -EINVAL;
	if (send_refused(b->chan, xid))
		return -EAGAIN;
	return hv_ring_batch_add(&b->rb, iov, dlen ? 3 : 2, need_sig);
}

int
vmbus_chan_batch_end(struct vmbus_send_batch *b, bool *need_sig)
{
	struct vmbus_channel *vc = b->chan;

	if (vc->scribble_before_publish && b->rb.pending) {
		vc->scribble_before_publish = false;
		vc->tx.hdr->write_index = vc->tx.dsize + 8;
	}
	return hv_ring_batch_end(&b->rb, need_sig);
}
