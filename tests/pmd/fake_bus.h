/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * An in-memory VMBus channel for the PMD's channel/RX/TX files: the few
 * bus functions they call, on the real ring code (hv_ring.c) over
 * malloc'd ring memory, and the host's side of the same two rings.
 */

#ifndef FAKE_BUS_H
#define FAKE_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "hv_ring.h"
#include "hv_vmbus.h"

struct vmbus_channel {
	struct hv_ring tx;		/* guest -> host, the guest writes */
	struct hv_ring rx;		/* host -> guest, the guest reads */
	struct hv_ring host_tx;		/* the host's view of tx: it reads */
	struct hv_ring host_rx;		/* the host's view of rx: it writes */
	void *mem;
	unsigned int signals;		/* vmbus_chan_signal() calls */
	/* the next fail_sends sends find no room (-EAGAIN, nothing written);
	 * on_failed_send, if set, runs first, with the refused send's
	 * transaction id: another thread acting inside the sender's window.
	 * pass_sends sends go before that starts. */
	unsigned int pass_sends;
	unsigned int fail_sends;
	void (*on_failed_send)(struct vmbus_channel *vc, uint64_t xid);
	/* the host overwrites tx's write index just before the next batch
	 * that wrote anything publishes it */
	bool scribble_before_publish;
	uint8_t scratch[VMBUS_CHAN_SCRATCH];
};

/* A channel with two rings of ring_bytes each (header page included). */
struct vmbus_channel *fake_chan_create(size_t ring_bytes);
void fake_chan_destroy(struct vmbus_channel *vc);

/* The host writes one VMBus packet (descriptor included) into rx. */
int fake_host_write(struct vmbus_channel *vc, const void *pkt, uint32_t len);
/* The host reads the next packet the guest wrote into tx: 0 none, else
 * its length, copied (at most max bytes) to buf. */
uint32_t fake_host_read(struct vmbus_channel *vc, void *buf, uint32_t max);

#endif /* FAKE_BUS_H */
