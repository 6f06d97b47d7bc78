/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * RX against a hostile host (issue 14, defects 3, 4, 7, 9): the test is
 * the host and breaks the rules the receive path must not trust. Frames
 * longer than the MTU, transfer packets of more ranges than the buffer has
 * slots or whose ranges add up to more than the buffer, drains whose work
 * is counted in frames, coalesced packets whose first fragment is checked
 * before it is copied, receive-buffer layouts that would need gigabytes of
 * completion tables, the page table of a buffer that is not a multiple of
 * 4 KiB, and attached frames of a transfer packet with a broken chain.
 * Each drop is counted where xstats show it; every completion is checked.
 */

#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "fake_bus.h"
#include "hn_chan.h"
#include "hn_ctl.h"
#include "hn_lro.h"
#include "hn_rx.h"

#define RING_BYTES	(4096u + (256u << 10))
#define RXBUF_BYTES	(256u << 10)
#define RX_SLOTS	1024u
#define POOL_MBUFS	2047u
#define XID		0x4321u

int hn_logtype_init = RTE_LOGTYPE_USER1;
int hn_logtype_driver = RTE_LOGTYPE_USER1;

static struct rte_mempool *pool;

/* sinks above the files under test: nothing here sends them anything */
void
hn_rndis_status(struct hn_dev *hn, const uint8_t *msg, uint32_t len)
{
	(void)hn;
	(void)msg;
	(void)len;
	fail_msg("unexpected status indication");
}

int
hn_nvsp_inband(struct hn_dev *hn, const uint8_t *msg, uint32_t len)
{
	(void)hn;
	(void)msg;
	(void)len;
	fail_msg("unexpected in-band message");
	return 0;
}

/* ---- one device, one channel, one RX queue --------------------------------- */

static struct {
	struct hn_dev *hn;
	struct hn_chan *ch;
	struct vmbus_channel *vc;
	struct hn_rxq *rxq;
	uint32_t rx_off;
} fx;

static int
setup_with(uint32_t rxbuf_len, uint32_t slots, bool extmbuf)
{
	struct hn_dev *hn = rte_zmalloc("hn", sizeof(*hn), RTE_CACHE_LINE_SIZE);
	struct hn_rxq *rxq = rte_zmalloc("rxq", sizeof(*rxq), RTE_CACHE_LINE_SIZE);

	assert_non_null(hn);
	assert_non_null(rxq);
	memset(&fx, 0, sizeof(fx));
	hn->args.timeout_s = 1;
	hn->args.rx_extmbuf = extmbuf;
	hn->session = 1;
	hn->nvsp_state = HN_NVSP_READY;
	hn->rxbuf = rte_zmalloc("rxbuf", RTE_ALIGN_CEIL(rxbuf_len, 4096u), 4096);
	assert_non_null(hn->rxbuf);
	hn->rxbuf_len = rxbuf_len;
	hn->rx_slots = slots;
	hn->mtu = 1500;
	fx.hn = hn;
	fx.ch = &hn->chans[0];
	fx.vc = fake_chan_create(RING_BYTES);
	hn_chan_bind(hn, fx.ch, fx.vc);
	assert_int_equal(hn_chan_alloc_acks(hn, fx.ch), 0);
	hn->nchan = 1;
	rxq->hn = hn;
	rxq->ch = fx.ch;
	rxq->mp = pool;
	rxq->nb_desc = 256;
	rxq->buf_size = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
	hn_rxq_mbuf_template(rxq);
	rxq->staging = rte_ring_create("rxq_staging", 1024, SOCKET_ID_ANY,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(rxq->staging);
	rxq->scatter = true;
	rxq->vlan_strip = true;
	rxq->lro_max = HN_LRO_PKT_MAX;
	assert_int_equal(hn_rxq_lro_setup(rxq, SOCKET_ID_ANY), 0);
	if (extmbuf)
		assert_int_equal(hn_rxq_ext_setup(rxq, SOCKET_ID_ANY), 0);
	rxq->started = true;
	fx.rxq = rxq;
	fx.ch->rxq = rxq;
	hn_rxq_ext_open(rxq);	/* as the port's start does */
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	return setup_with(RXBUF_BYTES, RX_SLOTS, false);
}

static int
teardown(void **state)
{
	(void)state;
	hn_rxq_flush(fx.rxq);
	hn_rxq_lro_release(fx.rxq);
	hn_rxq_ext_release(fx.rxq);
	hn_rx_ext_orphans_close(fx.hn, true);	/* as the port's close does */
	rte_ring_free(fx.rxq->staging);
	rte_free(fx.rxq);
	hn_chan_reset(fx.ch, 0);
	fake_chan_destroy(fx.vc);
	rte_free(fx.hn->rxbuf);
	rte_free(fx.hn->rxbuf_pfn);
	rte_free(fx.hn);
	/* every mbuf back in the pool, whatever the host did */
	assert_int_equal(rte_mempool_avail_count(pool), POOL_MBUFS);
	return 0;
}

/* ---- the host's side ------------------------------------------------------ */

static struct hv_xfer_range
rxbuf_put(const void *msg, uint32_t len)
{
	struct hv_xfer_range r = { .byte_count = len, .byte_offset = fx.rx_off };

	assert_true(fx.rx_off + len <= fx.hn->rxbuf_len);
	memcpy(fx.hn->rxbuf + fx.rx_off, msg, len);
	fx.rx_off += RTE_ALIGN_CEIL(len, 64);
	return r;
}

#define XFER_RANGES_MAX	64u

static void
host_xfer(uint64_t xid, const struct hv_xfer_range *r, uint32_t n)
{
	uint8_t pkt[sizeof(struct hv_xfer_page_hdr) + XFER_RANGES_MAX * sizeof(*r)];
	struct hv_xfer_page_hdr *h = (void *)pkt;
	uint32_t len = sizeof(*h) + n * sizeof(*r);

	assert_true(n <= XFER_RANGES_MAX);
	memset(pkt, 0, sizeof(pkt));
	h->desc.type = HV_PKT_DATA_XFER_PAGES;
	h->desc.offset8 = (uint16_t)(len / 8);
	h->desc.len8 = (uint16_t)(RTE_ALIGN_CEIL(len, 8) / 8);
	h->desc.flags = HV_PKT_FLAG_COMPLETION_REQUESTED;
	h->desc.trans_id = xid;
	h->xfer_pageset_id = HV_RXBUF_XFER_PAGESET_ID;
	h->range_cnt = n;
	memcpy(h->ranges, r, n * sizeof(*r));
	assert_int_equal(fake_host_write(fx.vc, pkt, h->desc.len8 * 8u), 0);
}

static void
expect_rx_completion(uint64_t xid, uint32_t status)
{
	uint8_t pkt[256];
	struct hv_pkt_desc d;
	struct hv_nvsp_rndis_pkt_complete c;

	assert_int_equal(fake_host_read(fx.vc, pkt, sizeof(pkt)), 24);
	memcpy(&d, pkt, sizeof(d));
	assert_int_equal(d.type, HV_PKT_COMPLETION);
	assert_int_equal(d.trans_id, xid);
	memcpy(&c, pkt + d.offset8 * 8u, sizeof(c));
	assert_int_equal(c.type, HV_NVSP_MSG_RNDIS_PKT_COMPLETE);
	assert_int_equal(c.status, status);
}

static void
expect_nothing_sent(void)
{
	uint8_t pkt[64];

	assert_int_equal(fake_host_read(fx.vc, pkt, sizeof(pkt)), 0);
}

/* An RNDIS PACKET_MSG of frame[len] with the u32 PPIs given as (type,
 * value) pairs, into dst; returns its length. */
static uint32_t
packet_msg(uint8_t *dst, const uint8_t *frame, uint32_t len, unsigned int nppi, ...)
{
	struct hv_rndis_packet_msg h = { .type = HV_RNDIS_PACKET_MSG };
	uint8_t *ppi = dst + sizeof(h);
	uint32_t ppi_len = 0;
	unsigned int i;
	va_list ap;

	va_start(ap, nppi);
	for (i = 0; i < nppi; i++) {
		uint32_t type = va_arg(ap, uint32_t);
		uint32_t value = va_arg(ap, uint32_t);

		ppi_len += hv_rndis_ppi_put_u32(ppi + ppi_len, type, value);
	}
	va_end(ap);
	h.ppi_offset = nppi ? HV_RNDIS_PACKET_MSG_OFFSET_MIN : 0;
	h.ppi_len = ppi_len;
	h.data_offset = HV_RNDIS_PACKET_MSG_OFFSET_MIN + ppi_len;
	h.data_len = len;
	h.len = (uint32_t)sizeof(h) + ppi_len + len;
	memcpy(dst, &h, sizeof(h));
	memcpy(dst + sizeof(h) + ppi_len, frame, len);
	return h.len;
}

static void
make_frame(uint8_t *f, uint32_t len, uint8_t seed)
{
	static const uint8_t hdr[14] = {
		0x00, 0x15, 0x5d, 0x00, 0x00, 0x01, 0x00, 0x15, 0x5d, 0x00, 0x00, 0x02,
		0x08, 0x00,
	};
	uint32_t i;

	memcpy(f, hdr, sizeof(hdr));
	for (i = sizeof(hdr); i < len; i++)
		f[i] = (uint8_t)(seed + i);
}

/* A plain frame of len bytes as a PACKET_MSG in the receive buffer. */
static struct hv_xfer_range
put_frame(uint32_t len, uint8_t seed)
{
	static uint8_t frame[70000], msg[70100];

	make_frame(frame, len, seed);
	return rxbuf_put(msg, packet_msg(msg, frame, len, 0));
}

static void
free_all(struct rte_mbuf **m, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
}

/* A poll of the queue with nothing to receive: it sends the completions
 * free callbacks left for the channel's next drain. */
static void
poll_idle(void)
{
	struct rte_mbuf *m[1];

	assert_int_equal(hn_recv_pkts(fx.rxq, m, 1), 0);
}

/* ---- mbufs taken raw from the pool and rearmed ------------------------- */

/*
 * An mbuf the application left dirty (offload flags, VLAN, TX lengths,
 * data offset, another port) comes back from the pool raw: the queue's
 * rearm makes it exactly what rte_pktmbuf_reset() would, with the port
 * set, and a frame received into it carries nothing of before.
 */
static void
test_rx_mbuf_rearmed_like_reset(void **state)
{
	struct rte_mbuf *dirty, *want, *got, *m[2];
	struct hv_xfer_range r;
	uint8_t frame[60];

	(void)state;
	assert_true(fx.rxq->mbuf_raw);
	assert_int_equal(rte_mempool_get_bulk(pool, (void **)&dirty, 1), 0);
	want = rte_pktmbuf_alloc(pool);
	assert_non_null(want);
	dirty->ol_flags = RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_RSS_HASH | RTE_MBUF_F_TX_TCP_SEG;
	dirty->vlan_tci = 7;
	dirty->vlan_tci_outer = 8;
	dirty->tx_offload = 0x1234;
	dirty->packet_type = RTE_PTYPE_L4_TCP;
	dirty->data_off = 3;
	dirty->port = 77;
	dirty->pkt_len = 999;
	dirty->data_len = 999;
	fx.rxq->cache[0] = dirty;
	fx.rxq->cache_n = 1;
	got = hn_rx_mbuf(fx.rxq);
	assert_ptr_equal(got, dirty);
	assert_int_equal(got->data_off, want->data_off);
	assert_int_equal(rte_mbuf_refcnt_read(got), 1);
	assert_int_equal(got->nb_segs, 1);
	assert_null(got->next);
	assert_int_equal(got->port, fx.rxq->port_id);
	assert_int_equal(got->ol_flags, 0);
	assert_int_equal(got->packet_type, 0);
	assert_int_equal(got->pkt_len, 0);
	assert_int_equal(got->data_len, 0);
	assert_int_equal(got->vlan_tci, 0);
	assert_int_equal(got->vlan_tci_outer, 0);
	assert_int_equal(got->tx_offload, 0);
	rte_pktmbuf_free(want);
	/* and through the parser: the same mbuf, dirtied again, holds a frame */
	got->ol_flags = RTE_MBUF_F_RX_VLAN;
	got->vlan_tci = 7;
	got->data_off = 3;
	fx.rxq->cache[0] = got;
	fx.rxq->cache_n = 1;
	make_frame(frame, sizeof(frame), 9);
	r = put_frame(sizeof(frame), 9);
	host_xfer(XID, &r, 1);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 2), 1);
	assert_ptr_equal(m[0], got);
	assert_int_equal(m[0]->data_off, RTE_PKTMBUF_HEADROOM);
	assert_int_equal(m[0]->pkt_len, sizeof(frame));
	assert_int_equal(m[0]->ol_flags & RTE_MBUF_F_RX_VLAN, 0);
	assert_int_equal(m[0]->vlan_tci, 0);
	assert_memory_equal(rte_pktmbuf_mtod(m[0], void *), frame, sizeof(frame));
	free_all(m, 1);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
}

/* ---- defect 3: frame length and per-packet work ------------------------ */

/*
 * A frame longer than the MTU the host was given (plus header and tag) is
 * dropped and counted as too long, whatever the message holds and even
 * with scatter; one of exactly MTU + 18 bytes still arrives. The packet
 * is well formed: it completes with success.
 */
static void
test_rx_frame_longer_than_mtu_dropped(void **state)
{
	struct hv_xfer_range r[3];
	struct rte_mbuf *m[4];

	(void)state;
	r[0] = put_frame(60000, 1);
	r[1] = put_frame(1500 + HN_FRAME_OVERHEAD + 1, 2);
	r[2] = put_frame(1500 + HN_FRAME_OVERHEAD, 3);
	host_xfer(XID, r, 3);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 1);
	assert_int_equal(m[0]->pkt_len, 1500 + HN_FRAME_OVERHEAD);
	assert_int_equal(fx.rxq->stats.too_long, 2);
	assert_int_equal(fx.rxq->stats.packets, 1);
	assert_int_equal(fx.rxq->stats.errors, 0);
	free_all(m, 1);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
}

/* More ranges than the buffer has slots: no host can send that; the
 * packet is refused whole (counted once) and completed as failed. As many
 * as the slots are fine. */
static void
test_rx_more_ranges_than_slots_refused(void **state)
{
	struct hv_xfer_range r[5];
	struct rte_mbuf *m[8];
	unsigned int i;

	(void)state;
	fx.hn->rx_slots = 4;
	for (i = 0; i < 5; i++)
		r[i] = put_frame(64, (uint8_t)i);
	host_xfer(XID, r, 5);
	host_xfer(XID + 1, r, 4);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 8), 4);
	assert_int_equal(fx.ch->bad_packets, 1);
	assert_int_equal(fx.rxq->stats.packets, 4);
	free_all(m, 4);
	expect_rx_completion(XID, HV_NVSP_STATUS_FAILED);
	expect_rx_completion(XID + 1, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
}

/* Ranges that all point at one message and add up to more than the
 * receive buffer: what fits in the buffer is parsed, the rest refused,
 * counted once, and the packet completed as failed. */
static void
test_rx_ranges_larger_than_buffer_refused(void **state)
{
	struct hv_xfer_range r[8], one;
	struct rte_mbuf *m[8];
	unsigned int i;

	(void)state;
	one = put_frame(64, 9);
	for (i = 0; i < 8; i++) {
		r[i].byte_offset = one.byte_offset;
		r[i].byte_count = RXBUF_BYTES / 4;	/* the message and what follows it */
	}
	host_xfer(XID, r, 8);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 8), 4);
	assert_int_equal(fx.ch->bad_packets, 1);
	assert_int_equal(fx.rxq->stats.packets, 4);
	free_all(m, 4);
	expect_rx_completion(XID, HV_NVSP_STATUS_FAILED);
	expect_nothing_sent();
}

/* The drain's budget counts frames, not VMBus packets: 40 packets of 8
 * frames with a budget of 256 take two drains, 256 frames then 64. */
static void
test_rx_drain_budget_counts_frames(void **state)
{
	struct hv_xfer_range r[8];
	struct rte_mbuf *m[512];
	unsigned int i;

	(void)state;
	for (i = 0; i < 8; i++)
		r[i] = put_frame(64, (uint8_t)i);
	for (i = 0; i < 40; i++)
		host_xfer(XID + i, r, 8);
	assert_int_equal(hn_chan_drain(fx.hn, fx.ch, m, 512, HN_RX_BURST_BUDGET), 256);
	free_all(m, 256);
	for (i = 0; i < 32; i++)
		expect_rx_completion(XID + i, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
	assert_int_equal(hn_chan_drain(fx.hn, fx.ch, m, 512, HN_RX_BURST_BUDGET), 64);
	free_all(m, 64);
	for (i = 32; i < 40; i++)
		expect_rx_completion(XID + i, HV_NVSP_STATUS_SUCCESS);
	assert_int_equal(fx.rxq->stats.packets, 320);
}

#define TCP_HDRS	(14u + 20u + 20u)

/* A first fragment (SUBALLOC | FIRST) of packet id 1: its bytes are an
 * Ethernet frame with an IPv4 header of protocol proto, len bytes long. */
static struct hv_xfer_range
put_first_fragment(uint32_t len, uint8_t proto, uint16_t ip_len)
{
	static uint8_t frame[70000], msg[70100];
	struct rte_ipv4_hdr *ip = (void *)(frame + 14);
	struct hv_rndis_pktinfo_id fid = {
		.ver = HV_RNDIS_PKTINFO_ID_VER,
		.flag = HV_RNDIS_PKTINFO_SUBALLOC | HV_RNDIS_PKTINFO_FIRST_FRAG,
		.pkt_id = 1,
	};
	uint32_t v;

	make_frame(frame, len, 0);
	memset(ip, 0, sizeof(*ip) + sizeof(struct rte_tcp_hdr));
	ip->version_ihl = 0x45;
	ip->next_proto_id = proto;
	ip->total_length = rte_cpu_to_be_16(ip_len);
	((struct rte_tcp_hdr *)(ip + 1))->data_off = 0x50;
	memcpy(&v, &fid, sizeof(v));
	return rxbuf_put(msg, packet_msg(msg, frame, len, 1, HV_RNDIS_PPI_PKTINFO_ID, v));
}

/*
 * A first fragment whose headers are not TCP over IP: only its first mbuf
 * (where the headers must be) was copied before it was refused, not the
 * 60 KB behind. One longer than max_lro_pkt_size: nothing copied at all.
 * Each is one LRO error; the packet completes as failed.
 */
static void
test_lro_first_fragment_checked_before_copy(void **state)
{
	struct hv_xfer_range r;
	struct rte_mbuf *m[4];

	(void)state;
	r = put_first_fragment(60000, IPPROTO_UDP, 60000 - 14);
	host_xfer(XID, &r, 1);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 0);
	assert_int_equal(fx.rxq->stats.lro_errors, 1);
	/* one mbuf taken from the queue's cache of HN_RX_MBUF_CACHE */
	assert_int_equal(fx.rxq->cache_n, HN_RX_MBUF_CACHE - 1);
	expect_rx_completion(XID, HV_NVSP_STATUS_FAILED);

	hn_rxq_flush(fx.rxq);
	fx.rxq->lro_max = 2000;
	r = put_first_fragment(3000, IPPROTO_TCP, 3000 - 14);
	host_xfer(XID + 1, &r, 1);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 0);
	assert_int_equal(fx.rxq->stats.lro_errors, 2);
	assert_int_equal(fx.rxq->cache_n, 0);
	assert_int_equal(fx.rxq->stats.nombuf, 0);
	expect_rx_completion(XID + 1, HV_NVSP_STATUS_FAILED);
	expect_nothing_sent();
}

/* ---- defect 9: attached frames, their page table, their completion ------- */

/* Every frame attached in place (copybreak 0), on a buffer of slots. */
static int
setup_ext_slots(uint32_t slots)
{
	setup_with(RXBUF_BYTES, slots, true);
	fx.rxq->extmbuf = true;
	fx.rxq->copybreak = 0;
	return 0;
}

static int
setup_ext(void **state)
{
	(void)state;
	return setup_ext_slots(RX_SLOTS);
}

/* A page table for the attach path that needs no translation: page i of
 * the buffer is frame 0x1000 + i. */
static void
fake_pfn_table(void)
{
	uint64_t i, n = hn_rx_pfn_count(fx.hn->rxbuf_len);

	fx.hn->rxbuf_pfn = rte_malloc("pfn", n * sizeof(uint64_t), 0);
	assert_non_null(fx.hn->rxbuf_pfn);
	for (i = 0; i < n; i++)
		fx.hn->rxbuf_pfn[i] = 0x1000 + i;
}

/* The same, every page apart from the one before: page i is 0x1000 + 2i. */
static void
fake_pfn_table_apart(void)
{
	uint64_t i;

	fake_pfn_table();
	for (i = 0; i < RXBUF_BYTES / 4096u; i++)
		fx.hn->rxbuf_pfn[i] = 0x1000 + 2 * i;
}

/*
 * A transfer packet with an attached frame and a broken coalesced packet
 * (a first fragment, no last): the chain is dropped and counted, and the
 * packet's completion, sent when the application frees the frame, says it
 * failed, as it does when nothing was attached.
 */
static void
test_ext_completion_keeps_failed_status(void **state)
{
	struct hv_xfer_range r[2];
	struct rte_mbuf *m[4];

	(void)state;
	fake_pfn_table();
	r[0] = put_frame(200, 4);
	r[1] = put_first_fragment(TCP_HDRS + 100, IPPROTO_TCP, TCP_HDRS - 14 + 500);
	host_xfer(XID, r, 2);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 1);
	assert_true(RTE_MBUF_HAS_EXTBUF(m[0]));
	assert_int_equal(fx.rxq->stats.attached, 1);
	assert_int_equal(fx.rxq->stats.lro_errors, 1);
	expect_nothing_sent();	/* the frame holds the slots */
	rte_pktmbuf_free(m[0]);
	expect_nothing_sent();	/* left for the queue's next poll */
	poll_idle();
	expect_rx_completion(XID, HV_NVSP_STATUS_FAILED);
	expect_nothing_sent();
}

/*
 * A frame received in place and sent by address whose send the host
 * never completed (a stop gave up waiting): freeing it must not hand its
 * slot back, the host may still read it. Its neighbour in another
 * transfer packet, freed normally, is completed.
 */
static void
test_ext_abandoned_send_keeps_slot(void **state)
{
	struct hv_xfer_range r;
	struct rte_mbuf *m[4];

	(void)state;
	fake_pfn_table();
	r = put_frame(200, 4);
	host_xfer(XID, &r, 1);
	r = put_frame(300, 5);
	host_xfer(XID + 1, &r, 1);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 2);
	assert_true(RTE_MBUF_HAS_EXTBUF(m[0]) && RTE_MBUF_HAS_EXTBUF(m[1]));
	hn_rx_ext_abandon(m[0]);
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free(m[1]);
	poll_idle();
	expect_rx_completion(XID + 1, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
	/* a packet after it is completed as usual */
	r = put_frame(200, 6);
	host_xfer(XID + 2, &r, 1);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 1);
	rte_pktmbuf_free(m[0]);
	poll_idle();
	expect_rx_completion(XID + 2, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
}

static int
setup_ext_odd(void **state)
{
	(void)state;
	setup_with(RXBUF_BYTES + 512, RX_SLOTS, true);
	fx.rxq->extmbuf = true;
	fx.rxq->copybreak = 0;
	return 0;
}

/*
 * A receive buffer whose length is not a multiple of 4 KiB: its last,
 * partial page has an entry in the page table too (the table stopped one
 * page short, and the attach read past it), and a frame there is attached
 * with that page's address.
 */
static void
test_ext_pfn_table_covers_partial_page(void **state)
{
	struct rte_mbuf *m[2];
	struct hv_xfer_range r;
	uint64_t off;

	(void)state;
	assert_int_equal(hn_rx_pfn_count(RXBUF_BYTES), RXBUF_BYTES / 4096u);
	assert_int_equal(hn_rx_pfn_count(RXBUF_BYTES + 512), RXBUF_BYTES / 4096u + 1);
	assert_int_equal(hn_rx_pfn_count(1), 1);
	fake_pfn_table();
	fx.rx_off = RXBUF_BYTES;
	r = put_frame(200, 6);
	host_xfer(XID, &r, 1);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 2), 1);
	assert_true(RTE_MBUF_HAS_EXTBUF(m[0]));
	off = (uint64_t)(rte_pktmbuf_mtod(m[0], uint8_t *) - fx.hn->rxbuf);
	assert_int_equal(off >> 12, RXBUF_BYTES / 4096u);
	assert_int_equal(rte_pktmbuf_iova(m[0]), ((0x1000 + (off >> 12)) << 12) + (off & 4095));
	rte_pktmbuf_free(m[0]);
	poll_idle();
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
}

/* A frame across two pages that are not adjacent frames is copied: one
 * IOVA cannot describe it. One inside a page is attached. */
static void
test_ext_frame_across_scattered_pages_copied(void **state)
{
	struct rte_mbuf *m[4];
	struct hv_xfer_range r[2];
	uint64_t off;

	(void)state;
	fake_pfn_table_apart();
	fx.rx_off = 4096 - 128;
	r[0] = put_frame(200, 7);		/* crosses into page 1 */
	fx.rx_off = 8192;
	r[1] = put_frame(200, 8);		/* inside page 2 */
	host_xfer(XID, r, 2);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 2);
	assert_false(RTE_MBUF_HAS_EXTBUF(m[0]));
	assert_true(RTE_MBUF_HAS_EXTBUF(m[1]));
	off = (uint64_t)(rte_pktmbuf_mtod(m[1], uint8_t *) - fx.hn->rxbuf);
	assert_int_equal(off >> 12, 2);
	assert_int_equal(rte_pktmbuf_iova(m[1]), ((0x1000 + 2 * 2) << 12) + (off & 4095));
	assert_int_equal(fx.rxq->stats.attached, 1);
	assert_int_equal(fx.rxq->stats.ext_scattered, 1);
	assert_int_equal(m[0]->pkt_len, 200);
	free_all(m, 2);
	poll_idle();
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
}

/*
 * With RX scatter on, a frame across pages that are not adjacent frames is
 * attached as a chain, a segment per page run, each with its page's IOVA,
 * its bytes the frame's. One whose first run is too short to hold the
 * headers is copied: applications read headers from the first segment.
 */
static void
test_ext_frame_across_scattered_pages_chained_with_scatter(void **state)
{
	const uint32_t hdr = sizeof(struct hv_rndis_packet_msg);	/* no PPIs */
	uint8_t want[1400], got[1400];
	struct rte_mbuf *m[4], *seg;
	struct hv_xfer_range r[2];
	uint64_t off;

	(void)state;
	fake_pfn_table_apart();
	fx.rxq->scatter = true;
	fx.rx_off = 4096 - 556 - hdr;
	r[0] = put_frame(1400, 9);		/* 556 B in page 0, 844 in page 1 */
	fx.rx_off = 3 * 4096 - 50 - hdr;
	r[1] = put_frame(1400, 10);		/* 50 B in page 2: copied */
	host_xfer(XID, r, 2);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 2);
	assert_int_equal(m[0]->nb_segs, 2);
	assert_int_equal(m[0]->pkt_len, 1400);
	seg = m[0];
	assert_true(RTE_MBUF_HAS_EXTBUF(seg));
	assert_int_equal(seg->data_len, 556);
	off = (uint64_t)(rte_pktmbuf_mtod(seg, uint8_t *) - fx.hn->rxbuf);
	assert_int_equal(rte_pktmbuf_iova(seg), ((0x1000 + 2 * (off >> 12)) << 12) + (off & 4095));
	seg = seg->next;
	assert_true(RTE_MBUF_HAS_EXTBUF(seg));
	assert_int_equal(seg->data_len, 844);
	assert_int_equal(rte_pktmbuf_iova(seg), (uint64_t)(0x1000 + 2 * 1) << 12);
	assert_null(seg->next);
	make_frame(want, sizeof(want), 9);
	assert_memory_equal(rte_pktmbuf_read(m[0], 0, sizeof(got), got), want, sizeof(want));
	assert_false(RTE_MBUF_HAS_EXTBUF(m[1]));
	assert_int_equal(m[1]->pkt_len, 1400);
	assert_int_equal(fx.rxq->stats.attached, 1);
	assert_int_equal(fx.rxq->stats.ext_chained, 1);
	assert_int_equal(fx.rxq->stats.ext_scattered, 1);
	free_all(m, 2);
	poll_idle();
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
}

static int
setup_ext_many_slots(void **state)
{
	(void)state;
	/* as many slots as a 16 MiB buffer of 1728-byte slots, about */
	return setup_ext_slots(9709);
}

/*
 * Attached frames freed while nobody polls (an application that holds
 * frames, then sleeps): the free callbacks leave their completions for
 * the next poll until 32 wait, then send them all themselves, in the
 * order the frames were freed; the few freed after that go with the
 * next poll.
 */
static void
test_ext_completions_sent_by_callbacks_when_many_wait(void **state)
{
	struct rte_mbuf *m[40];
	struct hv_xfer_range r;
	unsigned int i;

	(void)state;
	assert_int_equal(fx.ch->ext_kick, 32);
	fake_pfn_table();
	for (i = 0; i < 40; i++) {
		fx.rx_off = i * 256u;	/* inside one page: attached */
		r = put_frame(200, (uint8_t)i);
		host_xfer(XID + i, &r, 1);
	}
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 40), 40);
	assert_int_equal(fx.rxq->stats.attached, 40);
	expect_nothing_sent();
	/* freed last to first */
	for (i = 0; i < 31; i++)
		rte_pktmbuf_free(m[39 - i]);
	expect_nothing_sent();
	rte_pktmbuf_free(m[39 - 31]);
	for (i = 0; i < 32; i++)
		expect_rx_completion(XID + 39 - i, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
	for (i = 32; i < 40; i++)
		rte_pktmbuf_free(m[39 - i]);
	expect_nothing_sent();
	poll_idle();
	for (i = 32; i < 40; i++)
		expect_rx_completion(XID + 39 - i, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
}

/*
 * How many completions wait for a poll: 32 per channel, fewer on a small
 * buffer, so that over all the channels a device can have at most a
 * quarter of the host's slots wait; on the smallest buffers every free
 * sends its own.
 */
static void
test_ext_kick_threshold_scales_with_slots(void **state)
{
	static const uint32_t slots[] = { 1, 128, 255, 256, 1024, 8191, 8192, 9709, 300000 };
	static const uint32_t want[] = { 1, 1, 1, 1, 4, 31, 32, 32, 32 };
	struct hn_chan c;
	uint32_t saved = fx.hn->rx_slots;
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(slots); i++) {
		memset(&c, 0, sizeof(c));
		c.index = 9;
		fx.hn->rx_slots = slots[i];
		assert_int_equal(hn_chan_alloc_acks(fx.hn, &c), 0);
		assert_int_equal(c.ext_kick, want[i]);
		assert_true(c.ext_kick * HN_MAX_QUEUES <= RTE_MAX(slots[i] / 4, HN_MAX_QUEUES));
		hn_chan_reset(&c, 9);
	}
	fx.hn->rx_slots = saved;
}

/*
 * A receiver that may sleep on its interrupt: the free callback sends
 * its completion at once, since no poll may come before the host needs
 * the slots.
 */
static void
test_ext_completion_sent_at_once_while_armed(void **state)
{
	struct rte_mbuf *m[2];
	struct hv_xfer_range r;

	(void)state;
	assert_int_equal(fx.ch->ext_kick, 32);
	fake_pfn_table();
	r = put_frame(200, 3);
	host_xfer(XID, &r, 1);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 2), 1);
	assert_true(RTE_MBUF_HAS_EXTBUF(m[0]));
	hn_rxq_set_armed(fx.rxq, 1);
	rte_pktmbuf_free(m[0]);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
	hn_rxq_set_armed(fx.rxq, 0);
}

/* n attached 200-byte frames, each in a transfer packet of its own
 * (xid XID + first + i), received into m. */
static void
receive_attached(struct rte_mbuf **m, unsigned int n, unsigned int first)
{
	struct hv_xfer_range r;
	unsigned int i;

	for (i = 0; i < n; i++) {
		fx.rx_off = (first + i) * 256u;	/* inside one page: attached */
		r = put_frame(200, (uint8_t)(first + i));
		host_xfer(XID + first + i, &r, 1);
	}
	assert_int_equal(hn_recv_pkts(fx.rxq, m, (uint16_t)n), n);
	for (i = 0; i < n; i++)
		assert_true(RTE_MBUF_HAS_EXTBUF(m[i]));
}

/* The name of the queue's pool's free ring: gone once the pool is. */
static void
pool_ring_name(char ring[RTE_RING_NAMESIZE])
{
	snprintf(ring, RTE_RING_NAMESIZE, "%s", fx.rxq->ext_pool->free->name);
}

/* n attached frames received (see receive_attached), then the queue
 * released while the application holds them. */
static void
receive_then_release(struct rte_mbuf **m, unsigned int n, char ring[RTE_RING_NAMESIZE])
{
	fake_pfn_table();
	receive_attached(m, n, 0);
	pool_ring_name(ring);
	hn_rxq_ext_release(fx.rxq);
}

/*
 * The application holds attached frames while the queue is released (a
 * reconfiguration). Their entries outlive the queue, and while the
 * session lives their completions are still the host's slots: they are
 * sent. The detach closes the pool; a frame freed after that sends
 * nothing, and the last one back frees the entries (their ring goes).
 */
static void
test_ext_frames_outlive_their_queue(void **state)
{
	char ring[RTE_RING_NAMESIZE];
	struct rte_mbuf *m[3];

	(void)state;
	receive_then_release(m, 3, ring);
	assert_null(fx.rxq->ext_pool);
	assert_int_equal(fx.hn->n_ext_orphans, 1);
	/* sent as each is freed: no queue may poll the channel now */
	rte_pktmbuf_free(m[1]);
	expect_rx_completion(XID + 1, HV_NVSP_STATUS_SUCCESS);
	rte_pktmbuf_free(m[0]);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
	hn_rx_ext_orphans_close(fx.hn, true);	/* the detach */
	assert_int_equal(fx.hn->n_ext_orphans, 0);
	assert_non_null(rte_ring_lookup(ring));	/* one still held */
	rte_pktmbuf_free(m[2]);
	assert_null(rte_ring_lookup(ring));
	poll_idle();
	expect_nothing_sent();
}

/* An orphan whose frames all came back is freed at the next release or
 * detach, whichever comes first; the list never holds it longer. */
static void
test_ext_orphan_freed_once_its_frames_are_back(void **state)
{
	char ring[RTE_RING_NAMESIZE];
	struct rte_mbuf *m[2];

	(void)state;
	receive_then_release(m, 2, ring);
	free_all(m, 2);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	expect_rx_completion(XID + 1, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
	assert_non_null(rte_ring_lookup(ring));	/* open: callbacks never free */
	hn_rx_ext_orphans_close(fx.hn, false);	/* as the next release does */
	assert_null(rte_ring_lookup(ring));
	assert_int_equal(fx.hn->n_ext_orphans, 0);
}

static int
setup_ext_three_slots(void **state)
{
	(void)state;
	return setup_ext_slots(3);
}

/*
 * A host with more transfer packets out than it has slots (ten on three):
 * their completions, freed while another thread owns the channel, wait
 * in a ring with room for one per slot and then some (7); those beyond
 * are lost and counted. The owner's next poll takes the ones that waited
 * into its completion queue, which holds one per slot and one more (4):
 * the rest are bad packets, as when a drain overflows it. Nothing is
 * written anywhere else, and the four go out in order.
 */
static void
test_ext_completions_beyond_slots_counted(void **state)
{
	struct rte_mbuf *m[10];
	unsigned int i;

	(void)state;
	assert_int_equal(fx.ch->ext_kick, 1);
	assert_int_equal(rte_ring_get_capacity(fx.ch->ext_acks), 7);
	fake_pfn_table();
	receive_attached(m, 10, 0);
	__atomic_store_n(&fx.ch->owner, 1, __ATOMIC_RELEASE);	/* a drain elsewhere */
	free_all(m, 10);
	assert_int_equal(fx.ch->ext_acks_lost, 3);
	expect_nothing_sent();
	__atomic_store_n(&fx.ch->owner, 0, __ATOMIC_RELEASE);
	poll_idle();
	for (i = 0; i < 4; i++)
		expect_rx_completion(XID + i, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
	assert_int_equal(fx.ch->ext_acks_lost, 3);
	assert_int_equal(fx.ch->bad_packets, 3);
	assert_true(rte_ring_empty(fx.ch->ext_acks));
}

/* Released with nothing held: the entries go at once. */
static void
test_ext_pool_freed_at_release_when_nothing_held(void **state)
{
	char ring[RTE_RING_NAMESIZE];
	struct rte_mbuf *m[2];

	(void)state;
	fake_pfn_table();
	receive_attached(m, 2, 0);
	free_all(m, 2);
	poll_idle();
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	expect_rx_completion(XID + 1, HV_NVSP_STATUS_SUCCESS);
	pool_ring_name(ring);
	hn_rxq_ext_release(fx.rxq);
	assert_null(rte_ring_lookup(ring));
}

/*
 * Frames held across a new session (an MTU change detaches and attaches
 * again): their completions are not sent, neither while the gate is
 * closed nor to the next session, whose host never gave those slots. The
 * frames of the new session complete as usual.
 */
static void
test_ext_frames_held_across_a_session_not_completed(void **state)
{
	struct rte_mbuf *old[2], *m[1];

	(void)state;
	fake_pfn_table();
	receive_attached(old, 2, 0);
	hn_rxq_ext_close(fx.rxq);	/* the detach */
	rte_pktmbuf_free(old[0]);
	poll_idle();
	expect_nothing_sent();
	fx.hn->session++;		/* the next attach */
	hn_rxq_ext_open(fx.rxq);	/* the next start */
	rte_pktmbuf_free(old[1]);
	poll_idle();
	expect_nothing_sent();
	receive_attached(m, 1, 2);
	rte_pktmbuf_free(m[0]);
	poll_idle();
	expect_rx_completion(XID + 2, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
	assert_int_equal(rte_ring_count(fx.rxq->ext_pool->free), fx.rxq->nb_desc);
}

/* Frees on another thread racing a control path: every entry comes back
 * exactly once, every completion due is sent exactly once, and a pool is
 * freed once (under ASan: no use after free), whichever side ends last. */
struct free_job {
	struct rte_mbuf **m;
	unsigned int n;
	bool done;	/* atomic */
};

static void *
free_frames(void *arg)
{
	struct free_job *j = arg;
	unsigned int i;

	for (i = 0; i < j->n; i++)
		rte_pktmbuf_free(j->m[i]);
	__atomic_store_n(&j->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* The completions the host finds now: each one of XID .. XID + 31, each
 * once; returns how many. */
static unsigned int
count_rx_completions(void)
{
	uint8_t pkt[256];
	struct hv_pkt_desc d;
	uint32_t seen = 0;
	unsigned int n = 0;
	int len;

	poll_idle();
	while ((len = fake_host_read(fx.vc, pkt, sizeof(pkt))) > 0) {
		assert_int_equal(len, 24);
		memcpy(&d, pkt, sizeof(d));
		assert_int_equal(d.type, HV_PKT_COMPLETION);
		assert_in_range(d.trans_id, XID, XID + 31);
		assert_false(seen & RTE_BIT32(d.trans_id - XID));
		seen |= RTE_BIT32(d.trans_id - XID);
		n++;
	}
	return n;
}

/* A queue released (and set up again) while another thread frees its
 * frames, inside one session: all 32 completions reach the host. */
static void
test_ext_release_races_frees(void **state)
{
	struct rte_mbuf *m[32];
	unsigned int round;

	(void)state;
	fake_pfn_table();
	for (round = 0; round < 200; round++) {
		struct free_job j = { .m = m, .n = 32 };
		char ring[RTE_RING_NAMESIZE];
		pthread_t t;

		if (round > 0) {
			assert_int_equal(hn_rxq_ext_setup(fx.rxq, SOCKET_ID_ANY), 0);
			hn_rxq_ext_open(fx.rxq);
		}
		receive_attached(m, 32, 0);
		pool_ring_name(ring);
		assert_int_equal(pthread_create(&t, NULL, free_frames, &j), 0);
		hn_rxq_ext_release(fx.rxq);
		assert_int_equal(pthread_join(t, NULL), 0);
		assert_int_equal(count_rx_completions(), 32);
		hn_rx_ext_orphans_close(fx.hn, round % 2 == 0);	/* a detach, or the next release */
		assert_null(rte_ring_lookup(ring));
	}
}

/* A start after a stop (same session) reopens nothing: frees racing it
 * all complete. */
static void
test_ext_restart_drops_no_completion(void **state)
{
	struct rte_mbuf *m[32];
	unsigned int round;

	(void)state;
	fake_pfn_table();
	for (round = 0; round < 200; round++) {
		struct free_job j = { .m = m, .n = 32 };
		pthread_t t;

		receive_attached(m, 32, 0);
		assert_int_equal(pthread_create(&t, NULL, free_frames, &j), 0);
		while (!__atomic_load_n(&j.done, __ATOMIC_ACQUIRE))
			hn_rxq_ext_open(fx.rxq);	/* what every start does */
		assert_int_equal(pthread_join(t, NULL), 0);
		assert_int_equal(count_rx_completions(), 32);
	}
	assert_int_equal(rte_ring_count(fx.rxq->ext_pool->free), fx.rxq->nb_desc);
}

/* ---- defect 7: the IPv4 header checksum of a frame left in place ---------- */

static volatile bool flipping;

/* The host rewrites the IHL of a frame the guest is checksumming: 5, 15. */
static void *
ihl_flipper(void *arg)
{
	volatile uint8_t *vihl = arg;

	while (flipping) {
		*vihl = 0x4f;
		*vihl = 0x45;
	}
	return NULL;
}

static void
no_free(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
}

/* A 34-byte IPv4 frame (a 20-byte header of proto, no payload) attached
 * to an mbuf at the very end of readable memory: a read past the frame
 * faults. *ip is its header; the two pages go with page_end_free(). */
#define PAGE_END_MAP	(2 * 4096u)

static struct rte_mbuf *
ip4_at_page_end(uint8_t **map, struct rte_ipv4_hdr **ip, struct rte_mbuf_ext_shared_info *shinfo,
		uint8_t proto)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *frame;

	*map = mmap(NULL, PAGE_END_MAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(*map != MAP_FAILED);
	assert_int_equal(mprotect(*map + PAGE_END_MAP / 2, PAGE_END_MAP / 2, PROT_NONE), 0);
	assert_non_null(m);
	frame = *map + PAGE_END_MAP / 2 - 34;
	make_frame(frame, 34, 0);
	*ip = (struct rte_ipv4_hdr *)(frame + 14);
	memset(*ip, 0, sizeof(**ip));
	(*ip)->version_ihl = 0x45;
	(*ip)->time_to_live = 64;
	(*ip)->next_proto_id = proto;
	(*ip)->total_length = rte_cpu_to_be_16(20);
	(*ip)->src_addr = rte_cpu_to_be_32(0x0a000001);
	(*ip)->dst_addr = rte_cpu_to_be_32(0x0a000002);
	shinfo->free_cb = no_free;
	rte_mbuf_ext_refcnt_set(shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, frame, 0, 34, shinfo);
	m->data_off = 0;
	m->data_len = 34;
	m->pkt_len = 34;
	return m;
}

static void
page_end_free(struct rte_mbuf *m, uint8_t *map)
{
	rte_pktmbuf_free(m);
	munmap(map, PAGE_END_MAP);
}

/*
 * An attached IPv4 frame of 34 bytes at the very end of the receive
 * buffer (a guard page behind it) whose IHL the host flips between 5 and
 * 15 while the guest recomputes the header checksum (§F.4 "value
 * invalid"): the IHL is read once and the header summed over what that
 * read said, never 60 bytes of a 20-byte header (past the buffer). The
 * sum, when the frame is left alone, is right.
 */
static void
test_recksum_reads_ihl_once(void **state)
{
	struct rte_mbuf_ext_shared_info shinfo;
	struct rte_ipv4_hdr *ip, want;
	struct rte_mbuf *m;
	uint8_t *map;
	pthread_t t;
	unsigned int i;

	(void)state;
	m = ip4_at_page_end(&map, &ip, &shinfo, IPPROTO_UDP);
	want = *ip;
	want.hdr_checksum = rte_ipv4_cksum(&want);
	hn_rx_ip4_recksum(m);
	assert_memory_equal(ip, &want, sizeof(want));
	flipping = true;
	assert_int_equal(pthread_create(&t, NULL, ihl_flipper, &ip->version_ihl), 0);
	for (i = 0; i < 2000000; i++)
		hn_rx_ip4_recksum(m);
	flipping = false;
	pthread_join(t, NULL);
	page_end_free(m, map);
}

/*
 * §F.4: an IPv4 header the host calls good but whose checksum field it
 * left stale (0x020 | 0x100) is put right; one the host calls bad (0x004
 * | 0x100) is delivered as it came, flagged bad, not made to look valid.
 */
static void
test_rx_ip4_csum_fixed_only_when_host_says_good(void **state)
{
	static const uint32_t csum[2] = {
		HV_RNDIS_RXCSUM_IP_OK | HV_RNDIS_RXCSUM_IP_INVALID,
		HV_RNDIS_RXCSUM_IP_FAILED | HV_RNDIS_RXCSUM_IP_INVALID,
	};
	uint8_t frame[2][60], msg[2][200];
	struct hv_xfer_range r[2];
	struct rte_mbuf *m[3];
	struct rte_ipv4_hdr *ip, want;
	unsigned int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		make_frame(frame[i], sizeof(frame[i]), (uint8_t)i);
		ip = (struct rte_ipv4_hdr *)(frame[i] + 14);
		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = 0x45;
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		ip->total_length = rte_cpu_to_be_16(46);
		ip->hdr_checksum = rte_cpu_to_be_16(0xbeef);	/* stale */
		r[i] = rxbuf_put(msg[i], packet_msg(msg[i], frame[i], sizeof(frame[i]), 1,
						    HV_RNDIS_PPI_CSUM, csum[i]));
	}
	host_xfer(XID, r, 2);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 3), 2);
	ip = rte_pktmbuf_mtod_offset(m[0], struct rte_ipv4_hdr *, 14);
	want = *ip;
	want.hdr_checksum = 0;
	assert_int_equal(ip->hdr_checksum, rte_ipv4_cksum(&want));
	assert_true(m[0]->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	ip = rte_pktmbuf_mtod_offset(m[1], struct rte_ipv4_hdr *, 14);
	assert_int_equal(ip->hdr_checksum, rte_cpu_to_be_16(0xbeef));
	assert_memory_equal(rte_pktmbuf_mtod(m[1], void *), frame[1], sizeof(frame[1]));
	assert_true(m[1]->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_BAD);
	free_all(m, 2);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
}

/*
 * A VF frame whose checksums are computed here: an IHL of 15 in a 34-byte
 * frame at the end of readable memory is not summed over 60 bytes (past
 * the frame, here into a page that faults); no IP flag for it. The same
 * frame with IHL 5 gets its header checked.
 */
static void
test_sw_csum_stays_in_frame(void **state)
{
	struct rte_mbuf_ext_shared_info shinfo;
	struct rte_ipv4_hdr *ip;
	struct rte_mbuf *m;
	uint8_t *map;

	(void)state;
	m = ip4_at_page_end(&map, &ip, &shinfo, IPPROTO_ICMP);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	assert_int_equal(hn_rx_sw_csum_flags(m), RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	ip->version_ihl = 0x4f;
	assert_int_equal(hn_rx_sw_csum_flags(m), 0);
	page_end_free(m, map);
}

/* ---- defect 4: the receive-buffer layout --------------------------------- */

/*
 * Sections of 1 B on a 31 MiB buffer would be 32 M slots, and as many
 * completion entries per channel (about 1 GiB): refused, as is any section
 * smaller than an RNDIS header and the smallest frame. The standard 1728 B
 * and the smallest accepted size pass; a layout past the buffer fails.
 */
static void
test_rx_sections_too_small_refused(void **state)
{
	const uint64_t buf = 31u << 20;
	const uint32_t min = (uint32_t)sizeof(struct hv_rndis_packet_msg) + 60u;

	(void)state;
	assert_int_equal(hn_rx_sections_check(0, 0, 1, (uint32_t)buf, buf), -EPROTO);
	assert_int_equal(hn_rx_sections_check(0, 0, min - 1, (uint32_t)(buf / (min - 1)), buf),
			 -EPROTO);
	assert_int_equal(hn_rx_sections_check(0, 0, min, (uint32_t)(buf / min), buf), 0);
	assert_int_equal(hn_rx_sections_check(0, 0, 1728, (uint32_t)(buf / 1728), buf), 0);
	assert_int_equal(hn_rx_sections_check(0, 1728, 1728, (uint32_t)(buf / 1728), buf),
			 -EPROTO);
	assert_int_equal(hn_rx_sections_check(0, 0, 1728, 0, buf), -EPROTO);
}

int
main(void)
{
	char *eal_args[] = {
		"test_pmd_rx_hostile", "--no-huge", "--no-pci", "-m", "128", "--no-shconf",
		"-l", "0", "--log-level=error",
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rx_mbuf_rearmed_like_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_frame_longer_than_mtu_dropped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_more_ranges_than_slots_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_ranges_larger_than_buffer_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_drain_budget_counts_frames, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lro_first_fragment_checked_before_copy,
						setup, teardown),
		cmocka_unit_test(test_rx_sections_too_small_refused),
		cmocka_unit_test(test_recksum_reads_ihl_once),
		cmocka_unit_test(test_sw_csum_stays_in_frame),
		cmocka_unit_test_setup_teardown(test_rx_ip4_csum_fixed_only_when_host_says_good, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ext_completion_keeps_failed_status, setup_ext,
						teardown),
		cmocka_unit_test_setup_teardown(test_ext_abandoned_send_keeps_slot, setup_ext,
						teardown),
		cmocka_unit_test_setup_teardown(test_ext_pfn_table_covers_partial_page,
						setup_ext_odd, teardown),
		cmocka_unit_test_setup_teardown(test_ext_completions_sent_by_callbacks_when_many_wait,
						setup_ext_many_slots, teardown),
		cmocka_unit_test_setup_teardown(test_ext_kick_threshold_scales_with_slots,
						setup_ext, teardown),
		cmocka_unit_test_setup_teardown(test_ext_completion_sent_at_once_while_armed,
						setup_ext_many_slots, teardown),
		cmocka_unit_test_setup_teardown(test_ext_frame_across_scattered_pages_copied,
						setup_ext, teardown),
		cmocka_unit_test_setup_teardown(
			test_ext_frame_across_scattered_pages_chained_with_scatter, setup_ext,
			teardown),
		cmocka_unit_test_setup_teardown(test_ext_frames_outlive_their_queue, setup_ext,
						teardown),
		cmocka_unit_test_setup_teardown(test_ext_pool_freed_at_release_when_nothing_held,
						setup_ext, teardown),
		cmocka_unit_test_setup_teardown(test_ext_frames_held_across_a_session_not_completed,
						setup_ext, teardown),
		cmocka_unit_test_setup_teardown(test_ext_release_races_frees, setup_ext,
						teardown),
		cmocka_unit_test_setup_teardown(test_ext_orphan_freed_once_its_frames_are_back,
						setup_ext, teardown),
		cmocka_unit_test_setup_teardown(test_ext_completions_beyond_slots_counted,
						setup_ext_three_slots, teardown),
		cmocka_unit_test_setup_teardown(test_ext_restart_drops_no_completion, setup_ext,
						teardown),
	};

	rte_openlog_stream(stderr);
	if (rte_eal_init((int)RTE_DIM(eal_args), eal_args) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	rte_openlog_stream(stderr);
	pool = rte_pktmbuf_pool_create("rx_hostile", POOL_MBUFS, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "no mbuf pool\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
