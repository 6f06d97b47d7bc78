/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * hvsim's offloads through its RNDIS data path, below the wire and above
 * the rings, without a guest process: a NIC in memory with a receive
 * buffer and a channel ring.
 *   RX: frames handed to vsp_rx_frame() are read back from the
 *       host->guest ring and the receive buffer as a guest reads them:
 *       checksum PPIs, RSC (one transfer-page packet, one range per
 *       fragment, fragment ids, reassembled as Linux does), MTU drops,
 *       the frames of a pass gathered into one packet per channel.
 *   TX: guest PACKET_MSGs with checksum, LSOv2 and VLAN PPIs given to
 *       vsp_tx_data() come out on the wire (a stub of the switch) as
 *       checksummed frames and segments; broken requests are violations.
 *   RSS: SETs of the RSS parameters that break a rule are refused whole;
 *       every advertised hash type hashes what it covers, checked with a
 *       bitwise Toeplitz of its own.
 */

#define ALLOW_EXPERIMENTAL_API 1	/* rte_ipv*_udptcp_cksum_verify */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_byteorder.h>
#include <rte_ip.h>

#include "hv_nvsp_wire.h"
#include "hv_rndis_wire.h"
#include "vmbus/nic.h"
#include "vsp/vsp.h"
#include "wire/vswitch.h"

#define RING_HALF	(4096 + (256u << 10))
#define RECV_BUF	(4u << 20)
#define SLOT		1728u
#define ETH		14u
#define MAX_WIRE	256
#define MAX_RANGES	80

static const uint8_t nic_mac[6] = { 0x00, 0x15, 0x5d, 0x42, 0x00, 0x10 };

/* ---- the wire: a stub of the switch records what the NIC sends ----------- */

struct wire_frame {
	uint32_t len;
	uint16_t vlan_tci;
	uint8_t bytes[HVSIM_VSWITCH_FRAME_MAX];
};

static struct wire_frame *wire;
static unsigned int nwire;

void
hvsim_vswitch_tx(struct hvsim_vswitch *vs, int port, const uint8_t *frame, uint32_t len,
		 uint16_t vlan_tci)
{
	(void)vs;
	(void)port;
	assert_true(nwire < MAX_WIRE);
	wire[nwire].len = len;
	wire[nwire].vlan_tci = vlan_tci;
	memcpy(wire[nwire].bytes, frame, len);
	nwire++;
}

/* ---- fixture: one NIC, one channel, a receive buffer --------------------- */

struct fx {
	struct hvsim_nic nic;
	struct hvsim_chan chan;
	void *ring;
	struct hv_ring guest_in;	/* the host->guest ring, as the guest reads it */
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
	memcpy(nic->cur_mac, nic_mac, 6);	/* what a session starts with */
	nic->cfg.mtu = 1500;
	nic->cfg.link_up = true;
	nic->cfg.rx_slot_size = SLOT;
	nic->cfg.lso_max = 62780;
	nic->cfg.lso_min_segs = 2;
	nic->irq_fd = -1;
	nic->region[HV_UIO_RECV_BUF] = calloc(1, RECV_BUF);
	nic->region_size[HV_UIO_RECV_BUF] = RECV_BUF;
	nic->slot_count = RECV_BUF / SLOT;
	nic->slot_busy = calloc(nic->slot_count, 1);
	nic->slot_run = calloc(nic->slot_count, sizeof(*nic->slot_run));
	nic->rsc = calloc(1, sizeof(*nic->rsc));
	assert_non_null(nic->region[HV_UIO_RECV_BUF]);
	assert_non_null(nic->rsc);
	nic->chan[0] = &fx->chan;
	nic->nchan = 1;
	nic->nvsp_version = HV_NVSP_PROTO_V61;
	nic->nvsp_state = HVSIM_NVSP_READY;
	nic->rndis_state = HVSIM_RNDIS_DATA;
	nic->packet_filter = HV_NDIS_PACKET_TYPE_DIRECTED;
	hvsim_ofl_config_init(&nic->offload);
	wire = calloc(MAX_WIRE, sizeof(*wire));
	assert_non_null(wire);
	nwire = 0;
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
	free(fx->ring);
	free(fx);
	free(wire);
	return 0;
}

/* ---- frames ------------------------------------------------------------------ */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* TCP (proto 6) or UDP (17) over IPv4 or IPv6 to the NIC; checksums right
 * unless zero_csum. Returns the length. */
static uint32_t
frame(uint8_t *f, int ipv, uint8_t proto, uint32_t payload, uint32_t seq, uint8_t flags,
      bool zero_csum)
{
	uint32_t l3 = ipv == 4 ? 20 : 40, l4 = proto == 6 ? 20 : 8, i;
	uint8_t *ip = f + ETH, *t = ip + l3;

	memset(f, 0, ETH + l3 + l4);
	memcpy(f, nic_mac, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x07", 6);
	put16(f + 12, ipv == 4 ? 0x0800 : 0x86dd);
	if (ipv == 4) {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(l3 + l4 + payload));
		put16(ip + 4, 0x4242);
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	} else {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)(l4 + payload));
		ip[6] = proto;
		ip[7] = 64;
		ip[8] = 0x20;
		ip[23] = 1;
		ip[24] = 0x20;
		ip[39] = 2;
	}
	put16(t, 4321);
	put16(t + 2, proto == 6 ? 80 : 53);
	if (proto == 6) {
		put16(t + 4, (uint16_t)(seq >> 16));
		put16(t + 6, (uint16_t)seq);
		put16(t + 8, 0);
		put16(t + 10, 1);
		t[12] = 0x50;
		t[13] = flags;
		put16(t + 14, 8192);
	} else {
		put16(t + 4, (uint16_t)(l4 + payload));
	}
	for (i = 0; i < payload; i++)
		t[l4 + i] = (uint8_t)(seq + i);
	if (!zero_csum) {
		uint16_t s;

		if (ipv == 4) {
			((struct rte_ipv4_hdr *)ip)->hdr_checksum = rte_ipv4_cksum((void *)ip);
			s = rte_ipv4_udptcp_cksum((void *)ip, t);
		} else {
			s = rte_ipv6_udptcp_cksum((void *)ip, t);
		}
		memcpy(t + (proto == 6 ? 16 : 6), &s, 2);
	}
	return ETH + l3 + l4 + payload;
}

static bool
csums_ok(const uint8_t *f)
{
	const uint8_t *ip = f + ETH;

	if (get16(f + 12) == 0x0800)
		return rte_raw_cksum(ip, 20) == 0xffff &&
		       rte_ipv4_udptcp_cksum_verify((const void *)ip, ip + 20) == 0;
	return rte_ipv6_udptcp_cksum_verify((const void *)ip, ip + 40) == 0;
}

/* ---- the guest's view of the receive path ------------------------------------ */

struct rx_msg {
	uint32_t data_len;
	const uint8_t *data;
	bool has_csum, has_vlan, has_id, has_hash, has_hashinf;
	uint32_t csum, vlan, hash, hashinf;
	struct hv_rndis_pktinfo_id id;
};

struct rx_pkt {
	uint32_t nranges;
	struct rx_msg msg[MAX_RANGES];
};

/* Check a PACKET_MSG as a strict guest does and pick its PPIs. */
static void
parse_msg(const uint8_t *m, uint32_t range_len, struct rx_msg *out)
{
	struct hv_rndis_packet_msg h;
	uint32_t pos = 0;

	memset(out, 0, sizeof(*out));
	memcpy(&h, m, sizeof(h));
	assert_int_equal(h.type, HV_RNDIS_PACKET_MSG);
	assert_true(h.len <= range_len);
	assert_int_equal(h.len, sizeof(h) + h.ppi_len + h.data_len);
	assert_int_equal(h.data_offset, HV_RNDIS_PACKET_MSG_OFFSET_MIN + h.ppi_len);
	assert_true(h.data_len > 0);
	out->data_len = h.data_len;
	out->data = m + 8 + h.data_offset;
	while (pos < h.ppi_len) {
		struct hv_rndis_ppi e;
		uint32_t v;

		memcpy(&e, m + 8 + h.ppi_offset + pos, sizeof(e));
		assert_int_equal(e.size, HV_RNDIS_PPI_SIZE(4));
		assert_int_equal(e.offset, HV_RNDIS_PPI_HDR_SIZE);
		memcpy(&v, m + 8 + h.ppi_offset + pos + e.offset, 4);
		if (e.type == HV_RNDIS_PPI_CSUM) {
			out->has_csum = true;
			out->csum = v;
		} else if (e.type == HV_RNDIS_PPI_VLAN) {
			out->has_vlan = true;
			out->vlan = v;
		} else if (e.type == HV_RNDIS_PPI_HASHVAL) {
			out->has_hash = true;
			out->hash = v;
		} else if (e.type == HV_RNDIS_PPI_HASHINF) {
			out->has_hashinf = true;
			out->hashinf = v;
		} else if (e.type == HV_RNDIS_PPI_PKTINFO_ID) {
			out->has_id = true;
			memcpy(&out->id, &v, 4);
		}
		pos += e.size;
	}
}

/* Next transfer-page packet: 0 when the ring is empty. Leaves it
 * outstanding; *xid is its transaction id, offsets[] its ranges' offsets. */
static int
guest_peek(struct fx *fx, struct rx_pkt *p, uint64_t *xid, uint32_t *offsets)
{
	const uint8_t *rbuf = fx->nic.region[HV_UIO_RECV_BUF];
	struct hv_xfer_page_hdr h;
	struct hv_ring_pkt pkt;
	const uint8_t *b;
	bool sig = false;
	uint32_t i;
	int ret;

	ret = hv_ring_peek(&fx->guest_in, &pkt, fx->scratch, sizeof(fx->scratch));
	if (ret == 0)
		return 0;
	assert_int_equal(ret, 1);
	b = pkt.data;
	memcpy(&h, b, sizeof(h));
	assert_int_equal(h.desc.type, HV_PKT_DATA_XFER_PAGES);
	assert_int_equal(h.xfer_pageset_id, HV_RXBUF_XFER_PAGESET_ID);
	assert_true(h.range_cnt >= 1 && h.range_cnt <= MAX_RANGES);
	assert_int_equal(h.desc.offset8 * 8u, sizeof(h) + 8u * h.range_cnt);
	p->nranges = h.range_cnt;
	for (i = 0; i < h.range_cnt; i++) {
		struct hv_xfer_range r;

		memcpy(&r, b + sizeof(h) + 8 * i, sizeof(r));
		assert_true((uint64_t)r.byte_offset + r.byte_count <= RECV_BUF);
		parse_msg(rbuf + r.byte_offset, r.byte_count, &p->msg[i]);
		if (offsets != NULL)
			offsets[i] = r.byte_offset;
	}
	/* the NVSP message after the ranges says "RNDIS data" */
	assert_int_equal(b[h.desc.offset8 * 8], HV_NVSP_MSG_RNDIS_PKT);
	*xid = h.desc.trans_id;
	hv_ring_consume(&fx->guest_in, pkt.len);
	hv_ring_read_commit(&fx->guest_in, &sig);
	return 1;
}

/* Next transfer-page packet: 0 when the ring is empty. Completes it. */
static int
guest_read(struct fx *fx, struct rx_pkt *p)
{
	uint64_t xid;

	if (guest_peek(fx, p, &xid, NULL) == 0)
		return 0;
	assert_int_equal(vsp_rxbuf_complete(&fx->nic, xid), 0);
	return 1;
}

static void
rx_on(struct hvsim_nic *nic)
{
	nic->offload.ip4 = nic->offload.tcp4 = nic->offload.udp4 = HV_NDIS_OFFLOAD_PARAM_RX;
	nic->offload.tcp6 = nic->offload.udp6 = HV_NDIS_OFFLOAD_PARAM_RX;
}

/* ---- RX --------------------------------------------------------------------------- */

/* The packet filter, strictly: MULTICAST passes the groups of a list that
 * hvsim keeps none of, so only ALL_MULTICAST lets a group through;
 * BROADCAST is its own bit; PROMISCUOUS passes all. */
static void
test_rx_packet_filter(void **state)
{
	static const uint8_t group[6] = { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const struct {
		uint32_t filter;
		bool group, bcast;
	} cases[] = {
		{ HV_NDIS_PACKET_TYPE_DIRECTED, false, false },
		{ HV_NDIS_PACKET_TYPE_DIRECTED | HV_NDIS_PACKET_TYPE_MULTICAST, false, false },
		{ HV_NDIS_PACKET_TYPE_DIRECTED | HV_NDIS_PACKET_TYPE_BROADCAST, false, true },
		{ HV_NDIS_PACKET_TYPE_DIRECTED | HV_NDIS_PACKET_TYPE_ALL_MULTICAST, true, false },
		{ HV_NDIS_PACKET_TYPE_PROMISCUOUS, true, true },
	};
	struct fx *fx = *state;
	uint64_t dropped = fx->nic.stats.rx_dropped_filter;
	uint8_t f[2048];
	struct rx_pkt p;
	uint32_t len;
	unsigned int i;

	len = frame(f, 4, 17, 64, 1, 0, false);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fx->nic.packet_filter = cases[i].filter;
		memcpy(f, group, 6);
		assert_int_equal(vsp_rx_frame(&fx->nic, f, len, 0), cases[i].group ? 0 : -EPERM);
		assert_int_equal(guest_read(fx, &p), cases[i].group ? 1 : 0);
		memcpy(f, bcast, 6);
		assert_int_equal(vsp_rx_frame(&fx->nic, f, len, 0), cases[i].bcast ? 0 : -EPERM);
		assert_int_equal(guest_read(fx, &p), cases[i].bcast ? 1 : 0);
		dropped += !cases[i].group + !cases[i].bcast;
		assert_int_equal(fx->nic.stats.rx_dropped_filter, dropped);
	}
}

static void
test_rx_csum_ppi(void **state)
{
	struct fx *fx = *state;
	uint8_t f[2048];
	struct rx_pkt p;
	uint32_t len;

	/* RX checksum off: no PPI ("not checked") */
	len = frame(f, 4, 6, 100, 1, 0x10, false);
	assert_int_equal(vsp_rx_frame(&fx->nic, f, len, 0), 0);
	assert_int_equal(guest_read(fx, &p), 1);
	assert_int_equal(p.nranges, 1);
	assert_false(p.msg[0].has_csum);
	assert_false(p.msg[0].has_id);

	rx_on(&fx->nic);
	assert_int_equal(vsp_rx_frame(&fx->nic, f, len, 0x2064), 0);
	assert_int_equal(guest_read(fx, &p), 1);
	assert_true(p.msg[0].has_csum);
	assert_int_equal(p.msg[0].csum, HV_RNDIS_RXCSUM_IP_OK | HV_RNDIS_RXCSUM_TCP_OK);
	assert_true(p.msg[0].has_vlan);
	assert_int_equal(p.msg[0].vlan, HV_RNDIS_VLAN_FROM_TCI(0x2064));
	assert_int_equal(p.msg[0].data_len, len);
	assert_memory_equal(p.msg[0].data, f, len);

	len = frame(f, 6, 17, 300, 9, 0, false);
	f[len - 1] ^= 0xff;
	assert_int_equal(vsp_rx_frame(&fx->nic, f, len, 0), 0);
	assert_int_equal(guest_read(fx, &p), 1);
	assert_int_equal(p.msg[0].csum, HV_RNDIS_RXCSUM_UDP_FAILED);
	assert_int_equal(guest_read(fx, &p), 0);
	assert_int_equal(fx->nic.stats.rx_csum_ip_ok, 1);
	assert_int_equal(fx->nic.stats.rx_csum_l4_ok, 1);
	assert_int_equal(fx->nic.stats.rx_csum_l4_failed, 1);
	assert_int_equal(fx->nic.stats.rx_frames, 3);
}

static void
test_rx_mtu(void **state)
{
	struct fx *fx = *state;
	uint8_t f[9100];
	struct rx_pkt p;

	/* 1514 passes, 1515 is dropped and counted; the wire is not told */
	assert_int_equal(vsp_rx_frame(&fx->nic, f, frame(f, 4, 17, 1472, 1, 0, false), 0), 0);
	assert_int_equal(vsp_rx_frame(&fx->nic, f, frame(f, 4, 17, 1473, 1, 0, false), 0), 0);
	assert_int_equal(guest_read(fx, &p), 1);
	assert_int_equal(p.msg[0].data_len, 1514);
	assert_int_equal(guest_read(fx, &p), 0);
	assert_int_equal(fx->nic.stats.rx_dropped_oversize, 1);

	/* jumbo: 9014 in one range over several slots */
	fx->nic.cfg.mtu = 9000;
	assert_int_equal(vsp_rx_frame(&fx->nic, f, frame(f, 6, 6, 8940, 5, 0x10, false), 0),
			 0);
	assert_int_equal(guest_read(fx, &p), 1);
	assert_int_equal(p.msg[0].data_len, 9014);
	assert_memory_equal(p.msg[0].data, f, 9014);
	/* below NVSP 0x30002 there are no jumbo frames */
	fx->nic.nvsp_version = HV_NVSP_PROTO_V1;
	assert_int_equal(vsp_rx_frame(&fx->nic, f, frame(f, 4, 17, 1473, 1, 0, false), 0), 0);
	assert_int_equal(guest_read(fx, &p), 0);
	assert_int_equal(fx->nic.stats.rx_dropped_oversize, 2);
}

/*
 * Within a pass of the host loop, frames are written to the ring at once
 * but published together at its end: the guest sees none of them before
 * and all of them, in order, after; an unmasked guest is signalled once.
 */
static void
test_rx_pass_publishes_once(void **state)
{
	struct fx *fx = *state;
	uint8_t f[2048];
	struct rx_pkt p;
	unsigned int i;

	fx->chan.h2g.hdr->interrupt_mask = 0;	/* a guest that wants signals */
	hvsim_nic_pass_begin(&fx->nic);
	for (i = 0; i < 3; i++)
		assert_int_equal(vsp_rx_frame(&fx->nic, f,
						   frame(f, 4, 17, 100 + i, 1, 0, false), 0), 0);
	assert_int_equal(guest_read(fx, &p), 0);
	assert_int_equal(fx->chan.h2g.hdr->write_index, 0);
	assert_int_equal(fx->chan.stats.host_signals, 0);
	hvsim_nic_pass_end(&fx->nic);
	assert_int_equal(fx->chan.stats.host_signals, 1);
	/* the guest kernel's handler masked the channel before counting the
	 * interrupt (uio_hv_generic): no signal until the guest unmasks */
	assert_int_equal(fx->chan.h2g.hdr->interrupt_mask, 1);
	for (i = 0; i < 3; i++) {
		assert_int_equal(guest_read(fx, &p), 1);
		assert_int_equal(p.msg[0].data_len, ETH + 20 + 8 + 100 + i);
	}
	assert_int_equal(guest_read(fx, &p), 0);
	/* still masked: a frame into the empty ring is not signalled */
	assert_int_equal(vsp_rx_frame(&fx->nic, f, frame(f, 4, 17, 64, 1, 0, false), 0), 0);
	assert_int_equal(fx->chan.stats.host_signals, 1);
	assert_int_equal(guest_read(fx, &p), 1);
	assert_int_equal(guest_read(fx, &p), 0);
	/* unmasked again: outside a pass every frame is published (and
	 * signalled) on its own */
	fx->chan.h2g.hdr->interrupt_mask = 0;
	assert_int_equal(vsp_rx_frame(&fx->nic, f, frame(f, 4, 17, 64, 1, 0, false), 0), 0);
	assert_int_equal(fx->chan.stats.host_signals, 2);
	assert_int_equal(fx->chan.h2g.hdr->interrupt_mask, 1);
	assert_int_equal(guest_read(fx, &p), 1);
}

/*
 * With rx_batch, the frames of a pass that go to one channel form one
 * transfer-page packet, a range per frame, as a real host sends what it
 * has ready (OpenVMM's netvsp): each frame in slots of its own, the
 * packet's slots one run, its first slot the transaction id, which alone
 * completes the packet. A packet holds at most rx_batch ranges; a frame
 * whose slots cannot extend the run, and any other packet on the channel,
 * send what was gathered first.
 */
static void
test_rx_pass_batches_frames(void **state)
{
	static const uint32_t payload[] = { 100, 2000 - 42, 64, 300, 1400, 90 };
	struct fx *fx = *state;
	struct hvsim_nic *nic = &fx->nic;
	uint32_t offsets[MAX_RANGES], i, slot;
	uint8_t f[2048];
	struct rx_pkt p;
	uint64_t xid;

	nic->cfg.mtu = 9000;
	nic->cfg.rx_batch = 4;
	hvsim_nic_pass_begin(nic);
	for (i = 0; i < 6; i++)
		assert_int_equal(vsp_rx_frame(nic, f, frame(f, 4, 17, payload[i], i, 0, false), 0),
				 0);
	assert_int_equal(nic->stats.rx_frames, 6);
	assert_int_equal(nic->stats.rx_xfer_sent, 1);	/* the first 4 went at the 5th */
	vsp_rxbuf_flush(nic);
	hvsim_nic_pass_end(nic);
	assert_int_equal(nic->stats.rx_xfer_sent, 2);

	/* 4 frames, the second in two slots: slots 0, 1-2, 3, 4 */
	assert_int_equal(guest_peek(fx, &p, &xid, offsets), 1);
	assert_int_equal(p.nranges, 4);
	assert_int_equal(xid, 0);
	for (i = 0, slot = 0; i < 4; i++) {
		assert_int_equal(p.msg[i].data_len, ETH + 20 + 8 + payload[i]);
		assert_int_equal(offsets[i], slot * SLOT);
		slot += i == 1 ? 2 : 1;
	}
	/* a range of the packet is not a packet */
	assert_int_equal(vsp_rxbuf_complete(nic, 1), -ENOENT);
	assert_int_equal(vsp_rxbuf_complete(nic, 3), -ENOENT);
	assert_int_equal(vsp_rxbuf_complete(nic, xid), 0);
	for (slot = 0; slot < 5; slot++)
		assert_int_equal(nic->slot_busy[slot], 0);
	assert_int_equal(vsp_rxbuf_complete(nic, xid), -ENOENT);
	assert_int_equal(guest_peek(fx, &p, &xid, offsets), 1);
	assert_int_equal(p.nranges, 2);
	assert_int_equal(xid, 5);
	assert_int_equal(p.msg[1].data_len, ETH + 20 + 8 + payload[5]);
	assert_int_equal(vsp_rxbuf_complete(nic, xid), 0);
	assert_int_equal(guest_read(fx, &p), 0);

	/* a busy slot after the first frame: the second starts a packet */
	nic->slot_hint = 0;
	nic->slot_busy[1] = 1;
	hvsim_nic_pass_begin(nic);
	for (i = 0; i < 2; i++)
		assert_int_equal(vsp_rx_frame(nic, f, frame(f, 4, 17, 64, i, 0, false), 0), 0);
	/* a completion the host owes goes after the frames gathered before it */
	assert_int_equal(hvsim_chan_complete(&fx->chan, 77, NULL, 0), 0);
	hvsim_nic_pass_end(nic);
	assert_int_equal(guest_peek(fx, &p, &xid, offsets), 1);
	assert_true(p.nranges == 1 && xid == 0);
	assert_int_equal(vsp_rxbuf_complete(nic, xid), 0);
	assert_int_equal(guest_peek(fx, &p, &xid, offsets), 1);
	assert_true(p.nranges == 1 && xid == 2);
	assert_int_equal(vsp_rxbuf_complete(nic, xid), 0);
	{
		struct hv_ring_pkt pkt;
		bool sig = false;

		assert_int_equal(hv_ring_peek(&fx->guest_in, &pkt, fx->scratch,
					      sizeof(fx->scratch)), 1);
		assert_int_equal(pkt.desc.type, HV_PKT_COMPLETION);
		assert_int_equal(pkt.desc.trans_id, 77);
		hv_ring_consume(&fx->guest_in, pkt.len);
		hv_ring_read_commit(&fx->guest_in, &sig);
	}
	assert_int_equal(guest_read(fx, &p), 0);

	/* outside a pass, as with rx_batch 1: a packet per frame */
	for (i = 0; i < 2; i++)
		assert_int_equal(vsp_rx_frame(nic, f, frame(f, 4, 17, 64, i, 0, false), 0), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(guest_read(fx, &p), 1);
		assert_int_equal(p.nranges, 1);
	}
	assert_int_equal(guest_read(fx, &p), 0);
}

/* Reassemble as Linux does: fragments in range order, FIRST..LAST. */
static uint32_t
reassemble(const struct rx_pkt *p, uint8_t *out)
{
	uint32_t i, len = 0;

	for (i = 0; i < p->nranges; i++) {
		const struct rx_msg *m = &p->msg[i];
		uint8_t want = HV_RNDIS_PKTINFO_SUBALLOC |
			       (i == 0 ? HV_RNDIS_PKTINFO_FIRST_FRAG : 0) |
			       (i + 1 == p->nranges ? HV_RNDIS_PKTINFO_LAST_FRAG : 0);

		assert_true(m->has_id);
		assert_int_equal(m->id.ver, HV_RNDIS_PKTINFO_ID_VER);
		assert_int_equal(m->id.flag, want);
		assert_int_equal(m->id.pkt_id, p->msg[0].id.pkt_id);
		if (i > 0)	/* metadata only with the first fragment */
			assert_false(m->has_csum || m->has_vlan);
		memcpy(out + len, m->data, m->data_len);
		len += m->data_len;
	}
	return len;
}

static void
test_rx_rsc(void **state)
{
	struct fx *fx = *state;
	uint8_t f[2048], *whole = malloc(70000);
	const uint32_t seg = 1000, n = 5;
	struct rx_pkt p;
	uint32_t i, len;

	assert_non_null(whole);
	fx->nic.offload.rsc4 = true;
	rx_on(&fx->nic);
	for (i = 0; i < n; i++) {
		len = frame(f, 4, 6, seg, 7000 + i * seg, i + 1 == n ? 0x18 : 0x10, false);
		assert_int_equal(vsp_rx_frame(&fx->nic, f, len, 0x0005), 0);
	}
	assert_int_equal(guest_read(fx, &p), 0);	/* held until the round ends */
	vsp_rx_flush(&fx->nic);
	assert_int_equal(guest_read(fx, &p), 1);
	assert_int_equal(p.nranges, n);
	assert_true(p.msg[0].has_vlan);
	assert_int_equal(p.msg[0].csum, HV_RNDIS_RXCSUM_IP_OK | HV_RNDIS_RXCSUM_IP_INVALID |
			 HV_RNDIS_RXCSUM_TCP_OK | HV_RNDIS_RXCSUM_TCP_INVALID);
	assert_int_equal(p.msg[0].data_len, ETH + 20 + 20 + seg);
	len = reassemble(&p, whole);
	assert_int_equal(len, ETH + 40 + n * seg);
	assert_int_equal(get16(whole + ETH + 2), 40 + n * seg);
	assert_int_equal(get32(whole + ETH + 20 + 4), 7000);
	assert_int_equal(whole[ETH + 20 + 13], 0x18);	/* PSH of the last */
	for (i = 0; i < n * seg; i++)
		assert_int_equal(whole[ETH + 40 + i], (uint8_t)(7000 + i));
	assert_int_equal(fx->nic.stats.rsc_packets, 1);
	assert_int_equal(fx->nic.stats.rsc_segments, n);
	assert_int_equal(fx->nic.stats.rx_frames, 1);
	free(whole);
}

/* Order is kept: a frame RSC cannot take (UDP; IPv6 while RSC is on for
 * IPv4 only) flushes what it holds first; a lone segment goes as a plain
 * frame. RX checksum off: the coalesced packet's checksums are fixed. */
static void
test_rx_rsc_order(void **state)
{
	static const struct { int ipv; uint8_t proto; uint32_t seq; } in[] = {
		{ 4, 6, 100 }, { 4, 6, 600 }, { 6, 17, 1 }, { 4, 6, 1100 }, { 4, 6, 1600 },
		{ 4, 17, 2 }, { 4, 6, 2100 },
	};
	/* what the guest reads: ranges, first TCP seq (0: not TCP/IPv4) */
	static const struct { uint32_t ranges, seq; } out[] = {
		{ 2, 100 }, { 1, 0 }, { 2, 1100 }, { 1, 0 }, { 1, 2100 },
	};
	struct fx *fx = *state;
	uint8_t f[2048], whole[4096];
	struct rx_pkt p;
	uint32_t len, i;

	fx->nic.offload.rsc4 = true;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		len = frame(f, in[i].ipv, in[i].proto, in[i].proto == 6 ? 500 : 64, in[i].seq,
			    0x10, false);
		assert_int_equal(vsp_rx_frame(&fx->nic, f, len, 0), 0);
	}
	vsp_rx_flush(&fx->nic);
	for (i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		assert_int_equal(guest_read(fx, &p), 1);
		assert_int_equal(p.nranges, out[i].ranges);
		if (out[i].ranges > 1) {
			assert_false(p.msg[0].has_csum);
			len = reassemble(&p, whole);
			assert_int_equal(len, ETH + 40 + 1000);
			assert_true(csums_ok(whole));
		} else {
			assert_false(p.msg[0].has_id);
			len = p.msg[0].data_len;
			memcpy(whole, p.msg[0].data, len);
		}
		if (out[i].seq)
			assert_int_equal(get32(whole + ETH + 20 + 4), out[i].seq);
		else
			assert_true(get16(whole + 12) == 0x86dd || whole[ETH + 9] == 17);
	}
	assert_int_equal(guest_read(fx, &p), 0);
	assert_int_equal(fx->nic.stats.rsc_packets, 2);
	assert_int_equal(fx->nic.stats.rsc_segments, 4);

	/* below NVSP 6.1 nothing is coalesced */
	fx->nic.nvsp_version = HV_NVSP_PROTO_V6;
	for (i = 0; i < 2; i++) {
		len = frame(f, 4, 6, 500, 100 + 500 * i, 0x10, false);
		assert_int_equal(vsp_rx_frame(&fx->nic, f, len, 0), 0);
		assert_int_equal(guest_read(fx, &p), 1);
		assert_int_equal(p.nranges, 1);
	}
	assert_int_equal(fx->nic.stats.rsc_packets, 2);
}

/* ---- TX --------------------------------------------------------------------------- */

/* A guest PACKET_MSG with the given PPIs (type, value pairs) and frame. */
static uint32_t
packet_msg(uint8_t *buf, const uint32_t *ppis, unsigned int nppi, const uint8_t *f,
	   uint32_t len)
{
	struct hv_rndis_packet_msg m = {
		.type = HV_RNDIS_PACKET_MSG,
		.ppi_offset = HV_RNDIS_PACKET_MSG_OFFSET_MIN,
		.ppi_len = nppi * HV_RNDIS_PPI_SIZE(4),
		.data_len = len,
	};
	unsigned int i;

	m.data_offset = HV_RNDIS_PACKET_MSG_OFFSET_MIN + m.ppi_len;
	m.len = (uint32_t)sizeof(m) + m.ppi_len + len;
	memcpy(buf, &m, sizeof(m));
	for (i = 0; i < nppi; i++) {
		struct hv_rndis_ppi e = { .size = HV_RNDIS_PPI_SIZE(4), .type = ppis[2 * i],
					  .offset = HV_RNDIS_PPI_HDR_SIZE };

		memcpy(buf + sizeof(m) + i * e.size, &e, sizeof(e));
		memcpy(buf + sizeof(m) + i * e.size + sizeof(e), &ppis[2 * i + 1], 4);
	}
	memcpy(buf + sizeof(m) + m.ppi_len, f, len);
	return m.len;
}

static void
test_tx_csum(void **state)
{
	struct fx *fx = *state;
	uint8_t f[2048], msg[4096], before[4096];
	uint32_t ppis[] = {
		HV_RNDIS_PPI_HASHVAL, 3,	/* DPDK's queue index: ignored */
		HV_RNDIS_PPI_VLAN, HV_RNDIS_VLAN_FROM_TCI(0x2064),
		HV_RNDIS_PPI_CSUM, HV_RNDIS_TXCSUM_IPV4 | HV_RNDIS_TXCSUM_IP |
				   HV_RNDIS_TXCSUM_UDP | HV_RNDIS_TXCSUM_HDROFF(34),
	};
	uint32_t len, mlen;

	fx->nic.offload.ip4 = fx->nic.offload.udp4 = HV_NDIS_OFFLOAD_PARAM_TX;
	len = frame(f, 4, 17, 200, 1, 0, true);
	mlen = packet_msg(msg, ppis, 3, f, len);
	memcpy(before, msg, mlen);
	assert_int_equal(vsp_tx_data(&fx->nic, &fx->chan, msg, mlen),
			 HV_NVSP_STATUS_SUCCESS);
	assert_int_equal(nwire, 1);
	assert_int_equal(wire[0].len, len);
	assert_int_equal(wire[0].vlan_tci, 0x2064);
	assert_true(csums_ok(wire[0].bytes));
	assert_memory_equal(msg, before, mlen);	/* computed on a copy */
	assert_int_equal(fx->nic.stats.tx_csum_ip, 1);
	assert_int_equal(fx->nic.stats.tx_csum_udp, 1);
	assert_int_equal(fx->nic.stats.tx_frames, 1);

	/* no request, a wrong checksum: out as it is, and counted */
	f[len - 1] ^= 1;
	mlen = packet_msg(msg, ppis, 2, f, len);
	assert_int_equal(vsp_tx_data(&fx->nic, &fx->chan, msg, mlen),
			 HV_NVSP_STATUS_SUCCESS);
	assert_int_equal(nwire, 2);
	assert_memory_equal(wire[1].bytes, f, len);
	assert_int_equal(fx->nic.stats.tx_csum_bad_no_offload, 1);
	assert_int_equal(fx->nic.stats.violations, 0);
}

static void
test_tx_lso(void **state)
{
	struct fx *fx = *state;
	uint8_t *f = malloc(70000), *msg = malloc(70000);
	uint32_t ppis[] = {
		HV_RNDIS_PPI_LSO, HV_RNDIS_LSO2_TYPE_V2 | HV_RNDIS_LSO2_IPV6 |
				  HV_RNDIS_LSO2_MSS(1440) | HV_RNDIS_LSO2_THOFF(54),
		HV_RNDIS_PPI_VLAN, HV_RNDIS_VLAN_FROM_TCI(7),
	};
	uint32_t len, mlen, i;

	assert_true(f && msg);
	fx->nic.offload.lso6 = true;
	len = frame(f, 6, 6, 10000, 0x10000, 0x19, true);	/* ACK PSH FIN */
	mlen = packet_msg(msg, ppis, 2, f, len);
	assert_int_equal(vsp_tx_data(&fx->nic, &fx->chan, msg, mlen),
			 HV_NVSP_STATUS_SUCCESS);
	/* 6 * 1440 = 8640, then 1360 */
	assert_int_equal(nwire, 7);
	for (i = 0; i < nwire; i++) {
		uint32_t chunk = i < 6 ? 1440 : 1360;

		assert_int_equal(wire[i].len, ETH + 60 + chunk);
		assert_int_equal(wire[i].vlan_tci, 7);
		assert_int_equal(get16(wire[i].bytes + ETH + 4), 20 + chunk);
		assert_int_equal(get32(wire[i].bytes + ETH + 40 + 4), 0x10000 + i * 1440);
		assert_int_equal(wire[i].bytes[ETH + 40 + 13], i < 6 ? 0x10 : 0x19);
		assert_true(csums_ok(wire[i].bytes));
	}
	assert_int_equal(fx->nic.stats.lso_packets, 1);
	assert_int_equal(fx->nic.stats.lso_segments, 7);
	assert_int_equal(fx->nic.stats.tx_frames, 1);
	assert_int_equal(fx->nic.stats.violations, 0);
	free(f);
	free(msg);
}

/* Broken requests: a violation each, the send fails, nothing on the wire. */
static void
test_tx_violations(void **state)
{
	struct fx *fx = *state;
	uint8_t f[2048], msg[4096];
	uint32_t csum[] = { HV_RNDIS_PPI_CSUM, HV_RNDIS_TXCSUM_IPV4 | HV_RNDIS_TXCSUM_TCP };
	uint32_t lso[] = { HV_RNDIS_PPI_LSO, HV_RNDIS_LSO2_TYPE_V2 | HV_RNDIS_LSO2_MSS(1460) };
	uint32_t len;

	/* TCP checksum enabled for RX only (what DPDK's 2 | 3 asks for) */
	fx->nic.offload.tcp4 = HV_NDIS_OFFLOAD_PARAM_RX;
	len = frame(f, 4, 6, 100, 1, 0x10, true);
	assert_int_equal(vsp_tx_data(&fx->nic, &fx->chan, msg, packet_msg(msg, csum, 1, f, len)),
			 HV_NVSP_STATUS_INVALID_RNDIS_PKT);
	assert_int_equal(fx->nic.stats.violations, 1);
	/* LSO never enabled */
	len = frame(f, 4, 6, 1500, 1, 0x10, true);
	assert_int_equal(vsp_tx_data(&fx->nic, &fx->chan, msg, packet_msg(msg, lso, 1, f, len)),
			 HV_NVSP_STATUS_INVALID_RNDIS_PKT);
	assert_int_equal(fx->nic.stats.violations, 2);
	/* longer than MTU + 14 without LSO */
	assert_int_equal(vsp_tx_data(&fx->nic, &fx->chan, msg, packet_msg(msg, NULL, 0, f, len)),
			 HV_NVSP_STATUS_INVALID_RNDIS_PKT);
	assert_int_equal(fx->nic.stats.violations, 3);
	assert_int_equal(nwire, 0);
	assert_int_equal(fx->nic.stats.tx_frames, 0);
	/* 1514 is fine */
	len = frame(f, 4, 6, 1460, 1, 0x10, false);
	assert_int_equal(vsp_tx_data(&fx->nic, &fx->chan, msg, packet_msg(msg, NULL, 0, f, len)),
			 HV_NVSP_STATUS_SUCCESS);
	assert_int_equal(nwire, 1);
}

/* ---- vRSS: what the guest programs, what the host hashes ------------------------ */

static const uint8_t rss_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Toeplitz bit by bit over bytes in wire order (not rte_softrss). */
static uint32_t
toeplitz(const uint8_t *key, const uint8_t *in, uint32_t len)
{
	uint32_t h = 0, win = get32(key), i, b;

	for (i = 0; i < len; i++) {
		for (b = 0; b < 8; b++) {
			if (in[i] & (0x80 >> b))
				h ^= win;
			win = win << 1 | ((key[i + 4] >> (7 - b)) & 1);
		}
	}
	return h;
}

struct rss_req {
	uint16_t flags;
	uint32_t hash_info;
	uint32_t entries;	/* table entries, all naming channel `queue` */
	uint32_t queue;
	uint16_t key_size;
	uint8_t key0;		/* first key byte (to tell keys apart) */
};

/* A SET of GEN_RECEIVE_SCALE_PARAMETERS laid out as our guest does; the
 * status of the completion the guest reads back. */
static uint32_t
rss_set(struct fx *fx, const struct rss_req *r)
{
	uint8_t msg[sizeof(struct hv_rndis_set_msg) + sizeof(struct hv_ndis_rss_blob)];
	struct hv_rndis_set_msg *m = (void *)msg;
	struct hv_ndis_rss_blob b;
	const uint8_t *rbuf = fx->nic.region[HV_UIO_RECV_BUF];
	struct hv_rndis_set_cmplt c;
	struct hv_xfer_page_hdr h;
	struct hv_xfer_range range;
	struct hv_ring_pkt pkt;
	bool sig = false;
	uint32_t i;

	memset(&b, 0, sizeof(b));
	b.params.hdr.type = HV_NDIS_OBJTYPE_RSS_PARAMS;
	b.params.hdr.rev = HV_NDIS_RSS_PARAMS_REV_2;
	b.params.hdr.size = HV_NDIS_RSS_PARAMS_SIZE_REV2;
	b.params.flags = r->flags;
	b.params.hash_info = r->hash_info;
	b.params.indir_size = (uint16_t)(r->entries * 4);
	b.params.indir_offset = HV_NDIS_RSS_BLOB_INDIR_OFFSET;
	b.params.hash_key_size = r->key_size;
	b.params.hash_key_offset = HV_NDIS_RSS_BLOB_KEY_OFFSET;
	for (i = 0; i < r->entries && i < HV_NDIS_RSS_INDIR_ENTRIES; i++)
		b.indir[i] = r->queue;
	memcpy(b.key, rss_key, sizeof(b.key));
	b.key[0] = r->key0;
	memset(m, 0, sizeof(*m));
	m->type = HV_RNDIS_SET_MSG;
	m->len = sizeof(msg);
	m->rid = 7;
	m->oid = HV_OID_GEN_RECEIVE_SCALE_PARAMETERS;
	m->info_len = sizeof(b);
	m->info_offset = HV_RNDIS_SET_INFO_OFFSET;
	memcpy(m + 1, &b, sizeof(b));
	assert_int_equal(vsp_rndis_control(&fx->nic, &fx->chan, msg, m->len),
			 HV_NVSP_STATUS_SUCCESS);
	/* the completion: one range in the receive buffer */
	assert_int_equal(hv_ring_peek(&fx->guest_in, &pkt, fx->scratch, sizeof(fx->scratch)), 1);
	memcpy(&h, pkt.data, sizeof(h));
	memcpy(&range, (const uint8_t *)pkt.data + sizeof(h), sizeof(range));
	memcpy(&c, rbuf + range.byte_offset, sizeof(c));
	assert_int_equal(c.type, HV_RNDIS_SET_CMPLT);
	assert_int_equal(c.rid, 7);
	hv_ring_consume(&fx->guest_in, pkt.len);
	hv_ring_read_commit(&fx->guest_in, &sig);
	assert_int_equal(vsp_rxbuf_complete(&fx->nic, h.desc.trans_id), 0);
	return c.status;
}

#define RSS_ALL	(HV_NDIS_HASH_FUNCTION_TOEPLITZ | HV_NDIS_HASH_IPV4 | HV_NDIS_HASH_TCP_IPV4 | \
		 HV_NDIS_HASH_IPV6 | HV_NDIS_HASH_TCP_IPV6 | HV_NDIS_HASH_IPV6_EX | \
		 HV_NDIS_HASH_TCP_IPV6_EX)

/* Every rule of the SET: a refused one is a violation and changes nothing. */
static void
test_rss_set_rules(void **state)
{
	struct fx *fx = *state;
	struct hvsim_nic *nic = &fx->nic;
	const struct rss_req good = {
		.hash_info = HV_NDIS_HASH_FUNCTION_TOEPLITZ | HV_NDIS_HASH_IPV4,
		.entries = 128, .key_size = 40, .key0 = 0x6d,
	};
	const struct {
		const char *what;
		struct rss_req r;
	} bad[] = {
		{ "key unchanged before one was set", { .flags = HV_NDIS_RSS_FLAG_HKEY_UNCHG,
		  .hash_info = RSS_ALL, .entries = 128, .key_size = 40 } },
		{ "no hash function", { .hash_info = HV_NDIS_HASH_IPV4, .entries = 128,
		  .key_size = 40 } },
		{ "hash type not advertised", { .hash_info = HV_NDIS_HASH_FUNCTION_TOEPLITZ |
		  HV_NDIS_HASH_UDP_IPV4_X, .entries = 128, .key_size = 40 } },
		{ "16-byte key", { .hash_info = RSS_ALL, .entries = 128, .key_size = 16 } },
		{ "100 entries", { .hash_info = RSS_ALL, .entries = 100, .key_size = 40 } },
		{ "no entries", { .hash_info = RSS_ALL, .entries = 0, .key_size = 40 } },
		{ "channel 1 of 1", { .hash_info = RSS_ALL, .entries = 128, .queue = 1,
		  .key_size = 40 } },
		{ "unknown flag", { .flags = 0x20, .hash_info = RSS_ALL, .entries = 128,
		  .key_size = 40 } },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		print_message("# refused: %s\n", bad[i].what);
		assert_int_equal(rss_set(fx, &bad[i].r), HV_RNDIS_STATUS_INVALID_DATA);
		assert_int_equal(nic->stats.violations, i + 1);
		assert_false(nic->rss_enabled);
		assert_false(nic->rss_programmed);
		/* once the first was refused, program a good state to compare */
		if (i == 0) {
			assert_int_equal(rss_set(fx, &good), HV_RNDIS_STATUS_SUCCESS);
			nic->rss_enabled = nic->rss_programmed = false;
		}
	}
	assert_int_equal(nic->rss_hash_info, good.hash_info);	/* nothing kept */
	assert_int_equal(nic->rss_key[0], 0x6d);
	/* accepted: 64 entries; then the key alone kept by HKEY_UNCHG */
	assert_int_equal(rss_set(fx, &(struct rss_req){ .hash_info = RSS_ALL, .entries = 64,
					.key_size = 40, .key0 = 0x11 }), HV_RNDIS_STATUS_SUCCESS);
	assert_true(nic->rss_enabled);
	assert_int_equal(nic->rss_table_size, 64);
	assert_int_equal(rss_set(fx, &(struct rss_req){ .flags = HV_NDIS_RSS_FLAG_HKEY_UNCHG,
					.hash_info = good.hash_info, .entries = 128,
					.key_size = 0, .key0 = 0x22 }), HV_RNDIS_STATUS_SUCCESS);
	assert_int_equal(nic->rss_key[0], 0x11);
	assert_int_equal(nic->rss_table_size, 128);
	assert_int_equal(nic->rss_hash_info, good.hash_info);
	/* disable */
	assert_int_equal(rss_set(fx, &(struct rss_req){ .flags = HV_NDIS_RSS_FLAG_DISABLE }),
			 HV_RNDIS_STATUS_SUCCESS);
	assert_false(nic->rss_enabled);
	assert_int_equal(nic->stats.violations, RTE_DIM(bad));
}

/* The hash PPIs of one frame: value and type, or none. */
static void
rss_rx(struct fx *fx, const uint8_t *f, uint32_t len, bool *hashed, uint32_t *hash,
       uint32_t *type)
{
	struct rx_pkt *p = malloc(sizeof(*p));

	assert_non_null(p);
	assert_int_equal(vsp_rx_frame(&fx->nic, f, len, 0), 0);
	vsp_rx_flush(&fx->nic);
	assert_int_equal(guest_read(fx, p), 1);
	assert_int_equal(p->msg[0].has_hash, p->msg[0].has_hashinf);
	*hashed = p->msg[0].has_hash;
	*hash = p->msg[0].hash;
	*type = p->msg[0].hashinf;
	free(p);
}

/* What the hash covers: addresses, then ports when with_ports. */
static uint32_t
expect_hash(const uint8_t *f, bool with_ports)
{
	uint8_t in[36];
	bool v4 = get16(f + 12) == 0x0800;
	uint32_t alen = v4 ? 8 : 32, l4 = ETH + (v4 ? 20 : 40);

	memcpy(in, f + ETH + (v4 ? 12 : 8), alen);
	if (with_ports)
		memcpy(in + alen, f + l4, 4);
	return toeplitz(rss_key, in, alen + (with_ports ? 4 : 0));
}

static void
check_hash(struct fx *fx, const uint8_t *f, uint32_t len, bool want, bool ports,
	   uint32_t want_type)
{
	bool hashed;
	uint32_t hash, type;

	rss_rx(fx, f, len, &hashed, &hash, &type);
	assert_int_equal(hashed, want);
	if (!want)
		return;
	assert_int_equal(hash, expect_hash(f, ports));
	assert_int_equal(type, HV_NDIS_HASH_FUNCTION_TOEPLITZ | want_type);
}

/* Every advertised type, by precedence; what no type covers is not hashed. */
static void
test_rss_hash_types(void **state)
{
	struct fx *fx = *state;
	uint8_t udp4[256], tcp4[256], frag4[256], udp6[256], tcp6[256];
	uint32_t lu4 = frame(udp4, 4, 17, 40, 1, 0, false);
	uint32_t lt4 = frame(tcp4, 4, 6, 40, 1, 0x10, false);
	uint32_t lf4 = frame(frag4, 4, 6, 40, 1, 0x10, false);
	uint32_t lu6 = frame(udp6, 6, 17, 40, 1, 0, false);
	uint32_t lt6 = frame(tcp6, 6, 6, 40, 1, 0x10, false);
	struct rss_req r = { .entries = 128, .key_size = 40, .key0 = 0x6d };

	frag4[ETH + 6] |= 0x20;	/* more fragments: no ports to hash */
	r.hash_info = RSS_ALL;
	assert_int_equal(rss_set(fx, &r), HV_RNDIS_STATUS_SUCCESS);
	check_hash(fx, udp4, lu4, true, false, HV_NDIS_HASH_IPV4);
	check_hash(fx, tcp4, lt4, true, true, HV_NDIS_HASH_TCP_IPV4);
	check_hash(fx, frag4, lf4, true, false, HV_NDIS_HASH_IPV4);
	check_hash(fx, udp6, lu6, true, false, HV_NDIS_HASH_IPV6_EX);
	check_hash(fx, tcp6, lt6, true, true, HV_NDIS_HASH_TCP_IPV6_EX);
	/* the plain IPv6 types */
	r.hash_info = HV_NDIS_HASH_FUNCTION_TOEPLITZ | HV_NDIS_HASH_IPV6 | HV_NDIS_HASH_TCP_IPV6;
	assert_int_equal(rss_set(fx, &r), HV_RNDIS_STATUS_SUCCESS);
	check_hash(fx, udp6, lu6, true, false, HV_NDIS_HASH_IPV6);
	check_hash(fx, tcp6, lt6, true, true, HV_NDIS_HASH_TCP_IPV6);
	check_hash(fx, udp4, lu4, false, false, 0);
	/* address types only: TCP hashed by its addresses */
	r.hash_info = HV_NDIS_HASH_FUNCTION_TOEPLITZ | HV_NDIS_HASH_IPV4 | HV_NDIS_HASH_IPV6_EX;
	assert_int_equal(rss_set(fx, &r), HV_RNDIS_STATUS_SUCCESS);
	check_hash(fx, tcp4, lt4, true, false, HV_NDIS_HASH_IPV4);
	check_hash(fx, tcp6, lt6, true, false, HV_NDIS_HASH_IPV6_EX);
	/* TCP/IPv4 only: UDP and fragments are not hashed */
	r.hash_info = HV_NDIS_HASH_FUNCTION_TOEPLITZ | HV_NDIS_HASH_TCP_IPV4;
	assert_int_equal(rss_set(fx, &r), HV_RNDIS_STATUS_SUCCESS);
	check_hash(fx, tcp4, lt4, true, true, HV_NDIS_HASH_TCP_IPV4);
	check_hash(fx, udp4, lu4, false, false, 0);
	check_hash(fx, frag4, lf4, false, false, 0);
	check_hash(fx, tcp6, lt6, false, false, 0);
	assert_int_equal(fx->nic.stats.rx_rss_hashed, 10);
	assert_int_equal(fx->nic.stats.violations, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rx_packet_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_csum_ppi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_mtu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_pass_publishes_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_pass_batches_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_rsc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_rsc_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_csum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_lso, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_violations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rss_set_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rss_hash_types, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
