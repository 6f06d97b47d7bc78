/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * The inbound side of a channel: every VMBus packet the host sends is
 * parsed here, in place in the ring (protocol doc §B, §F):
 *   0x7 transfer pages  RNDIS messages in the receive buffer: frames,
 *                       control completions, status indications; one
 *                       completion goes back per packet, always;
 *   0xB completion      NVSP answers to the control path, and send
 *                       completions that free TX descriptors;
 *   0x6 in-band         host notifications (VF, send table).
 * Everything the host wrote is read once into local copies and checked
 * before use; a bad message is counted and skipped.
 *
 * One thread drains a channel at a time (hn_chan.owner). Frames go
 * straight into the caller's burst array; when the drainer is not that
 * queue's receiver (TX wanting completions, the control thread waiting
 * for an answer) they are parked in the queue's staging ring.
 */

#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include "hn_var.h"

/* Where frames go during one drain. */
struct hn_sink {
	struct rte_mbuf **pkts;
	uint16_t n;
	uint16_t max;
};

/* One transfer packet being parsed. */
struct hn_xfer {
	struct hn_sink *sink;
	struct hn_rx_ext *ext;		/* its frames were attached (lazily) */
	uint64_t xid;
};

static inline bool
chan_try_own(struct hn_chan *ch)
{
	uint32_t expected = 0;

	return __atomic_compare_exchange_n(&ch->owner, &expected, 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void
chan_release(struct hn_chan *ch)
{
	__atomic_store_n(&ch->owner, 0, __ATOMIC_RELEASE);
}

/* ---- receive completions ------------------------------------------------ */

int
hn_chan_alloc_acks(struct hn_dev *hv, struct hn_chan *ch)
{
	/* at most one outstanding transfer packet per receive slot */
	ch->ack_cap = hv->rx_slots + 1;
	ch->acks = rte_zmalloc("hn_acks", sizeof(uint64_t) * ch->ack_cap, 0);
	ch->ack_head = 0;
	ch->ack_count = 0;
	if (ch->acks == NULL)
		return -ENOMEM;
	if (hv->args.rx_extmbuf) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "hn_xa_p%u_c%u_%u", hv->port_id, ch->index,
			 hv->session);
		ch->ext_acks = rte_ring_create_elem(name, sizeof(uint64_t),
						    rte_align32pow2(ch->ack_cap + 1),
						    SOCKET_ID_ANY, RING_F_SC_DEQ);
		if (ch->ext_acks == NULL)
			return -ENOMEM;
	}
	return 0;
}

void
hn_chan_free_acks(struct hn_chan *ch)
{
	rte_free(ch->acks);
	ch->acks = NULL;
	rte_ring_free(ch->ext_acks);
	ch->ext_acks = NULL;
	ch->ack_cap = 0;
	ch->ack_count = 0;
}

static int
ack_send(struct hn_chan *ch, uint64_t xid, uint32_t status, bool *sig)
{
	struct hv_nvsp_rndis_pkt_complete c = {
		.type = HV_NVSP_MSG_RNDIS_PKT_COMPLETE,
		.status = status,
	};
	bool s = false;
	int ret;

	ret = vmbus_chan_send(ch->vc, HV_PKT_COMPLETION, &c, sizeof(c), xid, 0, &s);
	*sig |= s;
	return ret;
}

/* Retry completions the ring had no room for, oldest first. */
static void
acks_flush(struct hn_chan *ch, bool *sig)
{
	while (ch->ack_count > 0) {
		if (ack_send(ch, ch->acks[ch->ack_head], HV_NVSP_STATUS_SUCCESS, sig) < 0)
			return;
		ch->ack_head = (ch->ack_head + 1) % ch->ack_cap;
		ch->ack_count--;
	}
}

static void ack_rx(struct hn_chan *ch, uint64_t xid, uint32_t status, bool *sig);

/* Completions free callbacks could not send go through the queue. */
static void
ext_acks_collect(struct hn_chan *ch, bool *sig)
{
	uint64_t xid;

	if (ch->ext_acks == NULL)
		return;
	while (rte_ring_sc_dequeue_elem(ch->ext_acks, &xid, sizeof(xid)) == 0)
		ack_rx(ch, xid, HV_NVSP_STATUS_SUCCESS, sig);
}

/* One completion per transfer packet, queued when the ring is full. */
static void
ack_rx(struct hn_chan *ch, uint64_t xid, uint32_t status, bool *sig)
{
	if (ch->ack_count == 0 && ack_send(ch, xid, status, sig) == 0)
		return;
	if (ch->acks == NULL || ch->ack_count == ch->ack_cap) {
		/* more outstanding packets than slots: the host broke the rules */
		ch->bad_packets++;
		return;
	}
	ch->acks[(ch->ack_head + ch->ack_count) % ch->ack_cap] = xid;
	ch->ack_count++;
	ch->acks_deferred++;
}

/* ---- frames ------------------------------------------------------------- */

/* What the per-packet info of one frame says. */
struct hn_rxinfo {
	uint32_t vlan;
	uint32_t csum;
	uint32_t hash;
	uint32_t hash_info;
	uint8_t have;		/* HN_RXI_* */
};
#define HN_RXI_VLAN	0x1
#define HN_RXI_CSUM	0x2
#define HN_RXI_HASH	0x4
#define HN_RXI_HASHINF	0x8

static int
parse_ppi(const uint8_t *p, uint32_t len, struct hn_rxinfo *info)
{
	while (len > 0) {
		struct hv_rndis_ppi e;
		uint32_t v;

		if (len < sizeof(e))
			return -EINVAL;
		memcpy(&e, p, sizeof(e));
		if (e.size < sizeof(e) || e.size > len || (e.size & 3) != 0 ||
		    e.offset < sizeof(e) || e.offset > e.size)
			return -EINVAL;
		if (e.size - e.offset >= sizeof(v)) {
			memcpy(&v, p + e.offset, sizeof(v));
			switch (e.type) {
			case HV_RNDIS_PPI_VLAN:
				info->vlan = v;
				info->have |= HN_RXI_VLAN;
				break;
			case HV_RNDIS_PPI_CSUM:
				info->csum = v;
				info->have |= HN_RXI_CSUM;
				break;
			case HV_RNDIS_PPI_HASHVAL:
				info->hash = v;
				info->have |= HN_RXI_HASH;
				break;
			case HV_RNDIS_PPI_HASHINF:
				info->hash_info = v;
				info->have |= HN_RXI_HASHINF;
				break;
			default:
				break;	/* unknown types are skipped */
			}
		}
		p += e.size;
		len -= e.size;
	}
	return 0;
}

static inline struct rte_mbuf *
rx_mbuf(struct hn_rxq *rxq)
{
	if (unlikely(rxq->cache_n == 0)) {
		if (rte_pktmbuf_alloc_bulk(rxq->mp, rxq->cache, HN_RX_MBUF_CACHE) != 0)
			return NULL;
		rxq->cache_n = HN_RX_MBUF_CACHE;
	}
	return rxq->cache[--rxq->cache_n];
}

/* Copy a frame, chaining mbufs when scatter is on. */
static struct rte_mbuf *
rx_copy(struct hn_rxq *rxq, const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *head = rx_mbuf(rxq);
	struct rte_mbuf *m;

	if (unlikely(head == NULL)) {
		rxq->stats.nombuf++;
		return NULL;
	}
	if (likely(len <= rte_pktmbuf_tailroom(head))) {
		rte_memcpy(rte_pktmbuf_mtod(head, void *), data, len);
		head->data_len = (uint16_t)len;
		head->pkt_len = len;
		return head;
	}
	if (!rxq->scatter) {
		rxq->stats.too_long++;
		rte_pktmbuf_free(head);
		return NULL;
	}
	head->pkt_len = len;
	for (m = head;;) {
		uint32_t take = RTE_MIN(len, (uint32_t)rte_pktmbuf_tailroom(m));

		rte_memcpy(rte_pktmbuf_mtod(m, void *), data, take);
		m->data_len = (uint16_t)take;
		data += take;
		len -= take;
		if (len == 0)
			return head;
		m->next = rx_mbuf(rxq);
		if (m->next == NULL) {
			rxq->stats.nombuf++;
			rte_pktmbuf_free(head);
			return NULL;
		}
		m = m->next;
		head->nb_segs++;
	}
}

static void
rx_fill(struct hn_rxq *rxq, struct rte_mbuf *m, const struct hn_rxinfo *info)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint64_t fl = 0;

	m->port = rxq->port_id;
	m->packet_type = RTE_PTYPE_L2_ETHER;
	if (info->have & HN_RXI_CSUM) {
		if (info->csum & HV_RNDIS_RXCSUM_IP_OK)
			fl |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
		else if (info->csum & HV_RNDIS_RXCSUM_IP_FAILED)
			fl |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
		if (info->csum & (HV_RNDIS_RXCSUM_TCP_OK | HV_RNDIS_RXCSUM_UDP_OK))
			fl |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		else if (info->csum & (HV_RNDIS_RXCSUM_TCP_FAILED | HV_RNDIS_RXCSUM_UDP_FAILED))
			fl |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
	}
	/* a hash info without a value is meaningless (§F.5) */
	if ((info->have & (HN_RXI_HASH | HN_RXI_HASHINF)) == (HN_RXI_HASH | HN_RXI_HASHINF)) {
		m->hash.rss = info->hash;
		fl |= RTE_MBUF_F_RX_RSS_HASH;
	}
	m->ol_flags |= fl;	/* keeps RTE_MBUF_F_EXTERNAL of an attached frame */
	if (unlikely(rte_is_multicast_ether_addr(&eh->dst_addr))) {
		if (rte_is_broadcast_ether_addr(&eh->dst_addr))
			rxq->stats.broadcast++;
		else
			rxq->stats.multicast++;
	}
	if (info->have & HN_RXI_VLAN) {
		m->vlan_tci = HV_RNDIS_VLAN_TO_TCI(info->vlan);
		m->ol_flags |= RTE_MBUF_F_RX_VLAN;
		if (rxq->vlan_strip)
			m->ol_flags |= RTE_MBUF_F_RX_VLAN_STRIPPED;
		else if (rte_vlan_insert(&m) == 0)	/* the host always strips */
			m->ol_flags &= ~RTE_MBUF_F_RX_VLAN;
	}
}

/* Hand a frame to the burst, or park it for the queue's receiver. */
static void
rx_deliver(struct hn_rxq *rxq, struct hn_sink *sink, struct rte_mbuf *m)
{
	if (sink != NULL && sink->n < sink->max) {
		sink->pkts[sink->n++] = m;
	} else if (rte_ring_sp_enqueue(rxq->staging, m) == 0) {
		rxq->stats.staged++;
	} else {
		rxq->stats.staging_full++;
		rte_pktmbuf_free(m);
		return;
	}
	rxq->stats.packets++;
	rxq->stats.bytes += m->pkt_len;
	rxq->stats.bins[hn_size_bin(m->pkt_len)]++;
}

/* ---- frames attached in place (rx_extmbuf_enable) ------------------------ */

int
hn_rxq_ext_setup(struct hn_rxq *rxq, int socket)
{
	char name[RTE_RING_NAMESIZE];
	uint32_t i;

	rxq->ext = rte_zmalloc_socket("hn_rx_ext", sizeof(*rxq->ext) * rxq->nb_desc,
				      RTE_CACHE_LINE_SIZE, socket);
	snprintf(name, sizeof(name), "hn_rxe_p%u_q%u", rxq->port_id, rxq->queue_id);
	rxq->ext_free = rte_ring_create_elem(name, sizeof(uint32_t),
					     rte_align32pow2(rxq->nb_desc + 1u), socket,
					     RING_F_SC_DEQ);
	if (rxq->ext == NULL || rxq->ext_free == NULL) {
		hn_rxq_ext_release(rxq);
		return -ENOMEM;
	}
	for (i = 0; i < rxq->nb_desc; i++) {
		rxq->ext[i].rxq = rxq;
		rxq->ext[i].idx = i;
		rte_ring_mp_enqueue_elem(rxq->ext_free, &i, sizeof(i));
	}
	return 0;
}

void
hn_rxq_ext_release(struct hn_rxq *rxq)
{
	rte_ring_free(rxq->ext_free);
	rte_free(rxq->ext);
	rxq->ext_free = NULL;
	rxq->ext = NULL;
}

/*
 * The last mbuf of a transfer packet is freed (any thread): give the
 * slots back. The bus's send is multi-producer safe; when the ring is
 * full the channel's drainer sends it later.
 */
void
hn_rx_ext_free(void *addr, void *opaque)
{
	struct hn_rx_ext *e = opaque;
	struct hn_rxq *rxq = e->rxq;
	struct hn_chan *ch = e->ch;
	bool sig = false;

	RTE_SET_USED(addr);
	if (e->session == __atomic_load_n(&rxq->hv->session, __ATOMIC_ACQUIRE) &&
	    ch->vc != NULL) {
		if (ack_send(ch, e->xid, HV_NVSP_STATUS_SUCCESS, &sig) == 0) {
			if (sig)
				vmbus_chan_signal(ch->vc);
		} else if (ch->ext_acks != NULL) {
			rte_ring_mp_enqueue_elem(ch->ext_acks, &e->xid, sizeof(e->xid));
		}
	}
	rte_ring_mp_enqueue_elem(rxq->ext_free, &e->idx, sizeof(e->idx));
}

/* Attach the frame at data in place; NULL: copy it instead. */
static struct rte_mbuf *
rx_attach(struct hn_rxq *rxq, struct hn_chan *ch, struct hn_xfer *x, uint8_t *data,
	  uint32_t len)
{
	struct hn_dev *hv = rxq->hv;
	uint64_t off = (uint64_t)(data - hv->rxbuf);
	struct hn_rx_ext *e = x->ext;
	struct rte_mbuf *m;

	if (e == NULL) {
		uint32_t idx;

		if (rte_ring_sc_dequeue_elem(rxq->ext_free, &idx, sizeof(idx)) != 0) {
			rxq->stats.ext_exhausted++;
			return NULL;
		}
		e = &rxq->ext[idx];
		e->ch = ch;
		e->xid = x->xid;
		e->session = hv->session;
		e->shinfo.free_cb = hn_rx_ext_free;
		e->shinfo.fcb_opaque = e;
		rte_mbuf_ext_refcnt_set(&e->shinfo, 1);	/* the parser's reference */
		x->ext = e;
	}
	m = rx_mbuf(rxq);
	if (m == NULL)
		return NULL;
	rte_mbuf_ext_refcnt_update(&e->shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, data, (hv->rxbuf_pfn[off >> HV_PAGE_SHIFT] <<
					    HV_PAGE_SHIFT) + (off & HV_PAGE_MASK),
				  (uint16_t)len, &e->shinfo);
	m->data_off = 0;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	rxq->stats.attached++;
	return m;
}

/* The parser is done with a transfer packet: complete it now, unless
 * frames attached to it are still out there. */
static bool
rx_xfer_done(struct hn_xfer *x)
{
	struct hn_rx_ext *e = x->ext;

	if (e == NULL)
		return true;
	if (rte_mbuf_ext_refcnt_update(&e->shinfo, -1) != 0)
		return false;	/* hn_rx_ext_free() completes it */
	rte_ring_mp_enqueue_elem(e->rxq->ext_free, &e->idx, sizeof(e->idx));
	return true;
}

/* One RNDIS PACKET_MSG of `len` bytes at msg (in the receive buffer). */
static int
rx_frame(struct hn_chan *ch, struct hn_xfer *x, uint8_t *msg, uint32_t len)
{
	struct hn_sink *sink = x->sink;
	struct hn_rxq *rxq = ch->rxq;
	struct hv_rndis_packet_msg h;
	struct hn_rxinfo info = { .have = 0 };
	struct rte_mbuf *m;

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, msg, sizeof(h));
	/* §F.1: every offset and length inside the message, no overflow */
	if (h.len > len || h.data_offset < HV_RNDIS_PACKET_MSG_OFFSET_MIN ||
	    h.data_len < HV_RNDIS_RX_DATA_LEN_MIN ||
	    (uint64_t)HV_RNDIS_OFFSET_BASE + h.data_offset + h.data_len > h.len)
		return -EINVAL;
	if (h.ppi_len != 0 &&
	    (h.ppi_offset < HV_RNDIS_PACKET_MSG_OFFSET_MIN || (h.ppi_offset & 3) != 0 ||
	     (uint64_t)HV_RNDIS_OFFSET_BASE + h.ppi_offset + h.ppi_len > h.len ||
	     parse_ppi(msg + HV_RNDIS_OFFSET_BASE + h.ppi_offset, h.ppi_len, &info) < 0))
		return -EINVAL;
	if (unlikely(rxq == NULL || !rxq->started)) {
		if (rxq != NULL)
			rxq->stats.stopped_drops++;
		return 0;
	}
	m = NULL;
	if (rxq->extmbuf && h.data_len > rxq->copybreak && h.data_len <= UINT16_MAX &&
	    (rxq->vlan_strip || !(info.have & HN_RXI_VLAN)))
		m = rx_attach(rxq, ch, x, msg + HV_RNDIS_OFFSET_BASE + h.data_offset, h.data_len);
	if (m == NULL)
		m = rx_copy(rxq, msg + HV_RNDIS_OFFSET_BASE + h.data_offset, h.data_len);
	if (unlikely(m == NULL))
		return 0;
	rx_fill(rxq, m, &info);
	rx_deliver(rxq, sink, m);
	return 0;
}

/* An RNDIS completion: the control path is waiting for exactly one. */
static void
rx_ctl_cmplt(struct hn_dev *hv, const uint8_t *msg, uint32_t len, uint32_t type)
{
	uint32_t rid;

	if (len < 12)
		return;
	memcpy(&rid, msg + 8, sizeof(rid));
	if (__atomic_load_n(&hv->ctl.done, __ATOMIC_ACQUIRE) ||
	    hv->ctl.kind != HN_CTL_RNDIS || hv->ctl.rid != rid || hv->ctl.type != type ||
	    len > sizeof(hv->ctl.buf)) {
		hv->ctl.stray++;
		return;
	}
	memcpy(hv->ctl.buf, msg, len);
	hv->ctl.len = len;
	__atomic_store_n(&hv->ctl.done, 1, __ATOMIC_RELEASE);
}

static int
rx_rndis(struct hn_dev *hv, struct hn_chan *ch, struct hn_xfer *x, uint8_t *msg, uint32_t len)
{
	struct hv_rndis_msg_hdr h;

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, msg, sizeof(h));
	if (h.len > len || h.len < sizeof(h))
		return -EINVAL;
	switch (h.type) {
	case HV_RNDIS_PACKET_MSG:
		return rx_frame(ch, x, msg, h.len);
	case HV_RNDIS_INITIALIZE_CMPLT:
	case HV_RNDIS_QUERY_CMPLT:
	case HV_RNDIS_SET_CMPLT:
	case HV_RNDIS_KEEPALIVE_CMPLT:
		rx_ctl_cmplt(hv, msg, h.len, h.type);
		return 0;
	case HV_RNDIS_INDICATE_STATUS_MSG:
		hn_rndis_status(hv, msg, h.len);
		return 0;
	default:
		return -EINVAL;
	}
}

/* A transfer-page packet: ranges of the receive buffer, one message each. */
static void
rx_xfer(struct hn_dev *hv, struct hn_chan *ch, struct hn_sink *sink,
	const struct hv_ring_pkt *pkt, bool *sig)
{
	const uint8_t *p = pkt->data;
	uint32_t hlen = pkt->desc.offset8 * 8u;
	struct hn_xfer x = { .sink = sink, .ext = NULL, .xid = pkt->desc.trans_id };
	struct hv_xfer_page_hdr xh;
	uint32_t i, status = HV_NVSP_STATUS_SUCCESS;

	if (hlen < sizeof(xh)) {
		ch->bad_packets++;
		status = HV_NVSP_STATUS_FAILED;
		goto ack;
	}
	memcpy(&xh, p, sizeof(xh));
	if (xh.xfer_pageset_id != HV_RXBUF_XFER_PAGESET_ID ||
	    xh.range_cnt == 0 || xh.range_cnt > (hlen - sizeof(xh)) / sizeof(struct hv_xfer_range) ||
	    !hv->rxbuf_connected) {
		ch->bad_packets++;
		status = HV_NVSP_STATUS_FAILED;
		goto ack;
	}
	for (i = 0; i < xh.range_cnt; i++) {
		struct hv_xfer_range r;

		memcpy(&r, p + sizeof(xh) + i * sizeof(r), sizeof(r));
		if ((uint64_t)r.byte_offset + r.byte_count > hv->rxbuf_len ||
		    rx_rndis(hv, ch, &x, hv->rxbuf + r.byte_offset, r.byte_count) < 0) {
			if (ch->rxq != NULL)
				ch->rxq->stats.errors++;
			else
				ch->bad_packets++;
			status = HV_NVSP_STATUS_FAILED;
		}
	}
	if (!rx_xfer_done(&x))
		return;	/* completed when its attached frames are freed */
ack:
	/* the slots go back to the host whatever was inside (§I.1) */
	ack_rx(ch, pkt->desc.trans_id, status, sig);
}

/* A completion: an NVSP answer for the control path, or a send done. */
static void
rx_completion(struct hn_dev *hv, struct hn_chan *ch, const struct hv_ring_pkt *pkt)
{
	uint32_t hlen = pkt->desc.offset8 * 8u;
	uint32_t plen = pkt->len - hlen;
	const uint8_t *payload = (const uint8_t *)pkt->data + hlen;
	uint64_t xid = pkt->desc.trans_id;
	struct hv_nvsp_rndis_pkt_complete c = { .type = 0 };

	if (xid & HN_XID_CTL) {
		if (__atomic_load_n(&hv->ctl.done, __ATOMIC_ACQUIRE) || hv->ctl.xid != xid ||
		    ch->index != 0)
			return;	/* a control send done: nothing to free */
		if (hv->ctl.kind == HN_CTL_NVSP) {
			hv->ctl.len = RTE_MIN(plen, HV_NVSP_RESP_BUF_SIZE);
			memcpy(hv->ctl.buf, payload, hv->ctl.len);
		} else if (hv->ctl.kind != HN_CTL_SENDCOMP) {
			return;
		}
		__atomic_store_n(&hv->ctl.done, 1, __ATOMIC_RELEASE);
		return;
	}
	if (plen >= sizeof(c))
		memcpy(&c, payload, sizeof(c));
	if (c.type != HV_NVSP_MSG_RNDIS_PKT_COMPLETE) {
		ch->bad_completions++;
		return;
	}
	hn_tx_complete(ch, xid, c.status);
}

static void
rx_inband(struct hn_dev *hv, struct hn_chan *ch, const struct hv_ring_pkt *pkt)
{
	uint32_t hlen = pkt->desc.offset8 * 8u;
	const uint8_t *payload = (const uint8_t *)pkt->data + hlen;
	struct hv_nvsp_vf_assoc vf;
	uint32_t type;

	if (pkt->len - hlen < sizeof(type)) {
		ch->bad_packets++;
		return;
	}
	memcpy(&type, payload, sizeof(type));
	hv->inband_notes++;
	if (type == HV_NVSP_MSG_VF_ASSOC && pkt->len - hlen >= sizeof(vf)) {
		memcpy(&vf, payload, sizeof(vf));
		hv->vf_allocated = vf.allocated != 0;
		hv->vf_serial = vf.serial;
	}
	/* the send indirection table needs no action: every queue sends on
	 * its own channel and completions come back there */
}

static void
chan_dispatch(struct hn_dev *hv, struct hn_chan *ch, struct hn_sink *sink,
	      const struct hv_ring_pkt *pkt, bool *sig)
{
	switch (pkt->desc.type) {
	case HV_PKT_DATA_XFER_PAGES:
		rx_xfer(hv, ch, sink, pkt, sig);
		break;
	case HV_PKT_COMPLETION:
		rx_completion(hv, ch, pkt);
		break;
	case HV_PKT_DATA_INBAND:
		rx_inband(hv, ch, pkt);
		break;
	default:
		ch->bad_packets++;
		break;
	}
}

/*
 * Drain channel ch: at most `budget` packets, stopping early once the
 * burst array (pkts, max) is full. Returns the frames put in pkts. Does
 * nothing if another thread is draining the channel right now.
 */
uint16_t
hn_chan_drain(struct hn_dev *hv, struct hn_chan *ch, struct rte_mbuf **pkts, uint16_t max,
	      unsigned int budget)
{
	struct hn_sink sink = { .pkts = pkts, .n = 0, .max = max };
	struct hv_ring_pkt pkt;
	bool sig = false;
	unsigned int done = 0;

	if (ch->vc == NULL || !chan_try_own(ch))
		return 0;
	acks_flush(ch, &sig);
	ext_acks_collect(ch, &sig);
	while (done < budget && (pkts == NULL || sink.n < max)) {
		int ret = vmbus_chan_peek(ch->vc, &pkt);

		if (ret <= 0) {
			if (ret < 0)
				ch->bad_packets++;
			break;
		}
		chan_dispatch(hv, ch, pkts == NULL ? NULL : &sink, &pkt, &sig);
		vmbus_chan_consume(ch->vc, pkt.len);
		done++;
	}
	if (done > 0) {
		vmbus_chan_rx_commit(ch->vc);
		hn_tx_complete_flush(ch);	/* completed sends, in bulk */
	}
	acks_flush(ch, &sig);
	if (sig)
		vmbus_chan_signal(ch->vc);
	chan_release(ch);
	return sink.n;
}

/* ---- RX burst ----------------------------------------------------------- */

uint16_t
hn_recv_pkts(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct hn_rxq *rxq = q;
	uint16_t got = 0;

	if (unlikely(!rxq->started))
		return 0;
	/* frames another thread drained come first: they are older */
	if (unlikely(!rte_ring_empty(rxq->staging)))
		got = (uint16_t)rte_ring_sc_dequeue_burst(rxq->staging, (void **)pkts, n, NULL);
	if (got < n)
		got += hn_chan_drain(rxq->hv, rxq->ch, pkts + got, n - got, HN_RX_BURST_BUDGET);
	return got;
}

/* Stopped queue: give back what it holds. */
void
hn_rxq_flush(struct hn_rxq *rxq)
{
	struct rte_mbuf *m;

	while (rte_ring_sc_dequeue(rxq->staging, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	if (rxq->cache_n > 0)
		rte_mempool_put_bulk(rxq->mp, (void **)rxq->cache, rxq->cache_n);
	rxq->cache_n = 0;
}
