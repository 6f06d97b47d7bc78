/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Host side of a VMBus channel. See chan.h.
 */

#include <errno.h>
#include <string.h>

#include "guestos/irq.h"
#include "vmbus/chan.h"

int
hvsim_chan_attach(struct hvsim_chan *c, void *mem, size_t size, uint32_t relid,
		  uint16_t subchannel_id, int32_t monitor_id)
{
	size_t half = size / 2;

	memset(c, 0, offsetof(struct hvsim_chan, backlog));
	c->irq_fd = -1;
	c->relid = relid;
	c->subchannel_id = subchannel_id;
	c->monitor_id = monitor_id;
	c->ring_mem = mem;
	c->ring_size = size;
	if (hv_ring_attach(&c->g2h, mem, half) < 0 ||
	    hv_ring_attach(&c->h2g, (uint8_t *)mem + half, half) < 0)
		return -EINVAL;
	hv_ring_init_header(&c->g2h, HV_RING_FEAT_PENDING_SEND_SZ);
	hv_ring_init_header(&c->h2g, HV_RING_FEAT_PENDING_SEND_SZ);
	/* uio_hv_generic masks the guest's inbound interrupts at open */
	c->h2g.hdr->interrupt_mask = 1;
	return 0;
}

/*
 * The guest kernel's side of a signal, as uio_hv_generic handles it: the
 * channel's inbound interrupts masked again (the guest unmasks to be told
 * once more), then the device's event count up by one for the uio fd.
 */
void
hvsim_chan_signal_guest(struct hvsim_chan *c)
{
	c->stats.host_signals++;
	__atomic_store_n(&c->h2g.hdr->interrupt_mask, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (c->irq_fd >= 0)
		hvsim_irq_send(c->irq_fd, c->irq_events != NULL ? ++*c->irq_events :
				(uint32_t)c->stats.host_signals);
}

void
hvsim_chan_pass_begin(struct hvsim_chan *c)
{
	if (c->hooks != NULL && c->hooks->pass_begin != NULL)
		c->hooks->pass_begin(c->hooks->arg, c);
	hv_ring_batch_begin(&c->out, &c->h2g);
	c->pass_sig = false;
	c->in_pass = true;
}

void
hvsim_chan_release_held(struct hvsim_chan *c)
{
	void (*flush)(void *arg, struct hvsim_chan *c) = c->held_flush;

	if (flush == NULL)
		return;
	c->held_flush = NULL;	/* the flush sends through hvsim_chan_send_raw */
	flush(c->held_arg, c);
}

bool
hvsim_chan_pass_room(struct hvsim_chan *c, uint32_t len)
{
	uint32_t total = ((len + 7) & ~7u) + HV_RING_TRAILER_SIZE;

	return c->in_pass && hv_ring_batch_room(&c->out) > total;
}

void
hvsim_chan_pass_end(struct hvsim_chan *c)
{
	if (!c->in_pass)
		return;
	hvsim_chan_release_held(c);
	c->in_pass = false;
	hv_ring_batch_end(&c->out, &c->pass_sig);
	if (c->pass_sig)
		hvsim_chan_signal_guest(c);
	if (c->hooks != NULL && c->hooks->pass_end != NULL)
		c->hooks->pass_end(c->hooks->arg, c);
}

int
hvsim_chan_send_raw(struct hvsim_chan *c, const struct iovec *iov,
		    unsigned int iovcnt)
{
	bool need_sig = false;
	uint64_t total = 0;
	unsigned int i;
	int ret;

	hvsim_chan_release_held(c);
	if (c->in_pass)
		ret = hv_ring_batch_add(&c->out, iov, iovcnt, &c->pass_sig);
	else
		ret = hv_ring_write(&c->h2g, iov, iovcnt, &need_sig);
	if (ret == -EAGAIN) {
		/* Ask the guest to tell us when room appears (§A.6). */
		for (i = 0; i < iovcnt; i++)
			total += iov[i].iov_len;
		hv_ring_set_pending(&c->h2g, (uint32_t)((total + 7) & ~7ull) +
				    HV_RING_TRAILER_SIZE);
		c->stats.tx_ring_full++;
		return ret;
	}
	if (ret < 0)
		return ret;
	if (c->h2g.hdr->pending_send_sz != 0)
		hv_ring_set_pending(&c->h2g, 0);
	c->stats.tx_packets++;
	if (need_sig)
		hvsim_chan_signal_guest(c);
	return 0;
}

/* The packet flat in a buffer, given to the hostile host's hook first;
 * what the guest is owed goes out at least once. */
static int
send_tampered(struct hvsim_chan *c, const struct iovec *iov)
{
	uint8_t buf[HVSIM_CHAN_PKT_MAX];
	uint32_t len = (uint32_t)(iov[0].iov_len + iov[1].iov_len);
	struct iovec flat = { .iov_base = buf };
	unsigned int copies, i;
	int ret;

	memcpy(buf, iov[0].iov_base, iov[0].iov_len);
	if (iov[1].iov_len > 0)
		memcpy(buf + iov[0].iov_len, iov[1].iov_base, iov[1].iov_len);
	copies = c->hooks->packet(c->hooks->arg, c, buf, &len, sizeof(buf));
	flat.iov_len = len;
	ret = hvsim_chan_send_raw(c, &flat, 1);
	for (i = 1; ret == 0 && i < copies; i++)
		hvsim_chan_send_raw(c, &flat, 1);
	return ret;
}

int
hvsim_chan_send(struct hvsim_chan *c, uint16_t type, uint16_t flags,
		uint64_t xid, const void *payload, uint32_t len)
{
	struct hv_pkt_desc desc = {
		.type = type,
		.offset8 = sizeof(desc) / 8,
		.len8 = (uint16_t)((sizeof(desc) + len + 7) / 8),
		.flags = flags,
		.trans_id = xid,
	};
	struct iovec iov[2] = {
		{ .iov_base = &desc, .iov_len = sizeof(desc) },
		{ .iov_base = (void *)(uintptr_t)payload, .iov_len = len },
	};

	if (c->hooks != NULL && c->hooks->packet != NULL && len <= HVSIM_CHAN_PKT_MAX - 256)
		return send_tampered(c, iov);
	return hvsim_chan_send_raw(c, iov, len ? 2 : 1);
}

int
hvsim_chan_complete(struct hvsim_chan *c, uint64_t xid, const void *payload,
		    uint32_t len)
{
	struct hvsim_backlog_entry *e;

	if (c->backlog_len == 0 &&
	    hvsim_chan_send(c, HV_PKT_COMPLETION, 0, xid, payload, len) == 0)
		return 0;
	if (c->backlog_len == HVSIM_CHAN_BACKLOG || len > sizeof(e->payload))
		return -ENOSPC;
	e = &c->backlog[c->backlog_len++];
	e->xid = xid;
	e->type = HV_PKT_COMPLETION;
	e->len = (uint16_t)len;
	memcpy(e->payload, payload, len);
	return 0;
}

bool
hvsim_chan_flush(struct hvsim_chan *c)
{
	unsigned int done = 0;

	while (done < c->backlog_len) {
		struct hvsim_backlog_entry *e = &c->backlog[done];

		if (hvsim_chan_send(c, e->type, 0, e->xid, e->payload, e->len) < 0)
			break;
		done++;
	}
	if (done > 0) {
		memmove(c->backlog, c->backlog + done,
			(c->backlog_len - done) * sizeof(c->backlog[0]));
		c->backlog_len -= done;
	}
	return c->backlog_len == 0;
}

void
hvsim_chan_stats_add(struct hvsim_chan_stats *t, const struct hvsim_chan_stats *s)
{
	t->rx_packets += s->rx_packets;
	t->tx_packets += s->tx_packets;
	t->rx_frames += s->rx_frames;
	t->guest_signals += s->guest_signals;
	t->host_signals += s->host_signals;
	t->tx_ring_full += s->tx_ring_full;
	t->bad_packets += s->bad_packets;
}
