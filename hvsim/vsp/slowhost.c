/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * A slow or silent host, for the scenario control (cli/control.c): the
 * answers to the guest's control traffic (NVSP replies and completions of
 * control messages, RNDIS control completions) go out now, after a delay,
 * or never.
 *
 * A delayed answer waits in a per-NIC FIFO with a due time; the host loop
 * releases what is due (vsp_slowhost_release_due()), so the host thread never
 * sleeps and the data path keeps running meanwhile. Answers leave in the
 * order they were made even when the delay is lowered, as a real host's
 * work queue would send them.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "vsp/vsp.h"

enum deferred_kind {
	DEFERRED_COMPLETION,	/* a VMBus completion packet */
	DEFERRED_RNDIS,		/* an RNDIS message through the receive buffer */
};

struct hvsim_deferred {
	struct hvsim_deferred *next;
	uint64_t due_ns;
	enum deferred_kind kind;
	uint16_t chan_id;	/* subchannel id: channels may go away meanwhile */
	uint64_t xid;
	uint32_t len;
	uint8_t data[];
};

static bool
must_wait(const struct hvsim_nic *nic)
{
	return nic->ctl_delay_ms > 0 || nic->deferred != NULL;
}

static int
defer(struct hvsim_nic *nic, enum deferred_kind kind, uint16_t chan_id, uint64_t xid,
      const void *data, uint32_t len)
{
	struct hvsim_deferred *d = malloc(sizeof(*d) + len);
	uint64_t due = now_ns() + (uint64_t)nic->ctl_delay_ms * 1000000u;

	if (d == NULL)
		return -ENOMEM;
	if (due < nic->deferred_last_due_ns)
		due = nic->deferred_last_due_ns;	/* keep the order */
	nic->deferred_last_due_ns = due;
	d->next = NULL;
	d->due_ns = due;
	d->kind = kind;
	d->chan_id = chan_id;
	d->xid = xid;
	d->len = len;
	if (len > 0)
		memcpy(d->data, data, len);
	if (nic->deferred == NULL)
		nic->deferred = d;
	else
		nic->deferred_tail->next = d;
	nic->deferred_tail = d;
	nic->stats.ctl_deferred++;
	return 0;
}

int
vsp_slowhost_complete(struct hvsim_nic *nic, struct hvsim_chan *c, uint64_t xid,
		       const void *payload, uint32_t len)
{
	if (nic->ctl_muted) {
		nic->stats.ctl_withheld++;
		return 0;
	}
	if (must_wait(nic))
		return defer(nic, DEFERRED_COMPLETION, c->subchannel_id, xid, payload, len);
	return hvsim_chan_complete(c, xid, payload, len);
}

int
vsp_slowhost_rndis(struct hvsim_nic *nic, const void *msg, uint32_t len)
{
	if (nic->ctl_muted) {
		nic->stats.ctl_withheld++;
		return 0;
	}
	if (must_wait(nic))
		return defer(nic, DEFERRED_RNDIS, 0, 0, msg, len);
	return vsp_rxbuf_send(nic, nic->chan[0], msg, len);
}

static void
release(struct hvsim_nic *nic, const struct hvsim_deferred *d)
{
	struct hvsim_chan *c = nic->chan[d->chan_id];

	if (c == NULL)
		return;		/* the guest closed the channel meanwhile */
	if (d->kind == DEFERRED_COMPLETION) {
		if (hvsim_chan_complete(c, d->xid, d->len ? d->data : NULL, d->len) < 0)
			hvsim_violation(nic, c, "guest never reads its ring: completion backlog full",
					NULL, 0);
	} else if (vsp_rxbuf_send(nic, c, d->data, d->len) < 0) {
		fprintf(stderr, "hvsim: nic%d: delayed RNDIS completion could not be delivered\n",
			nic->index);
	}
}

unsigned int
vsp_slowhost_release_due(struct hvsim_nic *nic)
{
	struct hvsim_deferred *d;
	unsigned int n = 0;
	uint64_t now;

	if (nic->deferred == NULL)
		return 0;
	now = now_ns();
	while ((d = nic->deferred) != NULL && d->due_ns <= now) {
		nic->deferred = d->next;
		release(nic, d);
		free(d);
		n++;
	}
	return n;
}

/* Forget every answer not sent yet; returns how many there were. */
uint64_t
vsp_slowhost_drop(struct hvsim_nic *nic)
{
	struct hvsim_deferred *d;
	uint64_t n = 0;

	while ((d = nic->deferred) != NULL) {
		nic->deferred = d->next;
		free(d);
		n++;
	}
	nic->deferred_last_due_ns = 0;
	return n;
}

void
vsp_slowhost_set_delay(struct hvsim_nic *nic, uint32_t ms)
{
	nic->ctl_delay_ms = ms;
	nic->ctl_muted = false;
}

void
vsp_slowhost_set_muted(struct hvsim_nic *nic, bool muted)
{
	nic->ctl_muted = muted;
	/* what was still waiting would never have been sent either */
	if (muted)
		nic->stats.ctl_withheld += vsp_slowhost_drop(nic);
}
