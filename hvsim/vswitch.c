/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The virtual switch. See vswitch.h.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nic.h"
#include "vswitch.h"

#define MAX_PORTS	8
#define QUEUE_LEN	1024	/* frames in flight through the switch */
#define QUEUE_BYTES	(16u << 20)

enum traffic { TRAFFIC_NONE, TRAFFIC_LOOP };

struct queued_frame {
	uint32_t off;		/* in the byte pool */
	uint32_t len;
	uint16_t vlan_tci;
	uint8_t dst_port;
};

struct hvsim_vswitch {
	enum traffic traffic;
	struct hvsim_nic *ports[MAX_PORTS];
	int nports;
	struct queued_frame q[QUEUE_LEN];
	unsigned int q_head, q_tail;	/* free-running */
	uint8_t *pool;			/* frame bytes, used as a ring */
	uint32_t pool_head, pool_tail;	/* free-running byte counters */
	struct hvsim_vswitch_stats st;
};

struct hvsim_vswitch *
hvsim_vswitch_create(const char *traffic)
{
	struct hvsim_vswitch *vs = calloc(1, sizeof(*vs));

	if (vs == NULL)
		return NULL;
	vs->pool = malloc(QUEUE_BYTES);
	if (vs->pool == NULL) {
		free(vs);
		return NULL;
	}
	vs->traffic = strcmp(traffic, "loop") == 0 ? TRAFFIC_LOOP : TRAFFIC_NONE;
	return vs;
}

void
hvsim_vswitch_destroy(struct hvsim_vswitch *vs)
{
	if (vs == NULL)
		return;
	free(vs->pool);
	free(vs);
}

int
hvsim_vswitch_attach(struct hvsim_vswitch *vs, struct hvsim_nic *nic)
{
	if (vs->nports == MAX_PORTS)
		return -ENOSPC;
	nic->vswitch = vs;
	nic->port = vs->nports;
	vs->ports[vs->nports++] = nic;
	return 0;
}

/* Contiguous room for len bytes in the pool; wraps to 0 if the tail
 * does not fit. Returns the offset or -1. */
static int64_t
pool_reserve(struct hvsim_vswitch *vs, uint32_t len)
{
	uint32_t used = vs->pool_head - vs->pool_tail;
	uint32_t pos = vs->pool_head % QUEUE_BYTES;
	uint32_t skip = 0;

	if (pos + len > QUEUE_BYTES)
		skip = QUEUE_BYTES - pos;	/* waste the tail end */
	if (used + skip + len > QUEUE_BYTES)
		return -1;
	vs->pool_head += skip;
	pos = vs->pool_head % QUEUE_BYTES;
	vs->pool_head += len;
	return pos;
}

void
hvsim_vswitch_tx(struct hvsim_vswitch *vs, int port, const uint8_t *frame,
		 uint32_t len, uint16_t vlan_tci)
{
	struct queued_frame *qf;
	int64_t off;

	vs->st.frames_in++;
	if (vs->traffic == TRAFFIC_NONE)
		return;
	if (len > HVSIM_VSWITCH_FRAME_MAX) {
		vs->st.dropped_size++;
		return;
	}
	if (vs->q_head - vs->q_tail == QUEUE_LEN || (off = pool_reserve(vs, len)) < 0) {
		vs->st.dropped_full++;
		return;
	}
	qf = &vs->q[vs->q_head++ % QUEUE_LEN];
	memcpy(vs->pool + off, frame, len);
	qf->off = (uint32_t)off;
	qf->len = len;
	qf->vlan_tci = vlan_tci;
	qf->dst_port = (uint8_t)port;	/* loop: back where it came from */
}

unsigned int
hvsim_vswitch_poll(struct hvsim_vswitch *vs)
{
	unsigned int n = 0, budget = vs->q_head - vs->q_tail;

	while (n < budget) {
		struct queued_frame *qf = &vs->q[vs->q_tail % QUEUE_LEN];

		hvsim_nic_receive(vs->ports[qf->dst_port], vs->pool + qf->off, qf->len,
				  qf->vlan_tci);
		vs->st.frames_out++;
		vs->q_tail++;
		vs->pool_tail = (qf->off + qf->len) + (vs->pool_head - vs->pool_head % QUEUE_BYTES) -
				(qf->off + qf->len > vs->pool_head % QUEUE_BYTES ? QUEUE_BYTES : 0);
		n++;
	}
	if (vs->q_head == vs->q_tail)
		vs->pool_head = vs->pool_tail = 0;
	return n;
}

void
hvsim_vswitch_stats(const struct hvsim_vswitch *vs, struct hvsim_vswitch_stats *st)
{
	*st = vs->st;
}
