/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * --traffic=loop: every frame a NIC sends comes back to it. Frames wait in
 * a queue until the next poll (never delivered from inside the guest's TX).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire/vswitch.h"

#define QUEUE_LEN	1024
#define POOL_BYTES	(16u << 20)

struct queued_frame {
	uint32_t off;		/* in the pool */
	uint32_t len;
	uint16_t vlan_tci;
	uint8_t port;
};

struct loop {
	struct hvsim_vswitch *vs;
	struct queued_frame q[QUEUE_LEN];
	unsigned int head, tail;	/* free-running */
	uint8_t *pool;
	uint32_t pool_used;		/* bytes queued; the pool resets when empty */
	uint64_t dropped_full;
};

static int
loop_create(struct hvsim_vswitch *vs, const char *args, void **ctx)
{
	struct loop *l = calloc(1, sizeof(*l));

	(void)args;
	if (l == NULL || (l->pool = malloc(POOL_BYTES)) == NULL) {
		free(l);
		return -ENOMEM;
	}
	l->vs = vs;
	*ctx = l;
	return 0;
}

static void
loop_from_guest(void *ctx, int port, const uint8_t *frame, uint32_t len, uint16_t vlan_tci)
{
	struct loop *l = ctx;
	struct queued_frame *qf;

	/* the pool is a bump allocator, emptied by each poll */
	if (l->head - l->tail == QUEUE_LEN || l->pool_used + len > POOL_BYTES) {
		l->dropped_full++;
		return;
	}
	qf = &l->q[l->head++ % QUEUE_LEN];
	memcpy(l->pool + l->pool_used, frame, len);
	qf->off = l->pool_used;
	qf->len = len;
	qf->vlan_tci = vlan_tci;
	qf->port = (uint8_t)port;
	l->pool_used += len;
}

static unsigned int
loop_poll(void *ctx)
{
	struct loop *l = ctx;
	unsigned int n = 0;

	while (l->tail != l->head) {
		struct queued_frame *qf = &l->q[l->tail++ % QUEUE_LEN];

		hvsim_vswitch_deliver(l->vs, qf->port, l->pool + qf->off, qf->len, qf->vlan_tci);
		n++;
	}
	l->pool_used = 0;
	return n;
}

static void
loop_stats_json(void *ctx, FILE *f)
{
	const struct loop *l = ctx;

	fprintf(f, "{\"dropped_full\": %llu}", (unsigned long long)l->dropped_full);
}

static void
loop_destroy(void *ctx)
{
	struct loop *l = ctx;

	free(l->pool);
	free(l);
}

const struct hvsim_wire_ops hvsim_wire_loop = {
	.name = "loop",
	.create = loop_create,
	.from_guest = loop_from_guest,
	.poll = loop_poll,
	.stats_json = loop_stats_json,
	.destroy = loop_destroy,
};
