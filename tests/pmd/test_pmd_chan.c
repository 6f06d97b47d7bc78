/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The PMD's channel layer and fast paths (hn_chan.c, hn_ctl.c, hn_rx.c,
 * hn_lro.c, hn_tx.c) against an in-memory channel: the test is the host.
 * It writes VMBus packets into the guest's inbound ring and RNDIS
 * messages into the receive buffer, drains the channel as an lcore would,
 * and checks what comes out: mbufs (bytes, lengths, offload flags),
 * completions on the outbound ring (transaction id, status), counters,
 * the control mailbox, and TX descriptors freed by send completions.
 * EAL runs without hugepages, PCI or shared files, for the mempool.
 */

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "fake_bus.h"
#include "hn_chan.h"
#include "hn_ctl.h"
#include "hn_lro.h"
#include "hn_rx.h"
#include "hn_tx.h"
#include "hn_vf.h"

#define RING_BYTES	(4096u + (64u << 10))
#define RXBUF_BYTES	(256u << 10)
#define RX_SLOTS	128u
#define NB_DESC		32u
#define CHIM_SECTIONS	16u
#define CHIM_SECTION	6144u
#define POOL_MBUFS	1023u
#define XID		0x1234u

/* what the driver's log macros name; ethdev registers them in the PMD */
int hn_logtype_init = RTE_LOGTYPE_USER1;
int hn_logtype_driver = RTE_LOGTYPE_USER1;

static struct rte_mempool *pool;

/* ---- sinks above the files under test: record what reaches them ---------- */

static struct {
	unsigned int calls;
	uint32_t status;
} rndis_status_seen;

void
hn_rndis_status(struct hn_dev *hn, const uint8_t *msg, uint32_t len)
{
	struct hv_rndis_status_msg s;

	(void)hn;
	assert_true(len >= sizeof(s));
	memcpy(&s, msg, sizeof(s));
	rndis_status_seen.calls++;
	rndis_status_seen.status = s.status;
}

static struct {
	unsigned int calls;
	uint32_t type;
	uint32_t len;
} inband_seen;

/* the real one refuses types it does not know: so does this one */
int
hn_nvsp_inband(struct hn_dev *hn, const uint8_t *msg, uint32_t len)
{
	(void)hn;
	inband_seen.calls++;
	memcpy(&inband_seen.type, msg, sizeof(uint32_t));
	inband_seen.len = len;
	return inband_seen.type == HV_NVSP_MSG_VF_ASSOC ? 0 : -EBADMSG;
}

/* ---- one device with one channel and both queues -------------------------- */

struct fixture {
	struct hn_dev *hn;
	struct hn_chan *ch;
	struct vmbus_channel *vc;
	struct hn_rxq *rxq;
	struct hn_txq *txq;
	uint32_t rx_off;	/* next free byte of the receive buffer */
};

static struct fixture fx;
static uint8_t frame_behind[64];	/* the frame behind a bad descriptor */

static struct hn_rxq *
rxq_create(struct hn_dev *hn, struct hn_chan *ch)
{
	struct hn_rxq *rxq = rte_zmalloc("rxq", sizeof(*rxq), RTE_CACHE_LINE_SIZE);

	assert_non_null(rxq);
	rxq->hn = hn;
	rxq->ch = ch;
	rxq->mp = pool;
	rxq->nb_desc = 256;
	rxq->buf_size = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
	hn_rxq_mbuf_template(rxq);
	rxq->staging = rte_ring_create("rxq_staging", 256, SOCKET_ID_ANY,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(rxq->staging);
	rxq->scatter = true;
	rxq->vlan_strip = true;
	rxq->lro_max = HN_LRO_PKT_MAX;
	assert_int_equal(hn_rxq_lro_setup(rxq, SOCKET_ID_ANY), 0);
	rxq->started = true;
	return rxq;
}

static struct hn_txq *
txq_create(struct hn_dev *hn, struct hn_chan *ch)
{
	struct hn_txq *txq = rte_zmalloc("txq", sizeof(*txq), RTE_CACHE_LINE_SIZE);

	assert_non_null(txq);
	txq->hn = hn;
	txq->ch = ch;
	txq->nb_desc = NB_DESC;
	txq->txd = rte_zmalloc("txd", sizeof(*txq->txd) * NB_DESC, 0);
	txq->free_idx = rte_ring_create_elem("txq_free", sizeof(uint32_t), 64, SOCKET_ID_ANY,
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
	txq->hdr = rte_zmalloc("txh", NB_DESC * HN_TX_HDR_SIZE, 4096);
	assert_non_null(txq->txd);
	assert_non_null(txq->free_idx);
	assert_non_null(txq->hdr);
	txq->hdr_iova = rte_malloc_virt2iova(txq->hdr);
	assert_int_equal(hn_txq_bind(hn, txq, 1), 0);
	txq->started = true;
	return txq;
}

static int
setup(void **state)
{
	struct hn_dev *hn = rte_zmalloc("hn", sizeof(*hn), RTE_CACHE_LINE_SIZE);

	(void)state;
	assert_non_null(hn);
	memset(&fx, 0, sizeof(fx));
	memset(&rndis_status_seen, 0, sizeof(rndis_status_seen));
	memset(&inband_seen, 0, sizeof(inband_seen));
	hn->args.timeout_s = 1;
	hn->args.tx_copybreak = HN_TX_COPYBREAK_DEFAULT;
	hn->session = 1;
	hn->nvsp_state = HN_NVSP_READY;
	hn->rxbuf = rte_zmalloc("rxbuf", RXBUF_BYTES, 4096);
	hn->rxbuf_len = RXBUF_BYTES;
	hn->rx_slots = RX_SLOTS;
	hn->chim = rte_zmalloc("chim", CHIM_SECTIONS * CHIM_SECTION, 4096);
	hn->chim_len = CHIM_SECTIONS * CHIM_SECTION;
	hn->chim_section_size = CHIM_SECTION;
	hn->chim_count = CHIM_SECTIONS;
	hn->agg_max_pkts = 8;
	hn->agg_max_bytes = CHIM_SECTION;
	hn->agg_align = 8;
	hn->mtu = 1500;
	assert_non_null(hn->rxbuf);
	assert_non_null(hn->chim);
	fx.hn = hn;
	fx.ch = &hn->chans[0];
	fx.vc = fake_chan_create(RING_BYTES);
	hn_chan_bind(hn, fx.ch, fx.vc);
	assert_int_equal(hn_chan_alloc_acks(hn, fx.ch), 0);
	hn->nchan = 1;
	fx.rxq = rxq_create(hn, fx.ch);
	fx.txq = txq_create(hn, fx.ch);
	fx.ch->rxq = fx.rxq;
	fx.ch->txq = fx.txq;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	hn_rxq_flush(fx.rxq);
	hn_rxq_lro_release(fx.rxq);
	rte_ring_free(fx.rxq->staging);
	rte_free(fx.rxq);
	hn_txq_reclaim_all(fx.txq);
	rte_ring_free(fx.txq->free_idx);
	rte_free(fx.txq->txd);
	rte_free(fx.txq->hdr);
	rte_free(fx.txq);
	hn_chan_reset(fx.ch, 0);
	fake_chan_destroy(fx.vc);
	rte_free(fx.hn->rxbuf);
	rte_free(fx.hn->chim);
	rte_free(fx.hn);
	return 0;
}

/* ---- the host's side ------------------------------------------------------ */

/* Put msg into the receive buffer; returns its range. */
static struct hv_xfer_range
rxbuf_put(const void *msg, uint32_t len)
{
	struct hv_xfer_range r = { .byte_count = len, .byte_offset = fx.rx_off };

	memcpy(fx.hn->rxbuf + fx.rx_off, msg, len);
	fx.rx_off += RTE_ALIGN_CEIL(len, 64);
	return r;
}

/* A transfer-page packet of n ranges, as the host sends frames. */
static void
host_xfer(uint64_t xid, const struct hv_xfer_range *r, uint32_t n, uint16_t pageset)
{
	uint8_t pkt[sizeof(struct hv_xfer_page_hdr) +
		    HV_RNDIS_RX_RANGES_MAX * sizeof(struct hv_xfer_range)];
	struct hv_xfer_page_hdr *h = (void *)pkt;
	uint32_t len = sizeof(*h) + n * sizeof(*r);

	assert_true(n <= HV_RNDIS_RX_RANGES_MAX);

	memset(pkt, 0, sizeof(pkt));
	h->desc.type = HV_PKT_DATA_XFER_PAGES;
	h->desc.offset8 = (uint16_t)(len / 8);
	h->desc.len8 = (uint16_t)(RTE_ALIGN_CEIL(len, 8) / 8);
	h->desc.flags = HV_PKT_FLAG_COMPLETION_REQUESTED;
	h->desc.trans_id = xid;
	h->xfer_pageset_id = pageset;
	h->range_cnt = n;
	memcpy(h->ranges, r, n * sizeof(*r));
	assert_int_equal(fake_host_write(fx.vc, pkt, h->desc.len8 * 8u), 0);
}

/* A packet of `type` with payload data[dlen] (completion, in-band). */
static void
host_packet(uint16_t type, uint64_t xid, const void *data, uint32_t dlen)
{
	uint8_t pkt[256];
	struct hv_pkt_desc *d = (void *)pkt;
	uint32_t len = sizeof(*d) + dlen;

	memset(pkt, 0, sizeof(pkt));
	d->type = type;
	d->offset8 = sizeof(*d) / 8;
	d->len8 = (uint16_t)(RTE_ALIGN_CEIL(len, 8) / 8);
	d->trans_id = xid;
	if (dlen > 0)	/* data may be NULL then */
		memcpy(pkt + sizeof(*d), data, dlen);
	assert_int_equal(fake_host_write(fx.vc, pkt, d->len8 * 8u), 0);
}

/* The host reads the next guest packet, which must be a receive
 * completion of xid with status. */
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

/* An RNDIS PACKET_MSG carrying frame[len] and the u32 PPIs given as
 * (type, value) pairs; returns its length. */
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

/* A unicast Ethernet frame of len bytes, its payload counting up from seed. */
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

/* A plain frame of len bytes (make_frame) as a PACKET_MSG without PPIs
 * in the receive buffer; returns its range. */
static struct hv_xfer_range
put_frame(const uint8_t *frame, uint32_t len)
{
	uint8_t msg[2048];

	return rxbuf_put(msg, packet_msg(msg, frame, len, 0));
}

static struct hv_xfer_range
put_plain_frame(uint8_t *frame, uint32_t len, uint8_t seed)
{
	make_frame(frame, len, seed);
	return put_frame(frame, len);
}

static void
assert_mbuf_bytes(const struct rte_mbuf *m, const uint8_t *want, uint32_t len)
{
	uint8_t got[2048];

	assert_int_equal(m->pkt_len, len);
	assert_true(len <= sizeof(got));
	assert_memory_equal(rte_pktmbuf_read(m, 0, len, got), want, len);
}

static uint16_t
drain(struct rte_mbuf **pkts, uint16_t max)
{
	return hn_chan_drain(fx.hn, fx.ch, pkts, max, HN_RX_BURST_BUDGET);
}

/* ---- RX ------------------------------------------------------------------- */

/* A frame with checksum, hash and VLAN PPIs becomes one mbuf with the
 * same bytes and flags; its slots go back in one completion. */
static void
test_rx_frame_offloads(void **state)
{
	uint8_t frame[300], msg[512];
	struct hv_xfer_range r;
	struct rte_mbuf *m[4];

	(void)state;
	make_frame(frame, sizeof(frame), 7);
	r = rxbuf_put(msg, packet_msg(msg, frame, sizeof(frame), 4,
				      HV_RNDIS_PPI_CSUM,
				      HV_RNDIS_RXCSUM_IP_OK | HV_RNDIS_RXCSUM_TCP_OK,
				      HV_RNDIS_PPI_HASHVAL, 0xdeadbeefu,
				      HV_RNDIS_PPI_HASHINF, HV_NDIS_HASH_TCP_IPV4,
				      HV_RNDIS_PPI_VLAN, HV_RNDIS_VLAN_FROM_TCI(0x2064)));
	host_xfer(XID, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 1);
	assert_mbuf_bytes(m[0], frame, sizeof(frame));
	assert_int_equal(m[0]->ol_flags & (RTE_MBUF_F_RX_IP_CKSUM_MASK |
					   RTE_MBUF_F_RX_L4_CKSUM_MASK |
					   RTE_MBUF_F_RX_RSS_HASH | RTE_MBUF_F_RX_VLAN |
					   RTE_MBUF_F_RX_VLAN_STRIPPED),
			 RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD |
			 RTE_MBUF_F_RX_RSS_HASH | RTE_MBUF_F_RX_VLAN |
			 RTE_MBUF_F_RX_VLAN_STRIPPED);
	assert_int_equal(m[0]->hash.rss, 0xdeadbeefu);
	assert_int_equal(m[0]->vlan_tci, 0x2064);
	assert_int_equal(m[0]->packet_type, RTE_PTYPE_L2_ETHER);
	assert_int_equal(fx.rxq->stats.packets, 1);
	assert_int_equal(fx.rxq->stats.bytes, sizeof(frame));
	assert_int_equal(fx.rxq->stats.bins[HN_BIN_256_511], 1);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
	rte_pktmbuf_free(m[0]);
}

/* Several ranges: the frames in order, still one completion. */
static void
test_rx_three_frames_one_completion(void **state)
{
	uint8_t frame[3][100], msg[256];
	struct hv_xfer_range r[3];
	struct rte_mbuf *m[8];
	unsigned int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		make_frame(frame[i], 60 + 20 * i, (uint8_t)(i * 40));
		r[i] = rxbuf_put(msg, packet_msg(msg, frame[i], 60 + 20 * i, 0));
	}
	host_xfer(XID + 1, r, 3, HV_RXBUF_XFER_PAGESET_ID);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 8), 3);
	for (i = 0; i < 3; i++) {
		assert_mbuf_bytes(m[i], frame[i], 60 + 20 * i);
		assert_int_equal(m[i]->ol_flags & RTE_MBUF_F_RX_RSS_HASH, 0);
		rte_pktmbuf_free(m[i]);
	}
	expect_rx_completion(XID + 1, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
}

/* Fill the guest's outbound ring with in-band packets until `room` bytes
 * (a multiple of 8) are free. */
static void
outbound_fill(uint32_t room)
{
	static const uint8_t filler[4096];
	bool sig = false;

	for (;;) {
		uint32_t space = hv_ring_space(fx.vc->tx.hdr->write_index,
					       fx.vc->tx.hdr->read_index, fx.vc->tx.dsize);
		uint32_t take = space - room, dlen;

		if (take == 0)
			return;
		/* a packet takes 16 B of descriptor, its data and 8 B of trailer;
		 * what is left must be 0 or hold another packet */
		dlen = take - 24 <= 2048 ? take - 24 : (take - 24 - 2048 >= 24 ? 2048 : 1024);
		assert_int_equal(vmbus_chan_send(fx.vc, HV_PKT_DATA_INBAND, filler, dlen, 0, 0,
						 &sig), 0);
	}
}

/* The host reads the guest's packets up to the next receive completion,
 * which must be of xid (in-band fillers before it are skipped). */
static void
expect_rx_completion_after_fillers(uint64_t xid)
{
	uint8_t pkt[4096];
	struct hv_pkt_desc d;
	uint32_t len;

	for (;;) {
		len = fake_host_read(fx.vc, pkt, sizeof(pkt));
		assert_true(len >= sizeof(d));
		memcpy(&d, pkt, sizeof(d));
		if (d.type != HV_PKT_DATA_INBAND)
			break;
	}
	assert_int_equal(len, 24);
	assert_int_equal(d.type, HV_PKT_COMPLETION);
	assert_int_equal(d.trans_id, xid);
}

/*
 * Receive completions leave in the order their packets came, also when
 * the queue of them wraps and when the outbound ring is nearly full: a
 * run that does not fit goes one completion at a time as far as the ring
 * has room, the rest waits (counted once in acks_deferred) and leaves
 * with the next poll.
 */
static void
test_rx_completions_wait_for_ring_room(void **state)
{
	uint8_t frame[60], msg[256];
	struct hv_xfer_range r;
	struct rte_mbuf *m[32];
	uint64_t xid = 1000;
	unsigned int round, i;

	(void)state;
	make_frame(frame, sizeof(frame), 9);
	r = rxbuf_put(msg, packet_msg(msg, frame, sizeof(frame), 0));
	/* four rounds of 30 move the queue's head to 120 of its 129 places */
	assert_int_equal(fx.ch->ack_cap, RX_SLOTS + 1);
	for (round = 0; round < 4; round++, xid += 30) {
		for (i = 0; i < 30; i++)
			host_xfer(xid + i, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
		assert_int_equal(hn_recv_pkts(fx.rxq, m, 32), 30);
		rte_pktmbuf_free_bulk(m, 30);
		for (i = 0; i < 30; i++)
			expect_rx_completion(xid + i, HV_NVSP_STATUS_SUCCESS);
		expect_nothing_sent();
	}
	assert_int_equal(fx.ch->ack_head, 120);
	assert_int_equal(fx.ch->acks_deferred, 0);
	/* room for five completions of 32 B (24 and the trailer), not six */
	outbound_fill(5 * 32 + 8);
	for (i = 0; i < 10; i++)
		host_xfer(xid + i, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 32), 10);
	for (i = 0; i < 10; i++)
		assert_mbuf_bytes(m[i], frame, sizeof(frame));
	rte_pktmbuf_free_bulk(m, 10);
	assert_int_equal(fx.ch->ack_count, 5);
	assert_int_equal(fx.ch->acks_deferred, 5);
	expect_rx_completion_after_fillers(xid);
	for (i = 1; i < 5; i++)
		expect_rx_completion(xid + i, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
	/* the next poll sends the rest, across the queue's wrap */
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 32), 0);
	for (i = 5; i < 10; i++)
		expect_rx_completion(xid + i, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
	assert_int_equal(fx.ch->ack_count, 0);
	assert_int_equal(fx.ch->ack_head, (120 + 10) - (RX_SLOTS + 1));
	assert_int_equal(fx.ch->acks_deferred, 5);
}

/*
 * Frames that end exactly where the receive buffer does, with an
 * unreadable page right behind it, arrive whole: no copy reads past the
 * buffer (a copy in whole steps past a frame's end must stop at it).
 */
static void
test_rx_short_frame_at_buffer_end(void **state)
{
	uint8_t *saved = fx.hn->rxbuf, *guarded, frame[256], msg[512];
	static const uint32_t lens[] = { 60, 61, 64, 65, 100, 127, 255, 256 };
	struct rte_mbuf *m[4];
	struct hv_xfer_range r;
	unsigned int i;

	(void)state;
	guarded = mmap(NULL, RXBUF_BYTES + 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(guarded != MAP_FAILED);
	assert_int_equal(mprotect(guarded + RXBUF_BYTES, 4096, PROT_NONE), 0);
	fx.hn->rxbuf = guarded;
	for (i = 0; i < RTE_DIM(lens); i++) {
		uint32_t mlen;

		make_frame(frame, lens[i], (uint8_t)i);
		mlen = packet_msg(msg, frame, lens[i], 0);
		fx.rx_off = RXBUF_BYTES - mlen;	/* the frame ends with the buffer */
		r = rxbuf_put(msg, mlen);
		host_xfer(XID + i, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
		assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 1);
		assert_mbuf_bytes(m[0], frame, lens[i]);
		rte_pktmbuf_free(m[0]);
		expect_rx_completion(XID + i, HV_NVSP_STATUS_SUCCESS);
	}
	fx.hn->rxbuf = saved;
	munmap(guarded, RXBUF_BYTES + 4096);
}

/* With VLAN stripping off the host's tag goes back into the frame. */
static void
test_rx_vlan_reinserted(void **state)
{
	uint8_t frame[80], msg[256];
	struct hv_xfer_range r;
	struct rte_mbuf *m;
	const uint8_t *p;

	(void)state;
	fx.rxq->vlan_strip = false;
	make_frame(frame, sizeof(frame), 1);
	r = rxbuf_put(msg, packet_msg(msg, frame, sizeof(frame), 1, HV_RNDIS_PPI_VLAN,
				      HV_RNDIS_VLAN_FROM_TCI(100)));
	host_xfer(XID, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
	assert_int_equal(hn_recv_pkts(fx.rxq, &m, 1), 1);
	assert_int_equal(m->pkt_len, sizeof(frame) + 4);
	assert_int_equal(m->ol_flags & (RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED), 0);
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_memory_equal(p, frame, 12);
	assert_int_equal(p[12], 0x81);
	assert_int_equal(p[13], 0x00);
	assert_int_equal(p[15], 100);
	assert_memory_equal(p + 16, frame + 12, sizeof(frame) - 12);
	rte_pktmbuf_free(m);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
}

/* A message whose data runs past its end is counted and dropped; the
 * good frame after it in the same packet still arrives; the completion
 * says the packet had a failure. */
static void
test_rx_truncated_message_dropped(void **state)
{
	uint8_t frame[64], msg[256];
	struct hv_rndis_packet_msg h;
	struct hv_xfer_range r[2];
	struct rte_mbuf *m[4];
	uint32_t len;

	(void)state;
	make_frame(frame, sizeof(frame), 3);
	len = packet_msg(msg, frame, sizeof(frame), 0);
	memcpy(&h, msg, sizeof(h));
	h.data_len = 4000;	/* past the message */
	memcpy(msg, &h, sizeof(h));
	r[0] = rxbuf_put(msg, len);
	r[1] = rxbuf_put(msg, packet_msg(msg, frame, sizeof(frame), 0));
	host_xfer(XID, r, 2, HV_RXBUF_XFER_PAGESET_ID);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 1);
	assert_mbuf_bytes(m[0], frame, sizeof(frame));
	rte_pktmbuf_free(m[0]);
	assert_int_equal(fx.rxq->stats.errors, 1);
	assert_int_equal(fx.rxq->stats.packets, 1);
	expect_rx_completion(XID, HV_NVSP_STATUS_FAILED);
}

/* Garbage where a transfer-page header should be: another page set, a
 * range count larger than the packet, a range outside the receive
 * buffer. Each is counted, still completed, and nothing is delivered. */
static void
test_rx_bad_transfer_packets(void **state)
{
	uint8_t frame[64];
	struct hv_xfer_range r;
	struct rte_mbuf *m[4];
	uint8_t pkt[sizeof(struct hv_xfer_page_hdr) + 8];
	struct hv_xfer_page_hdr *h = (void *)pkt;

	(void)state;
	r = put_plain_frame(frame, sizeof(frame), 9);
	host_xfer(1, &r, 1, 0x1111);			/* wrong page set */
	memset(pkt, 0, sizeof(pkt));
	h->desc.type = HV_PKT_DATA_XFER_PAGES;
	h->desc.offset8 = sizeof(pkt) / 8;
	h->desc.len8 = sizeof(pkt) / 8;
	h->desc.trans_id = 2;
	h->xfer_pageset_id = HV_RXBUF_XFER_PAGESET_ID;
	h->range_cnt = 5;				/* room for one */
	memcpy(h->ranges, &r, sizeof(r));
	assert_int_equal(fake_host_write(fx.vc, pkt, sizeof(pkt)), 0);
	r.byte_offset = RXBUF_BYTES - 16;		/* runs off the end */
	host_xfer(3, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 0);
	assert_int_equal(fx.ch->bad_packets, 2);
	assert_int_equal(fx.rxq->stats.errors, 1);
	assert_int_equal(fx.rxq->stats.packets, 0);
	expect_rx_completion(1, HV_NVSP_STATUS_FAILED);
	expect_rx_completion(2, HV_NVSP_STATUS_FAILED);
	expect_rx_completion(3, HV_NVSP_STATUS_FAILED);
	expect_nothing_sent();
}

/* A VMBus packet type the protocol does not use is skipped and counted;
 * the frame behind it is still read. */
static void
test_rx_unknown_packet_type(void **state)
{
	uint8_t frame[64], junk[16] = { 0 };
	struct hv_xfer_range r;
	struct rte_mbuf *m[2];

	(void)state;
	host_packet(0x9, 77, junk, sizeof(junk));
	r = put_plain_frame(frame, sizeof(frame), 5);
	host_xfer(XID, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 2), 1);
	assert_int_equal(fx.ch->bad_packets, 1);
	rte_pktmbuf_free(m[0]);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
}

/* A descriptor whose offset8 is out of bounds (the ring's -EBADMSG) but
 * whose length is sane is skipped and counted: the frame and the
 * completion behind it are still read (it wedged the channel for good). */
static void
test_rx_malformed_descriptor_skipped(void **state)
{
	uint8_t frame[64], pkt[32] = { 0 };
	struct hv_pkt_desc *d = (void *)pkt;
	struct hv_xfer_range r;
	struct rte_mbuf *m[2];
	unsigned int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		d->type = HV_PKT_COMPLETION;
		d->offset8 = i == 0 ? 1 : 5;	/* below the descriptor, past the packet */
		d->len8 = sizeof(pkt) / 8;
		assert_int_equal(fake_host_write(fx.vc, pkt, sizeof(pkt)), 0);
	}
	r = put_plain_frame(frame, sizeof(frame), 9);
	host_xfer(XID, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 2), 1);
	assert_mbuf_bytes(m[0], frame, sizeof(frame));
	assert_int_equal(fx.ch->bad_descriptors, 2);
	rte_pktmbuf_free(m[0]);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	/* the next poll finds an empty ring, nothing more counted */
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 2), 0);
	assert_int_equal(fx.ch->bad_descriptors, 2);
}

/* A drain on TX's behalf (no burst array) parks frames in the staging
 * ring; the receiver's next burst returns them first. */
static void
test_rx_staged_for_receiver(void **state)
{
	uint8_t frame[64];
	struct hv_xfer_range r;
	struct rte_mbuf *m[2];

	(void)state;
	r = put_plain_frame(frame, sizeof(frame), 11);
	host_xfer(XID, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
	hn_chan_drain_for_tx(fx.txq);
	assert_int_equal(fx.rxq->stats.staged, 1);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 2), 1);
	assert_mbuf_bytes(m[0], frame, sizeof(frame));
	rte_pktmbuf_free(m[0]);
}

/*
 * A drain on TX's behalf, while the receiver polls, parks only what the
 * staging ring can keep: a transfer packet with more frames than it has
 * room for waits for the receiver, however many frames the host put in
 * one packet (OpenVMM's netvsp: up to 375). Nothing is dropped.
 */
static void
test_rx_staged_whole_packets_only(void **state)
{
	enum { FRAMES = 100, ROOM = 80 };	/* room: over the headroom, under the packet */
	static uint8_t frames[FRAMES][64];
	static void *fill[256];
	struct hv_xfer_range r[FRAMES];
	struct rte_mbuf *m[32];
	unsigned int i, n, got = 0;

	(void)state;
	n = rte_ring_free_count(fx.rxq->staging) - ROOM;
	for (i = 0; i < n; i++)
		fill[i] = frames;	/* not mbufs: taken out again below */
	assert_int_equal(rte_ring_enqueue_bulk(fx.rxq->staging, fill, n, NULL), n);
	for (i = 0; i < FRAMES; i++)
		r[i] = put_plain_frame(frames[i], sizeof(frames[i]), (uint8_t)i);
	host_xfer(XID, r, FRAMES, HV_RXBUF_XFER_PAGESET_ID);
	fx.rxq->polls++;	/* the receiver polled since TX's last drain */
	hn_chan_drain_for_tx(fx.txq);
	assert_int_equal(fx.rxq->stats.staged, 0);
	assert_int_equal(fx.rxq->stats.staging_full, 0);
	expect_nothing_sent();
	assert_int_equal(rte_ring_dequeue_bulk(fx.rxq->staging, fill, n, NULL), n);
	/* the receiver takes them all, in order, and the packet completes */
	while (got < FRAMES) {
		uint16_t k = hn_recv_pkts(fx.rxq, m, 32);

		assert_true(k > 0);
		for (i = 0; i < k; i++) {
			assert_mbuf_bytes(m[i], frames[got + i], sizeof(frames[0]));
			rte_pktmbuf_free(m[i]);
		}
		got += k;
	}
	assert_int_equal(fx.rxq->stats.staging_full, 0);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
}

/* A plain frame whose last two bytes are its index: frames 256 apart
 * differ (make_frame's seed is 8 bits). */
static struct hv_xfer_range
put_indexed_frame(uint8_t *frame, uint32_t len, uint16_t idx)
{
	make_frame(frame, len, (uint8_t)idx);
	frame[len - 2] = (uint8_t)(idx >> 8);
	frame[len - 1] = (uint8_t)idx;
	return put_frame(frame, len);
}

enum { BATCH = HV_RNDIS_RX_RANGES_MAX, SMALL_DESC = 64, POLL = 32 };
static uint8_t batch_frames[BATCH + 1][64];

/* The queue's staging ring as the driver sizes it for SMALL_DESC, and
 * slots for a batch; then a host's batch of BATCH frames, and one frame
 * in a packet of its own behind it. */
static void
small_queue_and_batch(uint64_t behind_xid)
{
	static struct hv_xfer_range r[BATCH];
	struct hv_xfer_range last;
	unsigned int i;

	rte_ring_free(fx.rxq->staging);
	fx.rxq->nb_desc = SMALL_DESC;
	fx.rxq->staging = rte_ring_create("rxq_staging_small", hn_rxq_staging_size(SMALL_DESC),
					  SOCKET_ID_ANY,
					  RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	assert_non_null(fx.rxq->staging);
	/* a buffer of at least as many slots; one completion is queued at
	 * a time here, so the fixture's completion queue is enough */
	fx.hn->rx_slots = BATCH;
	for (i = 0; i < BATCH; i++)
		r[i] = put_indexed_frame(batch_frames[i], sizeof(batch_frames[i]), (uint16_t)i);
	host_xfer(XID, r, BATCH, HV_RXBUF_XFER_PAGESET_ID);
	last = put_indexed_frame(batch_frames[BATCH], sizeof(batch_frames[BATCH]), BATCH);
	host_xfer(behind_xid, &last, 1, HV_RXBUF_XFER_PAGESET_ID);
}

/* Polls for POLL until `want` frames came; they must be batch_frames[first..]. */
static void
poll_batch_frames(unsigned int first, unsigned int want)
{
	struct rte_mbuf *m[POLL];
	unsigned int i, got = 0;

	while (got < want) {
		uint16_t k = hn_recv_pkts(fx.rxq, m, RTE_MIN((unsigned int)POLL, want - got));

		assert_true(k > 0);
		for (i = 0; i < k; i++) {
			assert_mbuf_bytes(m[i], batch_frames[first + got + i], 64);
			rte_pktmbuf_free(m[i]);
		}
		got += k;
	}
}

/*
 * A queue set up with few descriptors, and a host that sends as many
 * frames in one transfer packet as NDIS 6 allows (375, as OpenVMM's
 * netvsp does): a poll for 32 parks the other 343 in the staging ring,
 * which the driver sizes for that whatever the queue's size, and leaves
 * the packet behind in the ring. The next polls take them all, in order.
 * Nothing is dropped.
 */
static void
test_rx_poll_small_queue_whole_batch(void **state)
{
	struct rte_mbuf *m[POLL];
	unsigned int i;

	(void)state;
	small_queue_and_batch(XID + 1);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, POLL), POLL);
	for (i = 0; i < POLL; i++) {
		assert_mbuf_bytes(m[i], batch_frames[i], 64);
		rte_pktmbuf_free(m[i]);
	}
	assert_int_equal(fx.rxq->stats.staged, BATCH - POLL);
	assert_int_equal(fx.rxq->stats.staging_full, 0);
	assert_false(hn_chan_idle(fx.ch));	/* the frame behind waits */
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	poll_batch_frames(POLL, BATCH + 1 - POLL);
	expect_rx_completion(XID + 1, HV_NVSP_STATUS_SUCCESS);
	assert_int_equal(fx.rxq->stats.packets, BATCH + 1);
	assert_int_equal(fx.rxq->stats.staging_full, 0);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, POLL), 0);
}

/*
 * A TX drain parked frames in the staging ring after the receiver's poll
 * emptied it (another lcore, between its dequeue and its drain): the
 * poll's drain stops before a batch that the burst and what staging has
 * left cannot hold, and the next polls take the parked frames first,
 * then the batch. Nothing is dropped.
 */
static void
test_rx_poll_waits_behind_parked_frames(void **state)
{
	enum { PARKED = 100 };
	struct rte_mbuf *parked[PARKED], *m[POLL];
	unsigned int i, got = 0;

	(void)state;
	small_queue_and_batch(XID + 1);
	assert_int_equal(rte_pktmbuf_alloc_bulk(pool, parked, PARKED), 0);
	assert_int_equal(rte_ring_enqueue_bulk(fx.rxq->staging, (void **)parked, PARKED, NULL),
			 PARKED);
	/* the drain a poll makes once staging went into its burst */
	assert_int_equal(hn_chan_drain(fx.hn, fx.ch, m, POLL, HN_RX_BURST_BUDGET), 0);
	assert_int_equal(fx.rxq->stats.staging_full, 0);
	assert_int_equal(rte_ring_count(fx.rxq->staging), PARKED);
	expect_nothing_sent();
	while (got < PARKED) {
		uint16_t k = hn_recv_pkts(fx.rxq, m, RTE_MIN((unsigned int)POLL, PARKED - got));

		assert_true(k > 0);
		for (i = 0; i < k; i++) {
			assert_ptr_equal(m[i], parked[got + i]);
			rte_pktmbuf_free(m[i]);
		}
		got += k;
	}
	poll_batch_frames(0, BATCH + 1);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	expect_rx_completion(XID + 1, HV_NVSP_STATUS_SUCCESS);
	assert_int_equal(fx.rxq->stats.staging_full, 0);
}

/* A stopped queue: its frames are dropped, the slots still go back. */
static void
test_rx_stopped_queue_drops(void **state)
{
	uint8_t frame[64];
	struct hv_xfer_range r;
	struct rte_mbuf *m[2];

	(void)state;
	r = put_plain_frame(frame, sizeof(frame), 13);
	host_xfer(XID, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
	fx.rxq->started = false;
	assert_int_equal(drain(m, 2), 0);
	assert_int_equal(fx.rxq->stats.stopped_drops, 1);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
}

/* ---- LRO ------------------------------------------------------------------ */

#define LRO_HDR		(14u + 20u + 20u)

/* An IPv4/TCP packet of `payload` bytes of payload, as the host coalesced it. */
static uint32_t
make_tcp4(uint8_t *f, uint32_t payload)
{
	struct rte_ipv4_hdr *ip = (void *)(f + 14);
	struct rte_tcp_hdr *th = (void *)(f + 34);
	uint32_t i;

	make_frame(f, 14, 0);
	memset(ip, 0, sizeof(*ip) + sizeof(*th));
	ip->version_ihl = 0x45;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 20 + payload));
	ip->src_addr = rte_cpu_to_be_32(0x0a000001);
	ip->dst_addr = rte_cpu_to_be_32(0x0a000002);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->src_port = rte_cpu_to_be_16(5000);
	th->dst_port = rte_cpu_to_be_16(80);
	th->sent_seq = rte_cpu_to_be_32(1000);
	th->data_off = 0x50;
	th->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	for (i = 0; i < payload; i++)
		f[LRO_HDR + i] = (uint8_t)(i * 7);
	return LRO_HDR + payload;
}

/* One fragment message: bytes [off, off + len) of the packet. */
static struct hv_xfer_range
lro_fragment(const uint8_t *pkt, uint32_t off, uint32_t len, uint16_t id, uint8_t flag)
{
	struct hv_rndis_pktinfo_id fid = {
		.ver = HV_RNDIS_PKTINFO_ID_VER,
		.flag = (uint8_t)(HV_RNDIS_PKTINFO_SUBALLOC | flag),
		.pkt_id = id,
	};
	uint8_t msg[2048];
	uint32_t v;

	memcpy(&v, &fid, sizeof(v));
	return rxbuf_put(msg, packet_msg(msg, pkt + off, len, 2, HV_RNDIS_PPI_PKTINFO_ID, v,
					 HV_RNDIS_PPI_CSUM,
					 HV_RNDIS_RXCSUM_IP_OK | HV_RNDIS_RXCSUM_TCP_OK));
}

/* Three fragments of one coalesced packet become one mbuf chain with the
 * whole packet, marked LRO with the longest fragment as segment size. */
static void
test_lro_chain_reassembled(void **state)
{
	uint8_t pkt[LRO_HDR + 1200];
	uint32_t len = make_tcp4(pkt, 1200);
	struct hv_xfer_range r[3];
	struct rte_mbuf *m[4];

	(void)state;
	r[0] = lro_fragment(pkt, 0, LRO_HDR + 500, 9, HV_RNDIS_PKTINFO_FIRST_FRAG);
	r[1] = lro_fragment(pkt, LRO_HDR + 500, 500, 9, 0);
	r[2] = lro_fragment(pkt, LRO_HDR + 1000, 200, 9, HV_RNDIS_PKTINFO_LAST_FRAG);
	host_xfer(XID, r, 3, HV_RXBUF_XFER_PAGESET_ID);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 1);
	assert_mbuf_bytes(m[0], pkt, len);
	assert_true(m[0]->ol_flags & RTE_MBUF_F_RX_LRO);
	assert_true(m[0]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	assert_int_equal(m[0]->tso_segsz, 500);
	assert_int_equal(fx.rxq->stats.lro_packets, 1);
	assert_int_equal(fx.rxq->stats.lro_segments, 3);
	assert_int_equal(fx.rxq->stats.lro_errors, 0);
	rte_pktmbuf_free(m[0]);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
}

static bool
ip4_cksum_ok(const struct rte_ipv4_hdr *ip)
{
	struct rte_ipv4_hdr h = *ip;

	h.hdr_checksum = 0;
	return rte_ipv4_cksum(&h) == ip->hdr_checksum;
}

/* A chain cut at max_lro_pkt_size: two packets, each with its own IP
 * length and sequence number, PSH only on the last. */
static void
test_lro_chain_split(void **state)
{
	uint8_t pkt[LRO_HDR + 1200];
	struct hv_xfer_range r[3];
	struct rte_mbuf *m[4];
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;

	(void)state;
	make_tcp4(pkt, 1200);
	fx.rxq->lro_max = LRO_HDR + 1000;
	r[0] = lro_fragment(pkt, 0, LRO_HDR + 500, 4, HV_RNDIS_PKTINFO_FIRST_FRAG);
	r[1] = lro_fragment(pkt, LRO_HDR + 500, 500, 4, 0);
	r[2] = lro_fragment(pkt, LRO_HDR + 1000, 200, 4, HV_RNDIS_PKTINFO_LAST_FRAG);
	host_xfer(XID, r, 3, HV_RXBUF_XFER_PAGESET_ID);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 2);
	assert_int_equal(m[0]->pkt_len, LRO_HDR + 1000);
	assert_int_equal(m[1]->pkt_len, LRO_HDR + 200);
	ip = rte_pktmbuf_mtod_offset(m[1], const struct rte_ipv4_hdr *, 14);
	th = rte_pktmbuf_mtod_offset(m[1], const struct rte_tcp_hdr *, 34);
	assert_int_equal(rte_be_to_cpu_16(ip->total_length), 20 + 20 + 200);
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), 1000 + 1000);
	assert_true(ip4_cksum_ok(ip));
	th = rte_pktmbuf_mtod_offset(m[0], const struct rte_tcp_hdr *, 34);
	assert_int_equal(th->tcp_flags & RTE_TCP_PSH_FLAG, 0);
	assert_memory_equal(rte_pktmbuf_mtod_offset(m[1], const uint8_t *, LRO_HDR),
			    pkt + LRO_HDR + 1000, 200);
	assert_int_equal(fx.rxq->stats.lro_split, 1);
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free(m[1]);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
}

/* A chain without its last fragment is dropped whole, counted once, its
 * mbufs given back, and the packet completed as failed. */
static void
test_lro_broken_chain_dropped(void **state)
{
	uint8_t pkt[LRO_HDR + 1200];
	struct hv_xfer_range r[2];
	struct rte_mbuf *m[4];
	unsigned int avail;

	(void)state;
	make_tcp4(pkt, 1200);
	avail = rte_mempool_avail_count(pool);
	r[0] = lro_fragment(pkt, 0, LRO_HDR + 500, 2, HV_RNDIS_PKTINFO_FIRST_FRAG);
	r[1] = lro_fragment(pkt, LRO_HDR + 500, 500, 2, 0);
	host_xfer(XID, r, 2, HV_RXBUF_XFER_PAGESET_ID);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 0);
	assert_int_equal(fx.rxq->stats.lro_errors, 1);
	assert_int_equal(fx.rxq->stats.packets, 0);
	hn_rxq_flush(fx.rxq);	/* the queue's mbuf cache goes back too */
	assert_int_equal(rte_mempool_avail_count(pool), avail);
	expect_rx_completion(XID, HV_NVSP_STATUS_FAILED);
}

/* ---- TX ------------------------------------------------------------------- */

/* The descriptor index a send's transaction id names: its low 16 bits. */
static uint32_t
tx_index(uint64_t xid)
{
	return (uint32_t)(xid & 0xffffu);
}

static bool
txd_posted(const struct hn_txd *d)
{
	return d->tag & HN_TXD_POSTED;
}

/* The host reads the guest's next send: an NVSP RNDIS_PKT; returns its
 * transaction id and the message. */
static uint64_t
host_read_send(union hv_nvsp_msg *nv, uint16_t *type)
{
	uint8_t pkt[1024];
	struct hv_pkt_desc d;

	assert_true(fake_host_read(fx.vc, pkt, sizeof(pkt)) > 0);
	memcpy(&d, pkt, sizeof(d));
	*type = d.type;
	memcpy(nv, pkt + d.offset8 * 8u, sizeof(struct hv_nvsp_rndis_pkt));
	assert_int_equal(nv->type, HV_NVSP_MSG_RNDIS_PKT);
	assert_int_equal(nv->rndis_pkt.chan_type, HV_NVSP_CHAN_DATA);
	return d.trans_id;
}

static void
host_send_complete(uint64_t xid, uint32_t status)
{
	struct hv_nvsp_rndis_pkt_complete c = {
		.type = HV_NVSP_MSG_RNDIS_PKT_COMPLETE,
		.status = status,
	};

	host_packet(HV_PKT_COMPLETION, xid, &c, sizeof(c));
}

/* A small frame is copied into the queue's send-buffer section behind an
 * RNDIS header that names the queue; the send completion frees it. */
static void
test_tx_copy_and_completion(void **state)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	union hv_nvsp_msg nv;
	struct hv_rndis_packet_msg h;
	const uint8_t *sec;
	uint8_t frame[60];
	uint16_t type;
	uint64_t xid;

	(void)state;
	make_frame(frame, sizeof(frame), 21);
	memcpy(rte_pktmbuf_append(m, sizeof(frame)), frame, sizeof(frame));
	assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 1);
	xid = host_read_send(&nv, &type);
	assert_int_equal(type, HV_PKT_DATA_INBAND);
	assert_true(tx_index(xid) < fx.txq->ndesc);
	assert_true(xid >> 16 != 0);	/* a generation, not just the index */
	assert_int_equal(nv.rndis_pkt.chim_idx, fx.txq->first_section + tx_index(xid));
	sec = fx.hn->chim + (size_t)nv.rndis_pkt.chim_idx * CHIM_SECTION;
	memcpy(&h, sec, sizeof(h));
	assert_int_equal(h.type, HV_RNDIS_PACKET_MSG);
	assert_int_equal(h.data_len, sizeof(frame));
	assert_int_equal(nv.rndis_pkt.chim_sz, h.len);
	assert_memory_equal(sec + HV_RNDIS_OFFSET_BASE + h.data_offset, frame, sizeof(frame));
	assert_int_equal(fx.txq->stats.copied, 1);
	assert_int_equal(hn_txq_inflight(fx.txq), 1);
	host_send_complete(xid, HV_NVSP_STATUS_SUCCESS);
	hn_chan_drain_for_tx(fx.txq);
	assert_int_equal(hn_txq_inflight(fx.txq), 0);
	assert_false(txd_posted(&fx.txq->txd[tx_index(xid)]));
	assert_int_equal(fx.ch->bad_completions, 0);
}

/* tx_done_cleanup counts packets, as ethdev does: three frames copied
 * into one aggregated send and one sent by address are four, once the
 * host has completed both sends; nothing more completes after. */
static void
test_tx_done_cleanup_counts_packets(void **state)
{
	struct rte_mbuf *m[4];
	union hv_nvsp_msg nv;
	uint64_t xid[2];
	uint16_t type[2];
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		uint16_t len = i < 3 ? 60 : 1400;

		m[i] = rte_pktmbuf_alloc(pool);
		make_frame(rte_pktmbuf_mtod(m[i], uint8_t *), len, (uint8_t)i);
		rte_pktmbuf_append(m[i], len);
	}
	assert_int_equal(hn_xmit_pkts(fx.txq, m, 3), 3);
	assert_int_equal(hn_xmit_pkts(fx.txq, &m[3], 1), 1);
	xid[0] = host_read_send(&nv, &type[0]);
	xid[1] = host_read_send(&nv, &type[1]);
	assert_int_equal(type[0], HV_PKT_DATA_INBAND);
	assert_int_equal(fx.txq->txd[tx_index(xid[0])].npkts, 3);
	assert_int_equal(type[1], HV_PKT_DATA_GPA_DIRECT);
	assert_int_equal(hn_tx_done_cleanup(fx.txq, 0), 0);	/* nothing completed yet */
	host_send_complete(xid[0], HV_NVSP_STATUS_SUCCESS);
	host_send_complete(xid[1], HV_NVSP_STATUS_SUCCESS);
	assert_int_equal(hn_tx_done_cleanup(fx.txq, 1), 4);
	assert_int_equal(hn_tx_done_cleanup(fx.txq, 0), 0);
	assert_int_equal(hn_txq_inflight(fx.txq), 0);
}

/*
 * Leaving the VF, a read says its ring ran dry only when the PMD could
 * have given more: vector PMDs read whole steps of 4 or 8 (mlx5 gives 0
 * for 1 to 3), so a short answer to a small or ragged request says
 * nothing, and the drain waits for a read that does.
 */
static void
test_vf_rx_ran_dry_needs_whole_steps(void **state)
{
	(void)state;
	assert_true(hn_vf_rx_ran_dry(32, 31));
	assert_true(hn_vf_rx_ran_dry(32, 0));
	assert_false(hn_vf_rx_ran_dry(32, 32));
	assert_true(hn_vf_rx_ran_dry(8, 7));
	assert_false(hn_vf_rx_ran_dry(3, 0));
	assert_false(hn_vf_rx_ran_dry(7, 0));
	assert_false(hn_vf_rx_ran_dry(12, 8));
	assert_true(hn_vf_rx_ran_dry(12, 7));
}

/* A large frame goes by address; its mbuf stays with the descriptor
 * until the host completes the send, then goes back to the pool. A
 * failed send is counted; a second completion of it is not trusted. */
static void
test_tx_gpa_completion_frees_mbuf(void **state)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	union hv_nvsp_msg nv;
	unsigned int avail;
	uint16_t type;
	uint64_t xid;

	(void)state;
	make_frame(rte_pktmbuf_mtod(m, uint8_t *), 1400, 3);
	rte_pktmbuf_append(m, 1400);
	assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 1);
	avail = rte_mempool_avail_count(pool);
	xid = host_read_send(&nv, &type);
	assert_int_equal(type, HV_PKT_DATA_GPA_DIRECT);
	assert_int_equal(nv.rndis_pkt.chim_idx, HV_NVSP_CHIM_IDX_INVALID);
	assert_ptr_equal(fx.txq->txd[tx_index(xid)].m, m);
	assert_int_equal(fx.txq->stats.gpa, 1);
	host_send_complete(xid, HV_NVSP_STATUS_FAILED);
	host_send_complete(xid, HV_NVSP_STATUS_SUCCESS);
	host_send_complete(NB_DESC + 5, HV_NVSP_STATUS_SUCCESS);
	hn_chan_drain_for_tx(fx.txq);
	assert_null(fx.txq->txd[tx_index(xid)].m);
	assert_int_equal(rte_mempool_avail_count(pool), avail + 1);
	assert_int_equal(fx.ch->tx_host_failed, 1);
	assert_int_equal(fx.ch->bad_completions, 2);
	assert_int_equal(hn_txq_inflight(fx.txq), 0);
}

/*
 * tx_descriptor_status as ethdev defines it: offset 0 is where the next
 * send goes; with 3 sends in flight the last 3 offsets are FULL, the
 * others DONE; past the descriptors the queue uses, UNAVAIL; past the
 * queue, -EINVAL. Once completed, all DONE.
 */
static void
test_tx_descriptor_status_from_the_next_send(void **state)
{
	struct rte_mbuf *m[3];
	union hv_nvsp_msg nv;
	uint64_t xid[3];
	uint16_t type, n = (uint16_t)fx.txq->ndesc;
	unsigned int i;

	(void)state;
	assert_true(n > 4 && n <= fx.txq->nb_desc);
	for (i = 0; i < 3; i++) {
		m[i] = rte_pktmbuf_alloc(pool);
		make_frame(rte_pktmbuf_mtod(m[i], uint8_t *), 1400, (uint8_t)i);
		rte_pktmbuf_append(m[i], 1400);
	}
	assert_int_equal(hn_tx_descriptor_status(fx.txq, n - 1), RTE_ETH_TX_DESC_DONE);
	assert_int_equal(hn_xmit_pkts(fx.txq, m, 3), 3);
	for (i = 0; i < 3; i++) {
		xid[i] = host_read_send(&nv, &type);
		assert_int_equal(type, HV_PKT_DATA_GPA_DIRECT);
	}
	assert_int_equal(hn_tx_descriptor_status(fx.txq, 0), RTE_ETH_TX_DESC_DONE);
	assert_int_equal(hn_tx_descriptor_status(fx.txq, n - 4), RTE_ETH_TX_DESC_DONE);
	assert_int_equal(hn_tx_descriptor_status(fx.txq, n - 3), RTE_ETH_TX_DESC_FULL);
	assert_int_equal(hn_tx_descriptor_status(fx.txq, n - 1), RTE_ETH_TX_DESC_FULL);
	if (n < fx.txq->nb_desc)
		assert_int_equal(hn_tx_descriptor_status(fx.txq, n), RTE_ETH_TX_DESC_UNAVAIL);
	assert_int_equal(hn_tx_descriptor_status(fx.txq, fx.txq->nb_desc), -EINVAL);
	for (i = 0; i < 3; i++)
		host_send_complete(xid[i], HV_NVSP_STATUS_SUCCESS);
	hn_chan_drain_for_tx(fx.txq);
	assert_int_equal(hn_tx_descriptor_status(fx.txq, n - 1), RTE_ETH_TX_DESC_DONE);
}

/*
 * MBUF_FAST_FREE: plain one-segment mbufs go back to the pool in one put
 * without their reference counts being read; a chain and a frame attached
 * to another buffer still take the full path. After the completions every
 * mbuf is back (chain segments too), the attached buffer's free callback
 * ran once, and every mbuf in the pool is a raw one: one segment, no
 * next, reference count 1.
 */
static unsigned int ff_ext_frees;

static void
ff_ext_free(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
	ff_ext_frees++;
}

static void
test_tx_fast_free(void **state)
{
	static struct rte_mbuf_ext_shared_info shinfo;
	unsigned int avail = rte_mempool_avail_count(pool), i;
	uint8_t *ext = rte_malloc("ff_ext", 2048, RTE_CACHE_LINE_SIZE);
	struct rte_mbuf *m[6], *seg, **raw;
	uint8_t frame[1400];
	union hv_nvsp_msg nv;
	uint16_t type;

	(void)state;
	assert_non_null(ext);
	fx.txq->offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	for (i = 0; i < 4; i++) {	/* three by address, one copied */
		uint16_t len = i < 3 ? 1400 : 60;

		m[i] = rte_pktmbuf_alloc(pool);
		assert_non_null(m[i]);
		make_frame(rte_pktmbuf_mtod(m[i], uint8_t *), len, (uint8_t)i);
		rte_pktmbuf_append(m[i], len);
	}
	/* a chain of two pool mbufs */
	make_frame(frame, sizeof(frame), 4);
	m[4] = rte_pktmbuf_alloc(pool);
	assert_non_null(m[4]);
	memcpy(rte_pktmbuf_append(m[4], 1000), frame, 1000);
	seg = rte_pktmbuf_alloc(pool);
	assert_non_null(seg);
	memcpy(rte_pktmbuf_append(seg, 400), frame + 1000, 400);
	assert_int_equal(rte_pktmbuf_chain(m[4], seg), 0);
	/* a frame attached to a buffer of its own */
	make_frame(ext, 1400, 5);
	shinfo.free_cb = ff_ext_free;
	shinfo.fcb_opaque = NULL;
	rte_mbuf_ext_refcnt_set(&shinfo, 1);
	ff_ext_frees = 0;
	m[5] = rte_pktmbuf_alloc(pool);
	assert_non_null(m[5]);
	rte_pktmbuf_attach_extbuf(m[5], ext, rte_malloc_virt2iova(ext), 1400, &shinfo);
	m[5]->data_off = 0;
	m[5]->data_len = 1400;
	m[5]->pkt_len = 1400;

	assert_int_equal(hn_xmit_pkts(fx.txq, m, 6), 6);
	assert_int_equal(fx.txq->stats.copied, 1);
	assert_int_equal(fx.txq->stats.gpa, 5);
	for (i = 0; i < 6; i++)
		host_send_complete(host_read_send(&nv, &type), HV_NVSP_STATUS_SUCCESS);
	hn_chan_drain_for_tx(fx.txq);
	assert_int_equal(hn_txq_inflight(fx.txq), 0);
	assert_int_equal(ff_ext_frees, 1);
	assert_int_equal(rte_mempool_avail_count(pool), avail);
	raw = calloc(avail, sizeof(*raw));
	assert_non_null(raw);
	assert_int_equal(rte_mempool_get_bulk(pool, (void **)raw, avail), 0);
	for (i = 0; i < avail; i++) {
		assert_int_equal(raw[i]->nb_segs, 1);
		assert_null(raw[i]->next);
		assert_int_equal(rte_mbuf_refcnt_read(raw[i]), 1);
		assert_false(RTE_MBUF_HAS_EXTBUF(raw[i]));
	}
	rte_mempool_put_bulk(pool, (void **)raw, avail);
	free(raw);
	rte_free(ext);
}

/* ---- GPA ranges of mbuf chains (issue 16: 64 KB TSO in 2 KiB mbufs) ------- */

/*
 * Chains of mbufs whose data sits where a pktmbuf pool of the default
 * mbuf size puts it: element i at GPA_BASE + i * GPA_STRIDE, data from
 * GPA_HEADROOM on, 2048 bytes each. External buffers over one area, with
 * IOVAs of our choosing, so every range and PFN the host reads is known.
 */
#define GPA_BASE	0x7ff3000ull	/* page offset 0x000 */
#define GPA_STRIDE	2304u		/* mbuf header + 2176-byte buffer */
#define GPA_HEADROOM	128u
#define GPA_SEG		2048u
#define GPA_SEGS_MAX	40u

static uint8_t *gpa_area;
static struct rte_mbuf_ext_shared_info gpa_shinfo[GPA_SEGS_MAX];

static void
gpa_ext_free(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
}

/* Segment i: `len` bytes at element elem of the area (stride apart, or
 * straight after the previous one when stride is 0). */
static struct rte_mbuf *
gpa_seg(unsigned int i, uint64_t off, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	gpa_shinfo[i].free_cb = gpa_ext_free;
	gpa_shinfo[i].fcb_opaque = NULL;
	rte_mbuf_ext_refcnt_set(&gpa_shinfo[i], 1);
	rte_pktmbuf_attach_extbuf(m, gpa_area + off, GPA_BASE + off, len, &gpa_shinfo[i]);
	m->data_off = 0;
	m->data_len = len;
	m->pkt_len = len;
	return m;
}

/* A TSO request for an IPv4/TCP packet of pkt_len bytes in nsegs segments
 * at the offsets given; the first one holds the headers. */
static struct rte_mbuf *
gpa_chain(const uint64_t *off, const uint16_t *len, unsigned int nsegs)
{
	struct rte_mbuf *head = NULL, *m;
	unsigned int i;

	for (i = 0; i < nsegs; i++) {
		m = gpa_seg(i, off[i], len[i]);
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
	}
	make_tcp4(rte_pktmbuf_mtod(head, uint8_t *), len[0] - LRO_HDR);
	head->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			 RTE_MBUF_F_TX_TCP_CKSUM;
	head->l2_len = 14;
	head->l3_len = 20;
	head->l4_len = 20;
	head->tso_segsz = 1460;
	return head;
}

static void
gpa_tso_on(void)
{
	fx.txq->offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
			    RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	fx.txq->lso4_max = 65535 - 40;
	fx.txq->lso_minsegs = 2;
}

/* The host's reading of a GPA send: its ranges, word by word. */
struct gpa_seen {
	uint16_t type;
	uint64_t xid;
	uint32_t nranges, nwords;
	uint64_t w[256];
	struct hv_nvsp_rndis_pkt nv;
};

static void
host_read_gpa(struct gpa_seen *s)
{
	static uint8_t pkt[8192];
	struct hv_gpa_direct_hdr h;
	uint32_t len = fake_host_read(fx.vc, pkt, sizeof(pkt));

	assert_true(len >= sizeof(h));
	memcpy(&h, pkt, sizeof(h));
	s->type = h.desc.type;
	s->xid = h.desc.trans_id;
	s->nranges = h.range_count;
	s->nwords = (h.desc.offset8 * 8u - (uint32_t)sizeof(h)) / 8;
	assert_true(s->nwords <= RTE_DIM(s->w));
	memcpy(s->w, pkt + sizeof(h), s->nwords * 8u);
	memcpy(&s->nv, pkt + h.desc.offset8 * 8u, sizeof(s->nv));
}

/* Range r of what the host read (walking the variable-length entries):
 * its count, offset and first word of PFNs; asserts the layout holds. */
static const uint64_t *
gpa_range_at(const struct gpa_seen *s, uint32_t r, uint32_t *cnt, uint32_t *off)
{
	uint32_t pos = 0, i;

	for (i = 0;; i++) {
		uint32_t c = (uint32_t)s->w[pos], o = (uint32_t)(s->w[pos] >> 32);
		uint32_t k = (o + c + 4095) / 4096;

		assert_true(o < 4096 && c > 0 && pos + 1 + k <= s->nwords);
		if (i == r) {
			*cnt = c;
			*off = o;
			return &s->w[pos + 1];
		}
		pos += 1 + k;
	}
}

/* Range r covers [gpa, gpa + cnt): its offset and every PFN. */
static void
assert_gpa_range(const struct gpa_seen *s, uint32_t r, uint64_t gpa, uint32_t cnt)
{
	uint32_t c, o, k;
	const uint64_t *pfn = gpa_range_at(s, r, &c, &o);

	assert_int_equal(c, cnt);
	assert_int_equal(o, gpa & 4095);
	for (k = 0; k < (o + c + 4095) / 4096; k++)
		assert_int_equal(pfn[k], (gpa >> 12) + k);
}

/* The words the ranges take: every range accounted for, nothing after. */
static void
assert_gpa_words(const struct gpa_seen *s)
{
	uint32_t c, o;
	const uint64_t *last = gpa_range_at(s, s->nranges - 1, &c, &o);

	assert_int_equal(last + (o + c + 4095) / 4096, s->w + s->nwords);
}

static void
gpa_complete(const struct gpa_seen *s)
{
	host_send_complete(s->xid, HV_NVSP_STATUS_SUCCESS);
	hn_chan_drain_for_tx(fx.txq);
	assert_int_equal(hn_txq_inflight(fx.txq), 0);
}

/*
 * A TSO packet of 62834 bytes (62780 of payload, the host's maximum) in
 * 31 mbufs of the default size: one range per mbuf, each naming the one
 * or two pages it covers (47 pages in all; one range per page was past
 * the host's 32 and dropped), and the RNDIS header's range first.
 */
static void
test_tx_gpa_tso_31_mbufs(void **state)
{
	uint64_t off[31];
	uint16_t len[31];
	struct gpa_seen s;
	unsigned int i, pages = 0;
	struct hv_rndis_packet_msg h;
	struct rte_mbuf *m;
	uint32_t c, o;

	(void)state;
	gpa_tso_on();
	for (i = 0; i < 31; i++) {
		off[i] = (uint64_t)i * GPA_STRIDE + GPA_HEADROOM;
		len[i] = i < 30 ? GPA_SEG : (uint16_t)(62834 - 30 * GPA_SEG);
	}
	m = gpa_chain(off, len, 31);
	assert_int_equal(m->pkt_len, 62834);
	assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 1);
	host_read_gpa(&s);
	assert_int_equal(s.type, HV_PKT_DATA_GPA_DIRECT);
	assert_int_equal(s.nv.chim_idx, HV_NVSP_CHIM_IDX_INVALID);
	assert_int_equal(s.nv.chim_sz, 0);
	assert_int_equal(s.nranges, 32);
	/* the header: one range in the descriptor's slot, never across a page */
	gpa_range_at(&s, 0, &c, &o);
	assert_true(o + c <= 4096);
	memcpy(&h, fx.txq->hdr + (size_t)tx_index(s.xid) * HN_TX_HDR_SIZE, sizeof(h));
	assert_int_equal(c, h.data_offset + HV_RNDIS_OFFSET_BASE);
	assert_int_equal(h.data_len, 62834);
	assert_int_equal(h.len, c + 62834);
	for (i = 0; i < 31; i++) {
		assert_gpa_range(&s, i + 1, GPA_BASE + off[i], len[i]);
		pages += (uint32_t)(((GPA_BASE + off[i] + len[i] - 1) >> 12) -
				    ((GPA_BASE + off[i]) >> 12) + 1);
	}
	assert_int_equal(pages, 47);
	assert_gpa_words(&s);
	assert_int_equal(s.nwords, 2 + 31 + 47);
	assert_int_equal(fx.txq->stats.gpa, 1);
	assert_int_equal(fx.txq->stats.gpa_section_hdr, 0);
	assert_int_equal(fx.txq->stats.tso_packets, 1);
	assert_int_equal(fx.txq->stats.errors + fx.txq->stats.too_many_segs, 0);
	gpa_complete(&s);
}

/*
 * 32 mbufs of 2 KiB: 65535 bytes. The data takes all 32 ranges, so the
 * RNDIS header goes in the descriptor's send-buffer section (chim_idx,
 * chim_sz) and the ranges are the data's alone.
 */
static void
test_tx_gpa_tso_32_mbufs_header_in_section(void **state)
{
	uint64_t off[32];
	uint16_t len[32];
	struct gpa_seen s;
	struct hv_rndis_packet_msg h;
	struct rte_mbuf *m;
	unsigned int i;

	(void)state;
	gpa_tso_on();
	for (i = 0; i < 32; i++) {
		off[i] = (uint64_t)i * GPA_STRIDE + GPA_HEADROOM;
		len[i] = i < 31 ? GPA_SEG : (uint16_t)(65535 - 31 * GPA_SEG);
	}
	m = gpa_chain(off, len, 32);
	assert_int_equal(m->pkt_len, 65535);
	assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 1);
	host_read_gpa(&s);
	assert_int_equal(s.type, HV_PKT_DATA_GPA_DIRECT);
	assert_int_equal(s.nranges, 32);
	assert_int_equal(s.nv.chim_idx, fx.txq->first_section + tx_index(s.xid));
	memcpy(&h, fx.hn->chim + (size_t)s.nv.chim_idx * CHIM_SECTION, sizeof(h));
	assert_int_equal(h.type, HV_RNDIS_PACKET_MSG);
	assert_int_equal(s.nv.chim_sz, h.data_offset + HV_RNDIS_OFFSET_BASE);
	assert_int_equal(h.len, s.nv.chim_sz + 65535);
	for (i = 0; i < 32; i++)
		assert_gpa_range(&s, i, GPA_BASE + off[i], len[i]);
	assert_gpa_words(&s);
	assert_int_equal(fx.txq->stats.gpa_section_hdr, 1);
	assert_int_equal(fx.txq->stats.too_many_segs, 0);
	gpa_complete(&s);
}

/*
 * Sections of 68 bytes (the least a host may give) cannot hold a header
 * with its PPIs (up to 92 bytes): data that would take all 32 ranges,
 * leaving the header for the section, is refused (counted, dropped), and
 * not a byte of the send buffer is written (it would run into the next
 * section, another send's). 31 ranges still go, the header in its slot.
 */
static void
test_tx_gpa_sections_too_small_for_header(void **state)
{
	uint64_t off[32];
	uint16_t len[32];
	struct gpa_seen s;
	struct rte_mbuf *m;
	unsigned int i;

	(void)state;
	fx.hn->chim_section_size = 68;
	fx.hn->chim_count = (uint32_t)(fx.hn->chim_len / 68);
	assert_int_equal(hn_txq_bind(fx.hn, fx.txq, 1), 0);
	assert_int_equal(fx.txq->copybreak, 0);
	gpa_tso_on();
	memset(fx.hn->chim, 0x5a, fx.hn->chim_len);
	for (i = 0; i < 32; i++) {
		off[i] = (uint64_t)i * GPA_STRIDE + GPA_HEADROOM;
		len[i] = i < 31 ? GPA_SEG : (uint16_t)(65535 - 31 * GPA_SEG);
	}
	m = gpa_chain(off, len, 32);
	assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 1);
	expect_nothing_sent();
	assert_int_equal(fx.txq->stats.too_many_segs, 1);
	assert_int_equal(fx.txq->stats.gpa_section_hdr, 0);
	for (i = 0; i < fx.hn->chim_len; i++)
		assert_int_equal(fx.hn->chim[i], 0x5a);
	m = gpa_chain(off, len, 31);
	assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 1);
	host_read_gpa(&s);
	assert_int_equal(s.nranges, 32);
	assert_int_equal(s.nv.chim_idx, HV_NVSP_CHIM_IDX_INVALID);
	assert_gpa_words(&s);
	gpa_complete(&s);
}

/*
 * Segments that follow each other in memory share a range: 40 pieces of
 * one contiguous 64000-byte area are 1 range of 16 pages (offset 0x80).
 * Then 33 separate pieces: 33 ranges, more than the host takes, and too
 * big to copy: dropped and counted, nothing sent.
 */
static void
test_tx_gpa_merge_and_too_many(void **state)
{
	uint64_t off[GPA_SEGS_MAX];
	uint16_t len[GPA_SEGS_MAX];
	struct gpa_seen s;
	struct rte_mbuf *m;
	unsigned int i;

	(void)state;
	gpa_tso_on();
	for (i = 0; i < 40; i++) {
		off[i] = GPA_HEADROOM + (uint64_t)i * 1600;
		len[i] = 1600;
	}
	m = gpa_chain(off, len, 40);
	assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 1);
	host_read_gpa(&s);
	assert_int_equal(s.nranges, 2);
	assert_gpa_range(&s, 1, GPA_BASE + GPA_HEADROOM, 64000);
	assert_int_equal(s.nwords, 2 + 1 + 16);
	assert_gpa_words(&s);
	gpa_complete(&s);

	for (i = 0; i < 33; i++) {
		off[i] = (uint64_t)i * GPA_STRIDE + GPA_HEADROOM;
		len[i] = 1900;
	}
	m = gpa_chain(off, len, 33);
	assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 1);
	expect_nothing_sent();
	assert_int_equal(fx.txq->stats.too_many_segs, 1);
	assert_int_equal(fx.txq->stats.errors, 1);
	assert_int_equal(fx.txq->stats.gpa, 1);
}

/* A 1400-byte frame across a page boundary: one range of two pages. */
static void
test_tx_gpa_one_range_across_pages(void **state)
{
	uint64_t off = 4096 - 700;
	uint16_t len = 1400;
	struct gpa_seen s;
	struct rte_mbuf *m;

	(void)state;
	m = gpa_seg(0, off, len);
	make_frame(rte_pktmbuf_mtod(m, uint8_t *), len, 4);
	assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 1);
	host_read_gpa(&s);
	assert_int_equal(s.nranges, 2);
	assert_gpa_range(&s, 1, GPA_BASE + off, len);
	assert_int_equal(s.nwords, 2 + 1 + 2);
	assert_gpa_words(&s);
	gpa_complete(&s);
}

/* A frame received in place (its buffer is the receive buffer, its free
 * callback the one that completes the host's slot) goes back by address
 * from where it is: not copied into a section, where a jumbo one would
 * not fit. Once its session is over (held past an MTU change or a close)
 * its bytes are not the frame's any more: copied, as before. The callback
 * is not run here (a second reference is held): the fixture has no
 * receive buffer behind it. */
static void
test_tx_frame_received_in_place_goes_by_address(void **state)
{
	struct hn_rx_ext_pool *pool_in_place = calloc(1, sizeof(*pool_in_place) +
							sizeof(struct hn_rx_ext));
	struct hn_rx_ext *e;
	uint64_t off = 2 * 4096 + 64;
	uint16_t len = 1400;
	struct gpa_seen s;
	union hv_nvsp_msg nv;
	struct rte_mbuf *m;
	unsigned int round;
	uint16_t type;

	(void)state;
	assert_non_null(pool_in_place);
	pool_in_place->session = 7;
	e = &pool_in_place->ent[0];
	e->pool = pool_in_place;
	e->session = 7;
	for (round = 0; round < 2; round++) {
		m = gpa_seg(0, off, len);
		gpa_shinfo[0].free_cb = hn_rx_ext_free;
		gpa_shinfo[0].fcb_opaque = e;
		rte_mbuf_refcnt_update(m, 1);
		make_frame(rte_pktmbuf_mtod(m, uint8_t *), len, 5);
		assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 1);
		if (round == 0) {
			host_read_gpa(&s);
			assert_int_equal(s.nranges, 2);
			assert_gpa_range(&s, 1, GPA_BASE + off, len);
			assert_gpa_words(&s);
			assert_int_equal(fx.txq->stats.gpa, 1);
			assert_int_equal(fx.txq->stats.linearized, 0);
			gpa_complete(&s);
			assert_int_equal(rte_mbuf_refcnt_read(m), 1);	/* the send let go */
			pool_in_place->session = 8;	/* a new session */
		} else {
			host_send_complete(host_read_send(&nv, &type), HV_NVSP_STATUS_SUCCESS);
			assert_int_equal(type, HV_PKT_DATA_INBAND);	/* a section */
			assert_int_equal(fx.txq->stats.gpa, 1);
			assert_int_equal(fx.txq->stats.linearized, 1);
			hn_chan_drain_for_tx(fx.txq);
			assert_int_equal(rte_mbuf_refcnt_read(m), 1);	/* copied, let go */
		}
		gpa_shinfo[0].free_cb = gpa_ext_free;
		rte_pktmbuf_free(m);
	}
	free(pool_in_place);
}

/* Every descriptor is in exactly one place: the free ring, the TX lcore's
 * stash, the section being filled, or posted to the host. */
static void
assert_descriptors_accounted(void)
{
	struct hn_txq *txq = fx.txq;
	unsigned int seen[NB_DESC] = { 0 };
	uint32_t idx[64];
	unsigned int n = rte_ring_count(txq->free_idx), i;

	assert_true(n <= RTE_DIM(idx));
	assert_int_equal(rte_ring_sc_dequeue_bulk_elem(txq->free_idx, idx, sizeof(uint32_t), n,
						       NULL), n);
	assert_int_equal(rte_ring_sp_enqueue_bulk_elem(txq->free_idx, idx, sizeof(uint32_t), n,
						       NULL), n);
	for (i = 0; i < n; i++)
		seen[idx[i]]++;
	for (i = 0; i < txq->stash_n; i++)
		seen[txq->stash[i]]++;
	if (txq->agg_idx >= 0)
		seen[txq->agg_idx]++;
	for (i = 0; i < txq->ndesc; i++)
		if (txd_posted(&txq->txd[i]))
			seen[i]++;
	for (i = 0; i < txq->ndesc; i++)
		assert_int_equal(seen[i], 1);
}

static uint64_t refused_xid;

/* Another lcore drains the channel while the send of refused_xid fails,
 * and the host has completed exactly that id. */
static void
complete_refused_send_now(struct vmbus_channel *vc, uint64_t xid)
{
	(void)vc;
	refused_xid = xid;
	host_send_complete(xid, HV_NVSP_STATUS_SUCCESS);
	hn_chan_drain(fx.hn, fx.ch, NULL, 0, HN_RX_BURST_BUDGET);
}

static void
record_refused_send(struct vmbus_channel *vc, uint64_t xid)
{
	(void)vc;
	refused_xid = xid;
}

/* A completion taken by another lcore while a GPA send is failing: the
 * frame belongs to the pool or to the caller, never to both, and its
 * descriptor is in one free list. Here the drainer wins: the frame is
 * gone (freed once), the burst says it took it, an error is counted. */
static void
test_tx_completion_in_failed_gpa_send(void **state)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	unsigned int avail;
	uint16_t sent;

	(void)state;
	make_frame(rte_pktmbuf_mtod(m, uint8_t *), 1400, 5);
	rte_pktmbuf_append(m, 1400);
	avail = rte_mempool_avail_count(pool);
	fx.vc->fail_sends = 1;
	fx.vc->on_failed_send = complete_refused_send_now;
	sent = hn_xmit_pkts(fx.txq, &m, 1);
	fx.vc->on_failed_send = NULL;
	if (sent == 0) {
		/* the caller's: not in the pool */
		assert_int_equal(rte_mempool_avail_count(pool), avail);
		rte_pktmbuf_free(m);
	}
	assert_int_equal(rte_mempool_avail_count(pool), avail + 1);
	assert_int_equal(sent, 1);
	assert_int_equal(fx.txq->stats.errors, 1);
	assert_int_equal(fx.txq->stats.gpa, 0);
	assert_int_equal(fx.ch->bad_completions, 0);
	assert_descriptors_accounted();
	expect_nothing_sent();
}

/* The same for the section being filled: its completion is taken while
 * its send fails. The section is not sent again under a descriptor that
 * is free; the next burst sends only its own frame. */
static void
test_tx_completion_in_failed_section_send(void **state)
{
	struct rte_mbuf *m[2];
	union hv_nvsp_msg nv;
	struct hv_rndis_packet_msg h;
	uint16_t type;
	uint64_t xid;
	unsigned int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		m[i] = rte_pktmbuf_alloc(pool);
		make_frame(rte_pktmbuf_mtod(m[i], uint8_t *), 60 + 10 * i, (uint8_t)i);
		rte_pktmbuf_append(m[i], 60 + 10 * i);
	}
	fx.vc->fail_sends = 1;
	fx.vc->on_failed_send = complete_refused_send_now;
	assert_int_equal(hn_xmit_pkts(fx.txq, &m[0], 1), 1);	/* copied */
	fx.vc->on_failed_send = NULL;
	assert_descriptors_accounted();
	assert_int_equal(hn_xmit_pkts(fx.txq, &m[1], 1), 1);
	xid = host_read_send(&nv, &type);
	assert_int_equal(type, HV_PKT_DATA_INBAND);
	memcpy(&h, fx.hn->chim + (size_t)nv.rndis_pkt.chim_idx * CHIM_SECTION, sizeof(h));
	assert_int_equal(nv.rndis_pkt.chim_sz, h.len);
	assert_int_equal(h.data_len, 70);
	expect_nothing_sent();
	assert_int_equal(fx.txq->stats.errors, 1);
	assert_descriptors_accounted();
	host_send_complete(xid, HV_NVSP_STATUS_SUCCESS);
	hn_chan_drain_for_tx(fx.txq);
	assert_int_equal(hn_txq_inflight(fx.txq), 0);
	assert_int_equal(fx.ch->bad_completions, 0);
	assert_descriptors_accounted();
}

/* ---- a burst's GPA packets, staged and sent together ---------------------- */

#define FILLER_XID	0xf111u

/* Another sender's packets in the guest's ring until `free` bytes are
 * left; returns how many. */
static unsigned int
tx_ring_leave(uint32_t free)
{
	struct hv_ring *r = &fx.vc->tx;
	uint32_t space = hv_ring_space(r->hdr->write_index, r->hdr->read_index, r->dsize);
	static uint8_t pkt[8192];
	unsigned int n = 0;
	bool sig = false;

	assert_true(space > free && (space - free) % 8 == 0);
	for (space -= free; space > 0; n++) {
		uint32_t len = space >= 8192 + 32 ? 8192 : space - 8;
		struct hv_pkt_desc d = {
			.type = HV_PKT_DATA_INBAND, .offset8 = 2, .len8 = (uint16_t)(len / 8),
			.trans_id = FILLER_XID,
		};
		struct iovec iov = { .iov_base = pkt, .iov_len = len };

		memcpy(pkt, &d, sizeof(d));
		assert_int_equal(hv_ring_write(r, &iov, 1, &sig), 0);
		space -= len + 8;
	}
	return n;
}

static void
host_skip_fillers(unsigned int n)
{
	static uint8_t pkt[8192];
	struct hv_pkt_desc d;

	while (n-- > 0) {
		assert_true(fake_host_read(fx.vc, pkt, sizeof(pkt)) >= sizeof(d));
		memcpy(&d, pkt, sizeof(d));
		assert_int_equal(d.trans_id, FILLER_XID);
	}
}

/* The host writes an in-band message asking for its completion. */
static void
host_inband_rc(uint64_t xid, const void *msg, uint32_t len)
{
	uint8_t pkt[64];
	struct hv_pkt_desc *d = (void *)pkt;

	assert_true(sizeof(*d) + len <= sizeof(pkt) && len % 8 == 0);
	memset(pkt, 0, sizeof(pkt));
	d->type = HV_PKT_DATA_INBAND;
	d->offset8 = sizeof(*d) / 8;
	d->len8 = (uint16_t)((sizeof(*d) + len) / 8);
	d->flags = HV_PKT_FLAG_COMPLETION_REQUESTED;
	d->trans_id = xid;
	memcpy(pkt + sizeof(*d), msg, len);
	assert_int_equal(fake_host_write(fx.vc, pkt, d->len8 * 8u), 0);
}

/*
 * The host's in-band messages that ask for a completion (§G.5: its own
 * SWITCH_DATAPATH and VF_ASSOCIATION during a VF removal) get an empty
 * one. When the outbound ring has no room it waits, the channel is not
 * idle meanwhile, and the next drain sends them in order.
 */
static void
test_inband_completion_waits_for_room(void **state)
{
	const uint32_t msg[4] = { HV_NVSP_MSG_VF_ASSOC, 0, 0, 0 };
	struct hv_pkt_desc d;
	uint8_t pkt[64];
	unsigned int fillers, i;

	(void)state;
	fillers = tx_ring_leave(16);
	for (i = 0; i < 2; i++)
		host_inband_rc(0x100 + i, msg, sizeof(msg));
	hn_chan_drain(fx.hn, fx.ch, NULL, 0, HN_RX_BURST_BUDGET);
	assert_int_equal(inband_seen.calls, 2);
	assert_int_equal(fx.ch->inband_n, 2);
	assert_false(hn_chan_idle(fx.ch));
	host_skip_fillers(fillers);
	hn_chan_drain(fx.hn, fx.ch, NULL, 0, HN_RX_BURST_BUDGET);
	for (i = 0; i < 2; i++) {
		assert_int_equal(fake_host_read(fx.vc, pkt, sizeof(pkt)), sizeof(d));
		memcpy(&d, pkt, sizeof(d));
		assert_int_equal(d.type, HV_PKT_COMPLETION);
		assert_int_equal(d.trans_id, 0x100 + i);
	}
	expect_nothing_sent();
	assert_int_equal(fx.ch->inband_n, 0);
	assert_true(hn_chan_idle(fx.ch));
	assert_int_equal(fx.ch->ext_acks_lost, 0);
}

/* The host reads the GPA send of frame i of the area (1400 bytes). */
static void
host_expect_gpa_frame(unsigned int i, struct gpa_seen *s)
{
	host_read_gpa(s);
	assert_int_equal(s->type, HV_PKT_DATA_GPA_DIRECT);
	assert_int_equal(s->nranges, 2);
	assert_gpa_range(s, 1, GPA_BASE + (uint64_t)i * GPA_STRIDE, 1400);
}

static struct rte_mbuf *
gpa_frame(unsigned int i)
{
	struct rte_mbuf *m = gpa_seg(i, (uint64_t)i * GPA_STRIDE, 1400);

	make_frame(rte_pktmbuf_mtod(m, uint8_t *), 1400, (uint8_t)(40 + i));
	return m;
}

/* A frame of len bytes in a pool mbuf (copied when sent, or, too long,
 * dropped), its bytes make_frame()'s for seed. */
static struct rte_mbuf *
pool_frame(uint16_t len, uint8_t seed)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	make_frame(rte_pktmbuf_mtod(m, uint8_t *), len, seed);
	assert_non_null(rte_pktmbuf_append(m, len));
	return m;
}

/*
 * A frame with its VLAN tag inside travels with the tag as a PPI (§F.4).
 * When the application holds the frame elsewhere too (a clone sent here,
 * or an mbuf with another reference), the frame it holds is not changed:
 * the copy in the send buffer leaves the tag out instead. Each time the
 * host sees the same 196 bytes and tag; the application's frame keeps its
 * 200 bytes. tx_prepare checks a tagged frame as the burst sends it: one
 * of the MTU's length plus a tag passes.
 */
static void
test_tx_tag_inside_shared_frame_untouched(void **state)
{
	const uint16_t tci = 0x2123, len = 200;
	uint8_t frame[200], want[196];
	struct rte_mbuf *m, *c, *big;
	struct hv_rndis_packet_msg h;
	union hv_nvsp_msg nv;
	const uint8_t *sec;
	unsigned int pass;
	uint32_t v;
	uint16_t type;
	uint64_t xid;

	(void)state;
	make_frame(frame, len, 9);
	frame[12] = 0x81;
	frame[13] = 0x00;
	frame[14] = tci >> 8;
	frame[15] = tci & 0xff;
	frame[16] = 0x08;
	frame[17] = 0x00;
	memcpy(want, frame, 12);
	memcpy(want + 12, frame + 16, len - 16);
	m = rte_pktmbuf_alloc(pool);
	memcpy(rte_pktmbuf_append(m, len), frame, len);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 0) {
			c = rte_pktmbuf_clone(m, pool);	/* indirect */
			assert_non_null(c);
		} else {
			rte_mbuf_refcnt_update(m, 1);	/* one more holder */
			c = m;
		}
		assert_int_equal(hn_xmit_pkts(fx.txq, &c, 1), 1);
		xid = host_read_send(&nv, &type);
		assert_int_equal(type, HV_PKT_DATA_INBAND);
		sec = fx.hn->chim + (size_t)nv.rndis_pkt.chim_idx * CHIM_SECTION;
		memcpy(&h, sec, sizeof(h));
		assert_int_equal(h.data_len, sizeof(want));
		assert_int_equal(nv.rndis_pkt.chim_sz, h.len);
		assert_memory_equal(sec + HV_RNDIS_OFFSET_BASE + h.data_offset, want, sizeof(want));
		/* the second PPI, after the hash value's: the tag */
		memcpy(&v, sec + sizeof(h) + HV_RNDIS_PPI_SIZE(4) + HV_RNDIS_PPI_HDR_SIZE,
		       sizeof(v));
		assert_int_equal(v, HV_RNDIS_VLAN_FROM_TCI(tci));
		assert_int_equal(m->data_len, len);
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), frame, len);
		assert_false(m->ol_flags & RTE_MBUF_F_TX_VLAN);
		host_send_complete(xid, HV_NVSP_STATUS_SUCCESS);
		hn_chan_drain_for_tx(fx.txq);
	}
	assert_int_equal(fx.txq->stats.copied, 2);
	assert_int_equal(fx.txq->stats.bytes, 2 * sizeof(want));
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	/* only ours now: stripped in place, as before */
	assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 1);
	xid = host_read_send(&nv, &type);
	sec = fx.hn->chim + (size_t)nv.rndis_pkt.chim_idx * CHIM_SECTION;
	memcpy(&h, sec, sizeof(h));
	assert_memory_equal(sec + HV_RNDIS_OFFSET_BASE + h.data_offset, want, sizeof(want));
	host_send_complete(xid, HV_NVSP_STATUS_SUCCESS);
	hn_chan_drain_for_tx(fx.txq);
	big = pool_frame(1500 + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN, 4);
	memcpy(rte_pktmbuf_mtod_offset(big, uint8_t *, 12), frame + 12, 6);
	assert_int_equal(hn_xmit_prepare(fx.txq, &big, 1), 1);
	rte_pktmbuf_free(big);
}

/*
 * The host completes the GPA sends it read, s[0..n), and the section
 * send section_xid first (0: none; a send's id is never 0). Then nothing
 * is in flight, no completion was refused, every descriptor is free.
 */
static void
complete_all(uint64_t section_xid, const struct gpa_seen *s, unsigned int n)
{
	unsigned int i;

	if (section_xid != 0)
		host_send_complete(section_xid, HV_NVSP_STATUS_SUCCESS);
	for (i = 0; i + 1 < n; i++)
		host_send_complete(s[i].xid, HV_NVSP_STATUS_SUCCESS);
	gpa_complete(&s[n - 1]);
	assert_int_equal(fx.ch->bad_completions, 0);
	assert_descriptors_accounted();
}

/*
 * A burst of frames by address, with one copied in the middle: the
 * staged GPA packets go before the section that holds the copied frame,
 * so the host reads them in the burst's order.
 */
static void
test_tx_staged_in_order(void **state)
{
	struct rte_mbuf *m[4];
	struct gpa_seen s[3];
	union hv_nvsp_msg nv;
	uint64_t xid;
	uint16_t type;

	(void)state;
	m[0] = gpa_frame(0);
	m[1] = gpa_frame(1);
	m[2] = pool_frame(60, 9);
	m[3] = gpa_frame(2);
	assert_int_equal(hn_xmit_pkts(fx.txq, m, 4), 4);
	host_expect_gpa_frame(0, &s[0]);
	host_expect_gpa_frame(1, &s[1]);
	xid = host_read_send(&nv, &type);
	assert_int_equal(type, HV_PKT_DATA_INBAND);
	host_expect_gpa_frame(2, &s[2]);
	expect_nothing_sent();
	assert_int_equal(fx.txq->stats.gpa, 3);
	assert_int_equal(fx.txq->stats.copied, 1);
	assert_int_equal(fx.txq->stats.packets, 4);
	complete_all(xid, s, 3);
}

/*
 * Room in the ring for two of four staged packets: the first two go, the
 * burst says 2, the other two frames are the caller's again (their
 * descriptors free, nothing of theirs in the ring); sent again once the
 * host has read, they go in order.
 */
static void
test_tx_staged_partly_sent(void **state)
{
	struct rte_mbuf *m[4];
	struct gpa_seen s[4];
	unsigned int fillers, i;

	(void)state;
	for (i = 0; i < 4; i++)
		m[i] = gpa_frame(i);
	/* frames 0-2 take 104 bytes each in the ring, frame 3 (two pages) 112 */
	fillers = tx_ring_leave(256);
	assert_int_equal(hn_xmit_pkts(fx.txq, m, 4), 2);
	assert_int_equal(fx.txq->stats.gpa, 2);
	assert_int_equal(fx.txq->stats.packets, 2);
	assert_int_equal(fx.txq->stats.ring_full, 1);
	assert_int_equal(fx.txq->stats.errors, 0);
	assert_int_equal(hn_txq_inflight(fx.txq), 2);
	for (i = 0; i < fx.txq->ndesc; i++)
		assert_true(fx.txq->txd[i].m != m[2] && fx.txq->txd[i].m != m[3]);
	assert_descriptors_accounted();
	host_skip_fillers(fillers);
	host_expect_gpa_frame(0, &s[0]);
	host_expect_gpa_frame(1, &s[1]);
	expect_nothing_sent();
	assert_int_equal(hn_xmit_pkts(fx.txq, m + 2, 2), 2);
	host_expect_gpa_frame(2, &s[2]);
	host_read_gpa(&s[3]);
	assert_gpa_range(&s[3], 1, GPA_BASE + 3 * GPA_STRIDE, 1400);
	expect_nothing_sent();
	assert_int_equal(fx.txq->stats.gpa, 4);
	complete_all(0, s, 4);
}

/*
 * Each descriptor's header slot is stored only where the new header
 * differs from the last one: frames of two sizes, without a VLAN tag or
 * with one of two (the same header but for the tag's value), each slot
 * used many times over. Every send's header is the one of its own frame:
 * its length, its data offset, its PPIs and their values.
 */
static void
test_tx_header_slot_reused(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < 4 * NB_DESC; i++) {
		uint16_t len = (i % 3 == 0) ? 1300 : 1400, tci = (i % 2 == 0) ? 100 : 200;
		struct rte_mbuf *m = gpa_seg(0, 0, len);
		bool tagged = i % 5 != 0;
		struct hv_rndis_packet_msg h;
		const uint8_t *slot;
		struct gpa_seen s;
		uint32_t v;

		make_frame(rte_pktmbuf_mtod(m, uint8_t *), len, (uint8_t)i);
		if (tagged) {
			m->ol_flags |= RTE_MBUF_F_TX_VLAN;
			m->vlan_tci = tci;
		}
		assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 1);
		host_read_gpa(&s);
		slot = fx.txq->hdr + (size_t)tx_index(s.xid) * HN_TX_HDR_SIZE;
		memcpy(&h, slot, sizeof(h));
		assert_int_equal(h.data_len, len);
		assert_int_equal(h.ppi_len, (tagged ? 2u : 1u) * HV_RNDIS_PPI_SIZE(4));
		assert_int_equal(h.len, sizeof(h) + h.ppi_len + len);
		assert_int_equal(h.data_offset, HV_RNDIS_PACKET_MSG_OFFSET_MIN + h.ppi_len);
		if (tagged) {
			/* the second PPI, after the hash value's: the tag */
			memcpy(&v, slot + sizeof(h) + HV_RNDIS_PPI_SIZE(4) + HV_RNDIS_PPI_HDR_SIZE,
			       sizeof(v));
			assert_int_equal(v, HV_RNDIS_VLAN_FROM_TCI(tci));
		}
		gpa_complete(&s);
	}
	assert_int_equal(fx.txq->stats.gpa, 4 * NB_DESC);
}

/*
 * A copied frame, then three by address, with room in the ring for the
 * copied frame's section and one GPA packet: the burst says 2 (the stage
 * began at the burst's second frame), the last two are the caller's.
 */
static void
test_tx_staged_stop_after_copied(void **state)
{
	struct rte_mbuf *m[4];
	struct gpa_seen s[3];
	union hv_nvsp_msg nv;
	unsigned int fillers, i;
	uint64_t xid;
	uint16_t type;

	(void)state;
	m[0] = pool_frame(60, 7);
	for (i = 1; i < 4; i++)
		m[i] = gpa_frame(i - 1);
	/* the section's packet takes 64 bytes, each GPA packet 104 */
	fillers = tx_ring_leave(64 + 104 + 40);
	assert_int_equal(hn_xmit_pkts(fx.txq, m, 4), 2);
	assert_int_equal(fx.txq->stats.copied, 1);
	assert_int_equal(fx.txq->stats.gpa, 1);
	assert_int_equal(fx.txq->stats.packets, 2);
	assert_int_equal(fx.txq->stats.ring_full, 1);
	assert_int_equal(fx.txq->stats.no_desc, 0);
	assert_descriptors_accounted();
	host_skip_fillers(fillers);
	xid = host_read_send(&nv, &type);
	assert_int_equal(type, HV_PKT_DATA_INBAND);
	host_expect_gpa_frame(0, &s[0]);
	expect_nothing_sent();
	assert_int_equal(hn_xmit_pkts(fx.txq, m + 2, 2), 2);
	host_expect_gpa_frame(1, &s[1]);
	host_expect_gpa_frame(2, &s[2]);
	expect_nothing_sent();
	complete_all(xid, s, 3);
}

/*
 * Room for one of two staged packets, and a frame the host would refuse
 * (longer than the MTU) after them: the stage goes before the frame is
 * dropped, and when it does not all go the burst ends there. The burst
 * says 1; the second frame and the long one are the caller's, and the
 * long one is not counted.
 */
static void
test_tx_staged_stop_before_drop(void **state)
{
	struct rte_mbuf *m[4];
	struct gpa_seen s[3];
	unsigned int fillers;

	(void)state;
	m[0] = gpa_frame(0);
	m[1] = gpa_frame(1);
	m[2] = pool_frame(1600, 8);
	m[3] = gpa_frame(2);
	fillers = tx_ring_leave(104 + 40);
	assert_int_equal(hn_xmit_pkts(fx.txq, m, 4), 1);
	assert_int_equal(fx.txq->stats.gpa, 1);
	assert_int_equal(fx.txq->stats.too_long, 0);
	assert_int_equal(fx.txq->stats.errors, 0);
	assert_descriptors_accounted();
	host_skip_fillers(fillers);
	host_expect_gpa_frame(0, &s[0]);
	expect_nothing_sent();
	assert_int_equal(hn_xmit_pkts(fx.txq, m + 1, 3), 3);	/* the long one dropped */
	assert_int_equal(fx.txq->stats.too_long, 1);
	host_expect_gpa_frame(1, &s[1]);
	host_expect_gpa_frame(2, &s[2]);
	expect_nothing_sent();
	complete_all(0, s, 3);
}

/*
 * More dropped frames in one burst than are freed at once
 * (HN_TX_FREE_BATCH), between frames sent by address: the first drop
 * sends the stage, the first HN_TX_FREE_BATCH drops are freed in the
 * middle of the burst, and the frames after them are staged anew. The
 * host reads the three GPA packets in order, and every dropped mbuf is
 * back in the pool.
 */
static void
test_tx_free_batch_between_staged(void **state)
{
	enum { DROPS = HN_TX_FREE_BATCH + 2 };
	struct rte_mbuf *m[DROPS + 3];
	struct gpa_seen s[3];
	unsigned int avail, i;

	(void)state;
	avail = rte_mempool_avail_count(pool);
	m[0] = gpa_frame(0);
	for (i = 1; i <= DROPS; i++)
		m[i] = pool_frame(1600, (uint8_t)i);
	m[DROPS + 1] = gpa_frame(1);
	m[DROPS + 2] = gpa_frame(2);
	assert_int_equal(hn_xmit_pkts(fx.txq, m, DROPS + 3), DROPS + 3);
	assert_int_equal(fx.txq->stats.too_long, DROPS);
	assert_int_equal(fx.txq->stats.errors, DROPS);
	assert_int_equal(fx.txq->stats.gpa, 3);
	assert_int_equal(fx.txq->stats.packets, 3);
	assert_int_equal(fx.txq->stats.ring_full, 0);
	/* the three frames by address are the host's until it completes them */
	assert_int_equal(rte_mempool_avail_count(pool), avail - 3);
	host_expect_gpa_frame(0, &s[0]);
	host_expect_gpa_frame(1, &s[1]);
	host_expect_gpa_frame(2, &s[2]);
	expect_nothing_sent();
	complete_all(0, s, 3);
	assert_int_equal(rte_mempool_avail_count(pool), avail);
}

/*
 * A frame whose data takes all 32 ranges (its header in the section)
 * staged between two frames by address: one stage of packets of two
 * layouts, read by the host in order, each header where it belongs.
 */
static void
test_tx_staged_header_in_section_between(void **state)
{
	struct hv_rndis_packet_msg h;
	struct rte_mbuf *m[3];
	struct gpa_seen s[3];
	uint64_t off[32];
	uint16_t len[32];
	unsigned int i;

	(void)state;
	gpa_tso_on();
	m[0] = gpa_frame(32);	/* segments 0-31 are the long frame's */
	for (i = 0; i < 32; i++) {
		off[i] = (uint64_t)i * GPA_STRIDE + GPA_HEADROOM;
		len[i] = i < 31 ? GPA_SEG : (uint16_t)(65535 - 31 * GPA_SEG);
	}
	m[1] = gpa_chain(off, len, 32);
	m[2] = gpa_frame(33);
	assert_int_equal(hn_xmit_pkts(fx.txq, m, 3), 3);
	host_expect_gpa_frame(32, &s[0]);
	host_read_gpa(&s[1]);
	assert_int_equal(s[1].type, HV_PKT_DATA_GPA_DIRECT);
	assert_int_equal(s[1].nranges, 32);
	assert_int_equal(s[1].nv.chim_idx, fx.txq->first_section + tx_index(s[1].xid));
	memcpy(&h, fx.hn->chim + (size_t)s[1].nv.chim_idx * CHIM_SECTION, sizeof(h));
	assert_int_equal(h.type, HV_RNDIS_PACKET_MSG);
	assert_int_equal(s[1].nv.chim_sz, h.data_offset + HV_RNDIS_OFFSET_BASE);
	assert_int_equal(h.len, s[1].nv.chim_sz + 65535);
	for (i = 0; i < 32; i++)
		assert_gpa_range(&s[1], i, GPA_BASE + off[i], len[i]);
	assert_gpa_words(&s[1]);
	host_expect_gpa_frame(33, &s[2]);
	assert_int_equal(s[0].nv.chim_idx, HV_NVSP_CHIM_IDX_INVALID);
	assert_int_equal(s[2].nv.chim_idx, HV_NVSP_CHIM_IDX_INVALID);
	expect_nothing_sent();
	assert_int_equal(fx.txq->stats.gpa, 3);
	assert_int_equal(fx.txq->stats.gpa_section_hdr, 1);
	assert_int_equal(fx.txq->stats.packets, 3);
	complete_all(0, s, 3);
}

/*
 * The host scribbles the send ring's read index. Each refused send counts
 * as a broken ring, never as a full one:
 *  - a frame by address is refused when its stage goes (the burst says 0,
 *    the caller keeps the frame);
 *  - a copied frame is taken into a new section; the frame by address
 *    after it is refused when that section must go first, and the
 *    section again at the burst's end (the burst says 1);
 *  - the next burst's first act, sending that section, is refused.
 * Once the index makes sense again, the section goes, then the frame by
 * address; every mbuf comes back.
 */
static void
test_tx_broken_ring_counted(void **state)
{
	uint32_t rindex = fx.vc->tx.hdr->read_index;
	struct hv_rndis_packet_msg h;
	struct rte_mbuf *m[2];
	const uint8_t *sec;
	union hv_nvsp_msg nv;
	uint8_t frame[60];
	struct gpa_seen s;
	unsigned int avail;
	uint64_t xid;
	uint16_t type;

	(void)state;
	avail = rte_mempool_avail_count(pool);
	m[1] = gpa_frame(0);
	fx.vc->tx.hdr->read_index = rindex + 4;		/* not a multiple of 8 */
	assert_int_equal(hn_xmit_pkts(fx.txq, m + 1, 1), 0);
	assert_int_equal(fx.txq->stats.ring_broken, 1);
	m[0] = pool_frame(sizeof(frame), 5);
	make_frame(frame, sizeof(frame), 5);
	assert_int_equal(hn_xmit_pkts(fx.txq, m, 2), 1);
	assert_int_equal(fx.txq->stats.ring_broken, 3);
	assert_int_equal(hn_xmit_pkts(fx.txq, m + 1, 1), 0);
	assert_int_equal(fx.txq->stats.ring_broken, 4);
	assert_int_equal(fx.txq->stats.ring_full, 0);
	assert_int_equal(fx.txq->stats.gpa, 0);
	assert_int_equal(fx.txq->stats.copied, 1);
	assert_descriptors_accounted();
	expect_nothing_sent();
	/* the copied frame is freed, the one by address is the caller's */
	assert_int_equal(rte_mempool_avail_count(pool), avail - 1);
	fx.vc->tx.hdr->read_index = rindex;
	assert_int_equal(hn_xmit_pkts(fx.txq, m + 1, 1), 1);
	assert_int_equal(fx.txq->stats.ring_broken, 4);
	xid = host_read_send(&nv, &type);
	assert_int_equal(type, HV_PKT_DATA_INBAND);
	assert_int_equal(nv.rndis_pkt.chim_idx, fx.txq->first_section + tx_index(xid));
	sec = fx.hn->chim + (size_t)nv.rndis_pkt.chim_idx * CHIM_SECTION;
	memcpy(&h, sec, sizeof(h));
	assert_int_equal(h.data_len, sizeof(frame));
	assert_int_equal(nv.rndis_pkt.chim_sz, h.len);
	assert_memory_equal(sec + HV_RNDIS_OFFSET_BASE + h.data_offset, frame, sizeof(frame));
	host_expect_gpa_frame(0, &s);
	expect_nothing_sent();
	complete_all(xid, &s, 1);
	assert_int_equal(rte_mempool_avail_count(pool), avail);
}

/*
 * The host overwrites the write index while a burst's packet is in the
 * ring: the burst cannot publish it. That counts as a broken ring, and so
 * does the next burst, which the ring (marked broken) refuses outright.
 */
static void
test_tx_publish_refused_counted(void **state)
{
	struct rte_mbuf *m[2];

	(void)state;
	m[0] = gpa_frame(0);
	m[1] = gpa_frame(1);
	fx.vc->scribble_before_publish = true;
	assert_int_equal(hn_xmit_pkts(fx.txq, m, 1), 1);	/* written, not published */
	assert_false(fx.vc->scribble_before_publish);
	assert_int_equal(fx.txq->stats.ring_broken, 1);
	assert_int_equal(hn_xmit_pkts(fx.txq, m + 1, 1), 0);
	assert_int_equal(fx.txq->stats.ring_broken, 2);
	assert_int_equal(fx.txq->stats.ring_full, 0);
	assert_int_equal(fx.txq->stats.gpa, 1);
	rte_pktmbuf_free(m[1]);
}

/* While a staged run fails to go, another lcore takes the completion of
 * its packet complete_slot (a forged id: the host never saw it). */
static unsigned int complete_slot;

static void
complete_staged_now(struct vmbus_channel *vc, uint64_t xid)
{
	(void)vc;
	(void)xid;
	host_send_complete(fx.txq->stage.xid[complete_slot], HV_NVSP_STATUS_SUCCESS);
	hn_chan_drain(fx.hn, fx.ch, NULL, 0, HN_RX_BURST_BUDGET);
}

/* After `pass` sends, one is refused, and meanwhile the completion of
 * staged packet `slot` is taken. */
static void
fail_send_completing(unsigned int pass, unsigned int slot)
{
	fx.vc->pass_sends = pass;
	fx.vc->fail_sends = 1;
	complete_slot = slot;
	fx.vc->on_failed_send = complete_staged_now;
}

/* One of four staged packets goes, the second is refused, and the
 * completion of the fourth is taken meanwhile. The burst says 4: the
 * first was sent, the fourth went with its completion, the two between
 * them are dropped and counted. */
static void
test_tx_staged_completion_after_partial_send(void **state)
{
	struct rte_mbuf *m[4];
	struct gpa_seen s;
	unsigned int avail, i;

	(void)state;
	for (i = 0; i < 4; i++)
		m[i] = gpa_frame(i);
	avail = rte_mempool_avail_count(pool);
	fail_send_completing(1, 3);
	assert_int_equal(hn_xmit_pkts(fx.txq, m, 4), 4);
	fx.vc->on_failed_send = NULL;
	assert_int_equal(fx.txq->stats.gpa, 1);
	assert_int_equal(fx.txq->stats.packets, 1);
	assert_int_equal(fx.txq->stats.forged_completions, 1);
	assert_int_equal(fx.txq->stats.errors, 3);
	assert_int_equal(rte_mempool_avail_count(pool), avail + 3);
	host_expect_gpa_frame(0, &s);
	expect_nothing_sent();
	gpa_complete(&s);
	assert_int_equal(rte_mempool_avail_count(pool), avail + 4);
	assert_int_equal(fx.ch->bad_completions, 0);
	assert_descriptors_accounted();
}

/*
 * None of four staged packets goes, and a completion frees the third
 * frame meanwhile. A frame is the pool's or the caller's, never both: the
 * burst says 3, the third is gone with its completion, the two before it
 * are dropped and counted, the fourth is the caller's. Every descriptor
 * is in one place and nothing reached the ring.
 */
static void
test_tx_staged_completion_while_failing(void **state)
{
	struct rte_mbuf *m[4];
	unsigned int avail, i;

	(void)state;
	for (i = 0; i < 4; i++)
		m[i] = gpa_frame(i);
	avail = rte_mempool_avail_count(pool);
	fail_send_completing(0, 2);
	assert_int_equal(hn_xmit_pkts(fx.txq, m, 4), 3);
	fx.vc->on_failed_send = NULL;
	assert_int_equal(rte_mempool_avail_count(pool), avail + 3);
	assert_int_equal(fx.txq->stats.forged_completions, 1);
	assert_int_equal(fx.txq->stats.errors, 3);
	assert_int_equal(fx.txq->stats.gpa, 0);
	assert_int_equal(fx.txq->stats.packets, 0);
	assert_int_equal(fx.ch->bad_completions, 0);
	assert_int_equal(hn_txq_inflight(fx.txq), 0);
	assert_descriptors_accounted();
	expect_nothing_sent();
	rte_pktmbuf_free(m[3]);
	assert_int_equal(rte_mempool_avail_count(pool), avail + 4);
}

/* Completions of what is not posted are counted and change nothing: a
 * send that failed, the index alone of a send in flight (a guess without
 * its generation), a later generation, an index never used, one out of
 * range, one of the wrong NVSP type. Then the real one frees the frame,
 * and a second copy of it is refused too. */
static void
test_tx_completion_ids_checked(void **state)
{
	const uint32_t wrong_type[2] = { HV_NVSP_MSG_RNDIS_PKT, HV_NVSP_STATUS_SUCCESS };
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	union hv_nvsp_msg nv;
	unsigned int avail;
	uint16_t type;
	uint64_t xid;

	(void)state;
	make_frame(rte_pktmbuf_mtod(m, uint8_t *), 1400, 9);
	rte_pktmbuf_append(m, 1400);
	avail = rte_mempool_avail_count(pool);
	fx.vc->fail_sends = 1;
	fx.vc->on_failed_send = record_refused_send;
	assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 0);
	fx.vc->on_failed_send = NULL;
	host_send_complete(refused_xid, HV_NVSP_STATUS_SUCCESS);
	hn_chan_drain_for_tx(fx.txq);
	assert_int_equal(fx.ch->bad_completions, 1);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	assert_int_equal(rte_mempool_avail_count(pool), avail);

	assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 1);
	xid = host_read_send(&nv, &type);
	assert_int_equal(type, HV_PKT_DATA_GPA_DIRECT);
	host_send_complete(tx_index(xid), HV_NVSP_STATUS_SUCCESS);
	host_send_complete(xid + (UINT64_C(1) << 16), HV_NVSP_STATUS_SUCCESS);
	host_send_complete(xid ^ 1, HV_NVSP_STATUS_SUCCESS);
	host_send_complete(NB_DESC + 3, HV_NVSP_STATUS_SUCCESS);
	host_packet(HV_PKT_COMPLETION, xid, wrong_type, sizeof(wrong_type));
	hn_chan_drain_for_tx(fx.txq);
	assert_int_equal(fx.ch->bad_completions, 6);
	assert_ptr_equal(fx.txq->txd[tx_index(xid)].m, m);
	assert_int_equal(rte_mempool_avail_count(pool), avail);
	assert_int_equal(hn_txq_inflight(fx.txq), 1);

	host_send_complete(xid, HV_NVSP_STATUS_SUCCESS);
	host_send_complete(xid, HV_NVSP_STATUS_SUCCESS);
	hn_chan_drain_for_tx(fx.txq);
	assert_int_equal(fx.ch->bad_completions, 7);
	assert_int_equal(rte_mempool_avail_count(pool), avail + 1);
	assert_int_equal(hn_txq_inflight(fx.txq), 0);
	assert_descriptors_accounted();
}

/* ---- malformed descriptors --------------------------------------------------- */

/* A packet of `bytes` bytes (zeros past the descriptor) whose descriptor
 * says what the test wants, true or not. */
static void
host_raw(uint16_t type, uint16_t offset8, uint16_t len8, uint64_t xid, uint32_t bytes)
{
	static uint8_t pkt[24576];
	struct hv_pkt_desc *d = (void *)pkt;

	assert_true(bytes <= sizeof(pkt));
	memset(pkt, 0, bytes);
	d->type = type;
	d->offset8 = offset8;
	d->len8 = len8;
	d->flags = HV_PKT_FLAG_COMPLETION_REQUESTED;
	d->trans_id = xid;
	assert_int_equal(fake_host_write(fx.vc, pkt, bytes), 0);
}

/* A 1400-byte frame sent by address and read by the host: its id. */
static uint64_t
post_gpa_send(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	union hv_nvsp_msg nv;
	uint16_t type;

	make_frame(rte_pktmbuf_mtod(m, uint8_t *), 1400, 1);
	rte_pktmbuf_append(m, 1400);
	assert_int_equal(hn_xmit_pkts(fx.txq, &m, 1), 1);
	return host_read_send(&nv, &type);
}

/* Behind the bad descriptor: a frame and the completion of a send. Both
 * are processed; the bad one was counted once and, being a transfer
 * packet, completed as failed. */
static void
expect_frame_and_send_completion_behind(uint64_t bad_xid)
{
	struct rte_mbuf *m[4];
	unsigned int avail = rte_mempool_avail_count(pool);

	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 1);
	assert_mbuf_bytes(m[0], frame_behind, sizeof(frame_behind));
	rte_pktmbuf_free(m[0]);
	hn_rxq_flush(fx.rxq);	/* the queue's mbuf cache back to the pool */
	assert_int_equal(hn_txq_inflight(fx.txq), 0);
	assert_int_equal(rte_mempool_avail_count(pool), avail + 1);	/* the sent frame */
	assert_int_equal(fx.ch->bad_descriptors, 1);
	assert_int_equal(fx.ch->bad_completions, 0);
	expect_rx_completion(bad_xid, HV_NVSP_STATUS_FAILED);
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 0);
	assert_int_equal(fx.ch->bad_descriptors, 1);
}

/* A descriptor whose data offset is outside the packet (-EBADMSG from the
 * ring) is skipped by its length, not left to block the channel. */
static void
test_chan_bad_offset_descriptor_skipped(void **state)
{
	struct hv_xfer_range r;
	uint64_t xid;

	(void)state;
	xid = post_gpa_send();
	host_raw(HV_PKT_DATA_XFER_PAGES, 1, 4, 0x51, 32);
	r = put_plain_frame(frame_behind, sizeof(frame_behind), 31);
	host_xfer(XID, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
	host_send_complete(xid, HV_NVSP_STATUS_SUCCESS);
	expect_frame_and_send_completion_behind(0x51);
}

/* A packet that wraps around the ring's end and is larger than the
 * scratch area (-ENOBUFS) is skipped the same way. */
static void
test_chan_oversized_wrapping_descriptor_skipped(void **state)
{
	struct hv_xfer_range r;
	uint64_t xid;
	unsigned int i;

	(void)state;
	/* 15 packets of 4 KiB to bring the write index near the end */
	for (i = 0; i < 15; i++) {
		host_raw(0x9, 2, 512, 0, 4096);
		hn_chan_drain(fx.hn, fx.ch, NULL, 0, HN_RX_BURST_BUDGET);
	}
	assert_int_equal(fx.ch->bad_packets, 15);
	xid = post_gpa_send();
	assert_true(20000 > VMBUS_CHAN_SCRATCH);
	host_raw(HV_PKT_DATA_XFER_PAGES, 2, 20000 / 8, 0x52, 20000);
	r = put_plain_frame(frame_behind, sizeof(frame_behind), 33);
	host_xfer(XID, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
	host_send_complete(xid, HV_NVSP_STATUS_SUCCESS);
	expect_frame_and_send_completion_behind(0x52);
}

/* A length past what the host published: where the next packet starts is
 * unknown, so everything published is skipped (here, a frame too), and
 * counted once. What comes afterwards is read again. */
static void
test_chan_unusable_length_skips_pending(void **state)
{
	uint8_t frame[64];
	struct hv_xfer_range r;
	struct rte_mbuf *m[4];
	uint64_t xid;

	(void)state;
	xid = post_gpa_send();
	host_raw(HV_PKT_DATA_XFER_PAGES, 2, 0xffff, 0x53, 32);
	r = put_plain_frame(frame, sizeof(frame), 35);
	host_xfer(XID, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 0);
	assert_int_equal(fx.ch->bad_descriptors, 1);
	expect_nothing_sent();

	r = put_plain_frame(frame, sizeof(frame), 37);
	host_xfer(XID + 1, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
	host_send_complete(xid, HV_NVSP_STATUS_SUCCESS);
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 4), 1);
	assert_mbuf_bytes(m[0], frame, sizeof(frame));
	rte_pktmbuf_free(m[0]);
	assert_int_equal(hn_txq_inflight(fx.txq), 0);
	assert_int_equal(fx.ch->bad_descriptors, 1);
	expect_rx_completion(XID + 1, HV_NVSP_STATUS_SUCCESS);
	expect_nothing_sent();
}

/* ---- control mailbox ------------------------------------------------------- */

/* An NVSP completion of the armed request reaches the mailbox; the same
 * on another transaction id does not. */
static void
test_ctl_nvsp_completion(void **state)
{
	struct hv_nvsp_init_complete resp = {
		.type = HV_NVSP_MSG_INIT_COMPLETE,
		.status = HV_NVSP_STATUS_SUCCESS,
	};
	uint64_t xid;

	(void)state;
	xid = hn_ctl_arm(fx.hn, HN_CTL_NVSP, 0, 0);
	assert_true(xid & HN_XID_CTL);
	resp.status = HV_NVSP_STATUS_FAILED;
	host_packet(HV_PKT_COMPLETION, xid + 1, &resp, sizeof(resp));
	resp.status = HV_NVSP_STATUS_SUCCESS;
	host_packet(HV_PKT_COMPLETION, xid, &resp, sizeof(resp));
	assert_int_equal(hn_ctl_wait(fx.hn, "test"), 0);
	/* what the packet holds past the descriptor: the answer, padded */
	assert_int_equal(fx.hn->ctl.len, RTE_ALIGN_CEIL(sizeof(resp), 8));
	assert_memory_equal(fx.hn->ctl.buf, &resp, sizeof(resp));
	assert_int_equal(fx.hn->ctl.kind, HN_CTL_NONE);
	assert_int_equal(fx.ch->bad_completions, 0);
}

/* An RNDIS completion in the receive buffer is matched by rid and type;
 * one for another request is stray. Both transfer packets complete. */
static void
test_ctl_rndis_completion(void **state)
{
	struct {
		struct hv_rndis_query_cmplt c;
		uint32_t value;
	} __attribute__((packed)) q = {
		.c = {
			.type = HV_RNDIS_QUERY_CMPLT,
			.len = sizeof(q),
			.rid = 6,
			.status = HV_RNDIS_STATUS_SUCCESS,
			.info_len = 4,
			.info_offset = HV_RNDIS_QUERY_CMPLT_INFO_OFFSET,
		},
		.value = 1500,
	};
	struct hv_xfer_range r;

	(void)state;
	hn_ctl_arm(fx.hn, HN_CTL_RNDIS, 7, HV_RNDIS_QUERY_CMPLT);
	r = rxbuf_put(&q, sizeof(q));
	host_xfer(1, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
	q.c.rid = 7;
	r = rxbuf_put(&q, sizeof(q));
	host_xfer(2, &r, 1, HV_RXBUF_XFER_PAGESET_ID);
	assert_int_equal(hn_ctl_wait(fx.hn, "test"), 0);
	assert_int_equal(fx.hn->ctl.stray, 1);
	assert_int_equal(fx.hn->ctl.len, sizeof(q));
	assert_memory_equal(fx.hn->ctl.buf, &q, sizeof(q));
	expect_rx_completion(1, HV_NVSP_STATUS_SUCCESS);
	expect_rx_completion(2, HV_NVSP_STATUS_SUCCESS);
}

/* Nobody answers: the wait ends at its deadline and says so. */
static void
test_ctl_wait_times_out(void **state)
{
	(void)state;
	hn_ctl_arm(fx.hn, HN_CTL_NVSP, 0, 0);
	assert_int_equal(hn_ctl_wait(fx.hn, "test"), -ETIMEDOUT);
	assert_int_equal(fx.hn->ctl.timeouts, 1);
	assert_int_equal(fx.hn->ctl.kind, HN_CTL_NONE);
}

/*
 * The control lock is never waited for without a deadline: a holder that
 * never lets go (a process that died holding it: dpdk-dumpcap killed by
 * SIGSEGV in a control request left testpmd's stop spinning forever) costs
 * the devarg timeout, then -ETIMEDOUT. A free lock is taken at once.
 */
static void
test_ctl_lock_deadline(void **state)
{
	uint64_t t0, waited_ms;

	(void)state;
	assert_int_equal(hn_ctl_lock(fx.hn, "test"), 0);
	t0 = rte_get_timer_cycles();
	assert_int_equal(hn_ctl_lock(fx.hn, "test"), -ETIMEDOUT);
	waited_ms = (rte_get_timer_cycles() - t0) * 1000 / rte_get_timer_hz();
	assert_in_range(waited_ms, 1000, 3000);	/* timeout_s = 1 */
	hn_ctl_unlock(fx.hn);
	assert_int_equal(hn_ctl_lock(fx.hn, "test"), 0);
	hn_ctl_unlock(fx.hn);
}

/* The mailbox holds an answer for the armed request. */
static bool
mailbox_answered(void)
{
	return HN_CTL_PHASE(__atomic_load_n(&fx.hn->ctl.state, __ATOMIC_ACQUIRE)) ==
	       HN_CTL_DONE;
}

/* Request A times out; B is armed; A's answer arrives late: it is counted
 * as stale and B's mailbox stays as it was; then B's answer is delivered. */
static void
test_ctl_late_answer_after_timeout(void **state)
{
	struct hv_nvsp_init_complete a = {
		.type = HV_NVSP_MSG_INIT_COMPLETE,
		.status = HV_NVSP_STATUS_FAILED,
	}, b = {
		.type = HV_NVSP_MSG_INIT_COMPLETE,
		.status = HV_NVSP_STATUS_SUCCESS,
	};
	uint8_t before[sizeof(fx.hn->ctl.buf)];
	uint64_t xa, xb;

	(void)state;
	xa = hn_ctl_arm(fx.hn, HN_CTL_NVSP, 0, 0);
	assert_int_equal(hn_ctl_wait(fx.hn, "A"), -ETIMEDOUT);
	xb = hn_ctl_arm(fx.hn, HN_CTL_NVSP, 0, 0);
	assert_true(xb != xa);
	memcpy(before, fx.hn->ctl.buf, sizeof(before));
	host_packet(HV_PKT_COMPLETION, xa, &a, sizeof(a));
	hn_chan_drain(fx.hn, fx.ch, NULL, 0, HN_RX_BURST_BUDGET);
	assert_false(mailbox_answered());
	assert_memory_equal(fx.hn->ctl.buf, before, sizeof(before));
	assert_int_equal(fx.hn->ctl.stale, 1);
	host_packet(HV_PKT_COMPLETION, xb, &b, sizeof(b));
	assert_int_equal(hn_ctl_wait(fx.hn, "B"), 0);
	assert_memory_equal(fx.hn->ctl.buf, &b, sizeof(b));
	assert_int_equal(fx.hn->ctl.stale, 1);
	assert_int_equal(fx.hn->ctl.timeouts, 1);
	/* B's answer again: a duplicate, stale too */
	host_packet(HV_PKT_COMPLETION, xb, &b, sizeof(b));
	hn_chan_drain(fx.hn, fx.ch, NULL, 0, HN_RX_BURST_BUDGET);
	assert_int_equal(fx.hn->ctl.stale, 2);
	assert_int_equal(fx.ch->bad_completions, 0);
}

/* An RNDIS answer, as large as the mailbox, made of one byte value. */
struct late_answer {
	uint8_t msg[HN_CTL_MSG_MAX];
	uint32_t rid;		/* the request it answers: 0 none yet */
	uint32_t answered;	/* the last rid delivered (drainer) */
	uint32_t stop;
};

static void
make_query_answer(uint8_t *msg, uint32_t rid, uint8_t fill)
{
	struct hv_rndis_query_cmplt c = {
		.type = HV_RNDIS_QUERY_CMPLT,
		.len = HN_CTL_MSG_MAX,
		.rid = rid,
		.status = HV_RNDIS_STATUS_SUCCESS,
		.info_len = HN_CTL_MSG_MAX - sizeof(c),
		.info_offset = HV_RNDIS_QUERY_CMPLT_INFO_OFFSET,
	};

	memset(msg, fill, HN_CTL_MSG_MAX);
	memcpy(msg, &c, sizeof(c));
}

/* Another lcore draining the primary channel: delivers the answer of each
 * request the test makes, whenever it gets to it. */
static void *
late_drainer(void *arg)
{
	struct late_answer *la = arg;
	uint32_t done = 0;

	while (!__atomic_load_n(&la->stop, __ATOMIC_ACQUIRE)) {
		uint32_t rid = __atomic_load_n(&la->rid, __ATOMIC_ACQUIRE);

		if (rid == done) {
			rte_pause();
			continue;
		}
		hn_ctl_deliver_rndis(&fx.hn->ctl, la->msg, HN_CTL_MSG_MAX, HV_RNDIS_QUERY_CMPLT);
		done = rid;
		__atomic_store_n(&la->answered, rid, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* The race itself, many times: A's answer is being delivered while A
 * times out and B is armed. B's mailbox never holds A's answer, and every
 * answer of A is either A's or counted. */
static void
test_ctl_late_answer_race(void **state)
{
	static struct late_answer la;
	uint32_t i, rounds = 20000, in_time = 0, wrong = 0;
	uint64_t stray0 = fx.hn->ctl.stray + fx.hn->ctl.stale;
	int level = rte_log_get_level(RTE_LOGTYPE_USER1);
	pthread_t t;
	cpu_set_t cpus;

	(void)state;
	memset(&la, 0, sizeof(la));
	fx.hn->args.timeout_s = 0;	/* every wait ends at once */
	rte_log_set_level(RTE_LOGTYPE_USER1, RTE_LOG_CRIT);
	assert_int_equal(pthread_create(&t, NULL, late_drainer, &la), 0);
	CPU_ZERO(&cpus);
	CPU_SET(1, &cpus);
	pthread_setaffinity_np(t, sizeof(cpus), &cpus);	/* another CPU if there is one */
	for (i = 0; i < rounds && wrong == 0; i++) {
		uint32_t rid_a = 2 * i + 1, spin;

		make_query_answer(la.msg, rid_a, 0xaa);
		hn_ctl_arm(fx.hn, HN_CTL_RNDIS, rid_a, HV_RNDIS_QUERY_CMPLT);
		__atomic_store_n(&la.rid, rid_a, __ATOMIC_RELEASE);
		for (spin = 0; spin < i % 97; spin++)
			rte_pause();
		if (hn_ctl_wait(fx.hn, "A") == 0) {
			in_time++;
			if (fx.hn->ctl.buf[HN_CTL_MSG_MAX - 1] != 0xaa)
				wrong++;
		}
		hn_ctl_arm(fx.hn, HN_CTL_RNDIS, rid_a + 1, HV_RNDIS_QUERY_CMPLT);
		while (__atomic_load_n(&la.answered, __ATOMIC_ACQUIRE) != rid_a)
			rte_pause();
		if (mailbox_answered())
			wrong++;	/* A's answer in B's mailbox */
		hn_ctl_disarm(fx.hn);
	}
	__atomic_store_n(&la.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	rte_log_set_level(RTE_LOGTYPE_USER1, level);
	print_message("# %u rounds, %u answered in time, %u wrong\n", i, in_time, wrong);
	assert_int_equal(wrong, 0);
	assert_int_equal(fx.hn->ctl.stray + fx.hn->ctl.stale - stray0, rounds - in_time);
}

/* ---- what goes up to RNDIS and NVSP ----------------------------------------- */

/* A status indication among frames reaches hn_rndis_status(); an in-band
 * notification reaches hn_nvsp_inband(). */
/* ---- VF failover: the switch's completion, the queue gates ------------------ */

/* SWITCH_DATA_PATH's completion (hn_vf.c waits on it): empty means done,
 * {129, status != 1} failed; other transaction ids leave it alone and are
 * no bad completion. */
static void
test_vf_switch_completion(void **state)
{
	const uint32_t failed[2] = { HV_NVSP_MSG_SWITCH_DATAPATH, HV_NVSP_STATUS_FAILED };
	const uint32_t ok[2] = { HV_NVSP_MSG_SWITCH_DATAPATH, HV_NVSP_STATUS_SUCCESS };
	const uint64_t xid = HN_XID_CTL | (UINT64_C(1) << 62) | 7;

	(void)state;
	fx.hn->ctl.vf_switch_xid = xid;
	host_packet(HV_PKT_COMPLETION, xid + 1, NULL, 0);	/* someone else's */
	hn_chan_drain(fx.hn, fx.ch, NULL, 0, 64);
	assert_int_equal(fx.hn->ctl.vf_switch_result, 0);
	host_packet(HV_PKT_COMPLETION, xid, NULL, 0);
	hn_chan_drain(fx.hn, fx.ch, NULL, 0, 64);
	assert_int_equal(fx.hn->ctl.vf_switch_result, 1);

	fx.hn->ctl.vf_switch_result = 0;
	host_packet(HV_PKT_COMPLETION, xid, failed, sizeof(failed));
	hn_chan_drain(fx.hn, fx.ch, NULL, 0, 64);
	assert_int_equal(fx.hn->ctl.vf_switch_result, 2);

	fx.hn->ctl.vf_switch_result = 0;
	host_packet(HV_PKT_COMPLETION, xid, ok, sizeof(ok));
	hn_chan_drain(fx.hn, fx.ch, NULL, 0, 64);
	assert_int_equal(fx.hn->ctl.vf_switch_result, 1);
	assert_int_equal(fx.ch->bad_completions, 0);
	assert_int_equal(fx.hn->ctl.stray, 0);
}

/* An lcore passing through its gate as a burst does, counting the
 * sections that found the flag on. */
struct gate_run {
	struct hn_vf_gate g;
	uint64_t seen_on;	/* sections that found tx_on set */
	uint32_t stop;
};

static void *
gate_lcore(void *arg)
{
	struct gate_run *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		unsigned int spin;

		hn_vf_gate_enter(&r->g);
		if (__atomic_load_n(&r->g.tx_on, __ATOMIC_ACQUIRE)) {
			/* "using the VF" for a while */
			for (spin = 0; spin < 200; spin++)
				rte_pause();
			__atomic_add_fetch(&r->seen_on, 1, __ATOMIC_RELAXED);
		}
		hn_vf_gate_leave(&r->g);
	}
	return NULL;
}

static bool
close_one(struct hn_vf_gate *g, uint64_t wait_cycles)
{
	struct hn_vf_gate *gates[1] = { g };
	uint32_t *flags[1] = { &g->tx_on };

	return hn_vf_gates_close(gates, flags, 1, wait_cycles);
}

/* After hn_vf_gates_close() returns, no section of the lcore uses the VF
 * any more: the count of sections that saw the flag on stands still.
 * Twenty rounds of on, run, off. */
static void
gate_quiescence(void)
{
	static struct gate_run r;
	pthread_t t;
	int round;

	memset(&r, 0, sizeof(r));
	assert_int_equal(pthread_create(&t, NULL, gate_lcore, &r), 0);
	for (round = 0; round < 20; round++) {
		uint64_t before, after;

		__atomic_store_n(&r.g.tx_on, 1, __ATOMIC_RELEASE);
		before = __atomic_load_n(&r.seen_on, __ATOMIC_RELAXED);
		while (__atomic_load_n(&r.seen_on, __ATOMIC_RELAXED) < before + 10)
			rte_pause();
		assert_true(close_one(&r.g, rte_get_timer_hz()));
		after = __atomic_load_n(&r.seen_on, __ATOMIC_ACQUIRE);
		rte_delay_us_block(2000);
		assert_int_equal(__atomic_load_n(&r.seen_on, __ATOMIC_ACQUIRE), after);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	assert_int_equal(r.g.busy & 1, 0);
}

/* Before registering: the bursts fence, the control side fences. */
static void
test_vf_gate_quiescence_fenced(void **state)
{
	(void)state;
	assert_false(hn_vf_gate_barrier_on());
	assert_true(hn_vf_gate_fence);
	gate_quiescence();
}

/* Registered for membarrier (this kernel has it; else the fenced pair
 * again, said): the bursts only keep the compiler in order. */
static void
test_vf_gate_quiescence_membarrier(void **state)
{
	(void)state;
	hn_vf_gate_barrier_init();
	if (!hn_vf_gate_barrier_on())
		print_message("# no membarrier on this kernel: fenced bursts\n");
	else
		assert_false(hn_vf_gate_fence);
	gate_quiescence();
}

/* A burst that never leaves its section is given up on, not waited for. */
static void
test_vf_gate_stuck_bounded(void **state)
{
	struct hn_vf_gate g = { .tx_on = 1 };
	uint64_t t0;

	(void)state;
	hn_vf_gate_enter(&g);	/* and never leaves */
	t0 = rte_get_timer_cycles();
	assert_false(close_one(&g, rte_get_timer_hz() / 100));
	assert_true(rte_get_timer_cycles() - t0 < rte_get_timer_hz());
	assert_int_equal(g.tx_on, 0);
}

static void
test_status_and_inband_sinks(void **state)
{
	struct hv_rndis_status_msg s = {
		.type = HV_RNDIS_INDICATE_STATUS_MSG,
		.len = sizeof(s),
		.status = HV_RNDIS_STATUS_MEDIA_DISCONNECT,
	};
	struct hv_nvsp_vf_assoc vf = { .type = HV_NVSP_MSG_VF_ASSOC, .allocated = 1 };
	uint8_t frame[64];
	struct hv_xfer_range r[2];
	struct rte_mbuf *m[2];

	(void)state;
	r[0] = rxbuf_put(&s, sizeof(s));
	r[1] = put_plain_frame(frame, sizeof(frame), 17);
	host_xfer(XID, r, 2, HV_RXBUF_XFER_PAGESET_ID);
	host_packet(HV_PKT_DATA_INBAND, 0, &vf, sizeof(vf));
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 2), 1);
	rte_pktmbuf_free(m[0]);
	assert_int_equal(rndis_status_seen.calls, 1);
	assert_int_equal(rndis_status_seen.status, HV_RNDIS_STATUS_MEDIA_DISCONNECT);
	assert_int_equal(inband_seen.calls, 1);
	assert_int_equal(inband_seen.type, HV_NVSP_MSG_VF_ASSOC);
	assert_int_equal(inband_seen.len, RTE_ALIGN_CEIL(sizeof(vf), 8));
	expect_rx_completion(XID, HV_NVSP_STATUS_SUCCESS);
	assert_int_equal(fx.ch->bad_packets, 0);
}

/* An in-band notification of no known type is counted (hvsim's corrupt
 * inband moved no counter: harmless, but invisible) */
static void
test_inband_unknown_counted(void **state)
{
	const uint32_t junk[2] = { 0x5a5a, 0 };
	struct rte_mbuf *m[2];

	(void)state;
	host_packet(HV_PKT_DATA_INBAND, 0, junk, sizeof(junk));
	assert_int_equal(hn_recv_pkts(fx.rxq, m, 2), 0);
	assert_int_equal(inband_seen.calls, 1);
	assert_int_equal(fx.ch->bad_packets, 1);
}

int
main(void)
{
	char *eal_args[] = {
		"test_pmd_chan", "--no-huge", "--no-pci", "-m", "64", "--no-shconf",
		"-l", "0", "--log-level=error",
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rx_frame_offloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_completions_wait_for_ring_room, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_short_frame_at_buffer_end, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_three_frames_one_completion, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_vlan_reinserted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_truncated_message_dropped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_bad_transfer_packets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_unknown_packet_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_malformed_descriptor_skipped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_staged_for_receiver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_staged_whole_packets_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_poll_small_queue_whole_batch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_poll_waits_behind_parked_frames, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_stopped_queue_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lro_chain_reassembled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lro_chain_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lro_broken_chain_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_copy_and_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_fast_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_done_cleanup_counts_packets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_gpa_tso_31_mbufs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_gpa_sections_too_small_for_header, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_gpa_tso_32_mbufs_header_in_section, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_gpa_merge_and_too_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_gpa_one_range_across_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_frame_received_in_place_goes_by_address, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_tag_inside_shared_frame_untouched, setup,
						teardown),
		cmocka_unit_test(test_vf_rx_ran_dry_needs_whole_steps),
		cmocka_unit_test_setup_teardown(test_inband_completion_waits_for_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_descriptor_status_from_the_next_send, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_gpa_completion_frees_mbuf, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_completion_in_failed_gpa_send, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_completion_in_failed_section_send, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_staged_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_header_slot_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_staged_partly_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_staged_stop_after_copied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_staged_stop_before_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_free_batch_between_staged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_broken_ring_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_publish_refused_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_staged_header_in_section_between, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_staged_completion_after_partial_send, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_staged_completion_while_failing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_completion_ids_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chan_bad_offset_descriptor_skipped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_chan_oversized_wrapping_descriptor_skipped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chan_unusable_length_skips_pending, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ctl_nvsp_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctl_rndis_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctl_wait_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctl_lock_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctl_late_answer_after_timeout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ctl_late_answer_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inband_unknown_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_and_inband_sinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vf_switch_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vf_gate_quiescence_fenced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vf_gate_quiescence_membarrier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vf_gate_stuck_bounded, setup, teardown),
	};

	rte_openlog_stream(stderr);
	if (rte_eal_init((int)RTE_DIM(eal_args), eal_args) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	rte_openlog_stream(stderr);
	gpa_area = rte_zmalloc("gpa_area", (size_t)GPA_SEGS_MAX * GPA_STRIDE + 65536, 4096);
	if (gpa_area == NULL) {
		fprintf(stderr, "no memory\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("pmd_test", POOL_MBUFS, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "no mbuf pool\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
