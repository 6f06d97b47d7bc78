/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * hvsim's hostile host (vsp/corrupt.c) on a NIC in memory: the option's
 * and the command's syntax, rates of 0 and 100 %, the same seed giving the
 * same bytes, what the guest waits for still arriving, corrupted packets'
 * slots taken back, ring header damage only between passes, and the
 * guest's reactions excused only after something was corrupted.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hv_nvsp_wire.h"
#include "hv_rndis_wire.h"
#include "util.h"
#include "vmbus/nic.h"
#include "vsp/vsp.h"
#include "wire/vswitch.h"

#define RING_HALF	(4096 + (256u << 10))
#define RECV_BUF	(4u << 20)
#define SLOT		1728u
#define FRAMES		200u

static const uint8_t nic_mac[6] = { 0x00, 0x15, 0x5d, 0x42, 0x00, 0x10 };

void
hvsim_vswitch_tx(struct hvsim_vswitch *vs, int port, const uint8_t *frame, uint32_t len,
		 uint16_t vlan_tci)
{
	(void)vs;
	(void)port;
	(void)frame;
	(void)len;
	(void)vlan_tci;
}

struct fx {
	struct hvsim_nic nic;
	struct hvsim_chan chan;
	void *ring;
	struct hv_ring guest_in;	/* host->guest, as the guest reads it */
	uint8_t scratch[8192];
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct hvsim_nic *nic = &fx->nic;

	assert_non_null(fx);
	fx->ring = aligned_alloc(4096, 2 * RING_HALF);
	assert_non_null(fx->ring);
	assert_int_equal(hvsim_chan_attach(&fx->chan, fx->ring, 2 * RING_HALF, 14, 0, -1), 0);
	assert_int_equal(hv_ring_attach(&fx->guest_in, (uint8_t *)fx->ring + RING_HALF,
					RING_HALF), 0);
	memcpy(nic->cfg.mac, nic_mac, 6);
	memcpy(nic->cur_mac, nic_mac, 6);
	nic->cfg.mtu = 1500;
	nic->cfg.link_up = true;
	nic->cfg.rx_slot_size = SLOT;
	nic->cfg.spec.recv_buf_size = RECV_BUF;
	nic->irq_fd = -1;
	nic->region[HV_UIO_RECV_BUF] = calloc(1, RECV_BUF);
	nic->region_size[HV_UIO_RECV_BUF] = RECV_BUF;
	nic->slot_count = RECV_BUF / SLOT;
	nic->slot_busy = calloc(nic->slot_count, 1);
	nic->slot_run = calloc(nic->slot_count, sizeof(*nic->slot_run));
	nic->rsc = calloc(1, sizeof(*nic->rsc));
	nic->corrupt.slot_tainted_ns = calloc(nic->slot_count, sizeof(uint64_t));
	assert_non_null(nic->corrupt.slot_tainted_ns);
	vsp_corrupt_init(nic);
	fx->chan.hooks = &nic->corrupt_hooks;
	nic->chan[0] = &fx->chan;
	nic->nchan = 1;
	nic->nvsp_version = HV_NVSP_PROTO_V61;
	nic->nvsp_state = HVSIM_NVSP_READY;
	nic->rndis_state = HVSIM_RNDIS_DATA;
	nic->packet_filter = HV_NDIS_PACKET_TYPE_PROMISCUOUS;
	hvsim_ofl_config_init(&nic->offload);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	free(fx->nic.region[HV_UIO_RECV_BUF]);
	free(fx->nic.slot_busy);
	free(fx->nic.slot_run);
	free(fx->nic.rsc);
	free(fx->nic.corrupt.slot_tainted_ns);
	free(fx->ring);
	free(fx);
	return 0;
}

static uint64_t
total(const struct hvsim_nic *nic)
{
	uint64_t t = 0;
	unsigned int k;

	for (k = 0; k < HVSIM_CORRUPT_KINDS; k++)
		t += nic->corrupt.count[k];
	return t;
}

/* n frames of 100 bytes to the guest */
static void
send_frames(struct fx *fx, unsigned int n)
{
	uint8_t f[100];
	unsigned int i;

	memset(f, 0x5a, sizeof(f));
	memcpy(f, nic_mac, 6);
	for (i = 0; i < n; i++) {
		f[20] = (uint8_t)i;
		assert_int_equal(vsp_rx_frame(&fx->nic, f, sizeof(f), 0), 0);
	}
}

/* The guest's next packet (0: none, -1: the ring says corrupt); copies it */
static int
guest_next(struct fx *fx, uint8_t *out, uint32_t *len)
{
	struct hv_ring_pkt pkt;
	bool sig = false;
	int ret = hv_ring_peek(&fx->guest_in, &pkt, fx->scratch, sizeof(fx->scratch));

	if (ret == 0)
		return 0;
	if (ret == -EIO)
		return -1;
	*len = pkt.len;
	if (pkt.data != NULL)
		memcpy(out, pkt.data, pkt.len);
	hv_ring_consume(&fx->guest_in, pkt.len);
	hv_ring_read_commit(&fx->guest_in, &sig);
	return 1;
}

static void
test_parse(void **state)
{
	uint32_t r[HVSIM_CORRUPT_KINDS] = { 0 }, ppm;

	(void)state;
	assert_int_equal(vsp_corrupt_kind("descriptor"), HVSIM_CORRUPT_DESCRIPTOR);
	assert_int_equal(vsp_corrupt_kind("indices"), HVSIM_CORRUPT_INDICES);
	assert_int_equal(vsp_corrupt_kind("all"), HVSIM_CORRUPT_ALL);
	assert_int_equal(vsp_corrupt_kind("everything"), -EINVAL);
	assert_int_equal(vsp_corrupt_percent("0.5", &ppm), 0);
	assert_int_equal(ppm, 5000);
	assert_int_equal(vsp_corrupt_percent("100", &ppm), 0);
	assert_int_equal(ppm, 1000000);
	assert_int_equal(vsp_corrupt_percent("0.0001", &ppm), 0);
	assert_int_equal(ppm, 1);
	assert_int_equal(vsp_corrupt_percent("100.1", &ppm), -EINVAL);
	assert_int_equal(vsp_corrupt_percent("-1", &ppm), -EINVAL);
	assert_int_equal(vsp_corrupt_percent("1x", &ppm), -EINVAL);
	assert_int_equal(vsp_corrupt_percent("", &ppm), -EINVAL);
	/* later items win; all sets every kind */
	assert_int_equal(vsp_corrupt_parse("all:1,xfer:0.25,indices:0", r), 0);
	assert_int_equal(r[HVSIM_CORRUPT_DESCRIPTOR], 10000);
	assert_int_equal(r[HVSIM_CORRUPT_XFER], 2500);
	assert_int_equal(r[HVSIM_CORRUPT_INDICES], 0);
	assert_int_equal(r[HVSIM_CORRUPT_STATUS], 10000);
	assert_int_equal(vsp_corrupt_parse("xfer", r), -EINVAL);
	assert_int_equal(vsp_corrupt_parse("bogus:1", r), -EINVAL);
	assert_int_equal(vsp_corrupt_parse("xfer:1,", r), 0);
	assert_int_equal(vsp_corrupt_parse("xfer:1,ppi:", r), -EINVAL);
}

/* Rate 0: honest. Rate 100 % of xfer: every packet corrupted, counted,
 * its slots marked for taking back. */
static void
test_rates(void **state)
{
	struct fx *fx = *state;
	struct hvsim_nic *nic = &fx->nic;
	uint8_t pkt[8192];
	uint32_t len, n = 0, honest = 0;

	send_frames(fx, FRAMES);
	assert_int_equal(total(nic), 0);
	assert_false(nic->corrupt.session_tainted);
	while (guest_next(fx, pkt, &len) == 1) {
		const struct hv_xfer_page_hdr *h = (const void *)pkt;

		honest += h->xfer_pageset_id == HV_RXBUF_XFER_PAGESET_ID && h->range_cnt == 1;
		assert_int_equal(vsp_rxbuf_complete(nic, h->desc.trans_id), 0);
		n++;
	}
	assert_int_equal(n, FRAMES);
	assert_int_equal(honest, FRAMES);

	vsp_corrupt_set(nic, HVSIM_CORRUPT_XFER, HVSIM_CORRUPT_PPM);
	send_frames(fx, FRAMES);
	assert_int_equal(nic->corrupt.count[HVSIM_CORRUPT_XFER], FRAMES);
	assert_int_equal(total(nic), FRAMES);
	assert_true(nic->corrupt.session_tainted);
	for (n = 0, honest = 0; guest_next(fx, pkt, &len) == 1; n++) {
		const struct hv_xfer_page_hdr *h = (const void *)pkt;
		struct hv_xfer_range r;

		/* what an honest host sends: one range, the message in its slot */
		memcpy(&r, pkt + sizeof(*h), sizeof(r));
		honest += h->xfer_pageset_id == HV_RXBUF_XFER_PAGESET_ID && h->range_cnt == 1 &&
			  r.byte_count == sizeof(struct hv_rndis_packet_msg) + 100 &&
			  r.byte_offset == h->desc.trans_id * SLOT;
		assert_int_not_equal(nic->corrupt.slot_tainted_ns[h->desc.trans_id], 0);
	}
	assert_int_equal(n, FRAMES);
	assert_int_equal(honest, 0);

	/* corrupt all 0: honest again */
	vsp_corrupt_set(nic, HVSIM_CORRUPT_ALL, 0);
	assert_false(nic->corrupt.active);
	send_frames(fx, 10);
	assert_int_equal(total(nic), FRAMES);
}

/* The same seed gives the same bytes; another seed, others. */
static uint64_t
run_all(struct fx *fx, uint64_t seed)
{
	uint8_t pkt[8192];
	uint64_t h = 1469598103934665603ull;
	uint32_t len, i;

	vsp_rxbuf_reset(&fx->nic);
	memset(&fx->chan.hdr_fault, 0, sizeof(fx->chan.hdr_fault));	/* no pass ran */
	vsp_corrupt_seed(&fx->nic, seed);
	vsp_corrupt_set(&fx->nic, HVSIM_CORRUPT_ALL, 200000);	/* 20 % */
	send_frames(fx, FRAMES);
	while (guest_next(fx, pkt, &len) == 1)
		for (i = 0; i < len; i++)
			h = (h ^ pkt[i]) * 1099511628211ull;
	return h ^ total(&fx->nic);
}

static void
test_seeded(void **state)
{
	struct fx *fx = *state;
	uint64_t a, b, c;

	a = run_all(fx, 7);
	memset(fx->nic.corrupt.count, 0, sizeof(fx->nic.corrupt.count));
	b = run_all(fx, 7);
	memset(fx->nic.corrupt.count, 0, sizeof(fx->nic.corrupt.count));
	c = run_all(fx, 8);
	assert_true(a == b);
	assert_true(a != c);
}

/* completion at 100 %: the real completion always arrives, exactly once;
 * beside it a forged copy or a duplicate */
static void
test_completion_still_arrives(void **state)
{
	struct fx *fx = *state;
	struct hvsim_nic *nic = &fx->nic;
	const struct hv_nvsp_rndis_pkt_complete m = {
		.type = HV_NVSP_MSG_RNDIS_PKT_COMPLETE, .status = HV_NVSP_STATUS_SUCCESS,
	};
	uint8_t pkt[8192];
	uint32_t len, i, real, extra = 0;

	vsp_corrupt_set(nic, HVSIM_CORRUPT_COMPLETION, HVSIM_CORRUPT_PPM);
	for (i = 0; i < 100; i++) {
		assert_int_equal(hvsim_chan_complete(&fx->chan, 1000 + i, &m, sizeof(m)), 0);
		real = 0;
		while (guest_next(fx, pkt, &len) == 1) {
			const struct hv_pkt_desc *d = (const void *)pkt;

			if (d->type == HV_PKT_COMPLETION && d->trans_id == 1000 + i &&
			    memcmp(pkt + 8 * d->offset8, &m, sizeof(m)) == 0)
				real++;
			else
				extra++;
		}
		/* a duplicate is the real one twice */
		assert_true(real == 1 || real == 2);
		extra += real - 1;
	}
	assert_int_equal(nic->corrupt.count[HVSIM_CORRUPT_COMPLETION], 100);
	assert_int_equal(extra, 100);
}

/* A corrupted packet the guest never completes: its slots come back after
 * the reclaim time; a late completion of it is a reaction, not an error. */
static void
test_reclaim(void **state)
{
	struct fx *fx = *state;
	struct hvsim_nic *nic = &fx->nic;
	uint8_t pkt[8192];
	uint32_t len, busy = 0, i;

	assert_false(vsp_corrupt_excuses(nic));
	vsp_corrupt_set(nic, HVSIM_CORRUPT_RNDIS, HVSIM_CORRUPT_PPM);
	send_frames(fx, 5);
	while (guest_next(fx, pkt, &len) == 1)
		;
	for (i = 0; i < nic->slot_count; i++)
		busy += nic->slot_busy[i];
	assert_int_equal(busy, 5);
	vsp_corrupt_reclaim(nic);	/* not yet: sent just now */
	assert_int_equal(nic->corrupt.reclaimed, 0);
	for (i = 0; i < nic->slot_count; i++)
		if (nic->corrupt.slot_tainted_ns[i] != 0)
			nic->corrupt.slot_tainted_ns[i] = 1;	/* long ago */
	nic->corrupt.next_reclaim_ns = 0;
	vsp_corrupt_reclaim(nic);
	assert_int_equal(nic->corrupt.reclaimed, 5);
	for (i = 0, busy = 0; i < nic->slot_count; i++)
		busy += nic->slot_busy[i];
	assert_int_equal(busy, 0);
	assert_int_equal(vsp_rxbuf_complete(nic, 0), -ENOENT);
	assert_true(vsp_corrupt_excuses(nic));
	assert_int_equal(nic->corrupt.guest_reactions, 1);
	/* a new session forgets */
	vsp_rxbuf_reset(nic);
	assert_false(vsp_corrupt_excuses(nic));
}

/* indices at 100 %: damaged after the pass, whole again before the next */
static void
test_indices_between_passes(void **state)
{
	struct fx *fx = *state;
	struct hvsim_nic *nic = &fx->nic;
	struct hvsim_chan *c = &fx->chan;
	uint32_t w, r, p, i, damaged = 0;

	vsp_corrupt_set(nic, HVSIM_CORRUPT_INDICES, HVSIM_CORRUPT_PPM);
	for (i = 0; i < 50; i++) {
		hvsim_chan_pass_begin(c);
		send_frames(fx, 1);
		r = c->g2h.hdr->read_index;
		p = c->h2g.hdr->pending_send_sz;
		hvsim_chan_pass_end(c);
		w = c->h2g.reserve_index;	/* what the pass published */
		damaged += c->h2g.hdr->write_index != w || c->g2h.hdr->read_index != r ||
			   c->h2g.hdr->pending_send_sz != p;
		assert_true(c->h2g.hdr->write_index == w ||
			    c->h2g.hdr->write_index >= c->h2g.dsize ||
			    (c->h2g.hdr->write_index & 7) != 0);
		hvsim_chan_pass_begin(c);
		assert_int_equal(c->h2g.hdr->write_index, w);
		assert_int_equal(c->g2h.hdr->read_index, r);
		assert_int_equal(c->h2g.hdr->pending_send_sz, p);
		hvsim_chan_pass_end(c);	/* nothing sent: nothing armed */
		assert_int_equal(c->h2g.hdr->write_index, w);
	}
	assert_int_equal(damaged, 50);
	assert_int_equal(nic->corrupt.count[HVSIM_CORRUPT_INDICES], 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_rates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seeded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_completion_still_arrives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reclaim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indices_between_passes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
